"""Human handoff: tickets, triggers, the agent console and the buyer web chat.

Public pieces (import the modules directly; nothing here runs at import time):

- ``kefu.handoff.tickets.TicketStore``: tickets and their transcripts in SQLite.
- ``kefu.handoff.triggers``: why a conversation goes to a person, and how urgently.
- ``kefu.handoff.abuse.AbuseLexicon``: insults and threats (差评/投诉/12315/消协/曝光) in buyer text.
- ``kefu.handoff.replies.reply``: the buyer-facing handoff sentences (``replies.yml``).
- ``kefu.handoff.web.create_app``: the sanic app serving ``/console`` and ``/chat``.
- ``kefu.handoff.auth``: agents, password hashes, sessions.
"""
