"""Tickets: why a conversation goes to a person, the ticket store, and who serves it.

- ``kefu.tickets.triggers``: why a conversation goes to a person, and how urgently (the shop's
  ``handoff:`` rules included); read by the dialogue engine and the actions.
- ``kefu.tickets.store.TicketStore``: tickets and their transcripts (SQLite or PostgreSQL).
- ``kefu.tickets.response_rules``: how fast a person must answer, per platform.
- ``kefu.tickets.assignment``: 接待状态, limits, skill groups, automatic assignment and re-assignment.

Nothing here imports the workbench (``kefu.handoff``) or the dialogue: both read tickets.
"""
