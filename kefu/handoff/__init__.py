"""Human handoff: the agent workbench and the buyer web chat, over the tickets of :mod:`kefu.tickets`.

Public pieces (import the modules directly; nothing here runs at import time):

- ``kefu.handoff.abuse.AbuseLexicon``: insults and threats (差评/投诉/12315/消协/曝光) in buyer text.
- ``kefu.handoff.replies.reply``: the buyer-facing handoff sentences (``replies.yml``).
- ``kefu.handoff.web.create_app``: the sanic app serving ``/console`` (workbench) and ``/chat``.
- ``kefu.handoff.auth``: agents, roles, password hashes, sessions.
- ``kefu.handoff.sync`` / ``live``: ticket sync from Rasa's tracker store; live events for consoles.
- ``kefu.handoff.workbench``: what the workbench shows (queue order, visibility, side panel, masking).
- ``phrases``, ``assist``, ``privacy``, ``throttle``: one rule each.
- ``kefu.handoff.report``: 质检 and analytics (``kefu report``, the console's report page).
- ``kefu.handoff.satisfaction`` / ``profile`` / ``order_actions`` / ``outbox``: 满意度, the customer
  profile, order actions as tasks, agent replies queued for REST buyers.
"""
