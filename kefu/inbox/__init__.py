"""The inbox: every buyer message a channel accepts is recorded before it is acknowledged.

Why a table and not a queue server: kefu's stores already live in one database
(SQLite by default, PostgreSQL through :mod:`kefu.db` for replicas), the inbox is
written once per buyer message (tens per second at most for one shop), and the
record must sit beside the tickets and the chat log the shop reads. A Redis stream
would add a second durable store to keep consistent with the first, and Redis is
only part of the scale-out stack. See docs/edges.md, "The inbox".

- :mod:`kefu.inbox.store` — :class:`~kefu.inbox.store.Inbox`: receive (de-duplicated
  by channel and message id, a message id counts as seen only once it was handled),
  finish, unhandled messages for recovery; writes that fail (a full disk, a
  read-only or locked database) are kept in memory and retried until they land;
- :mod:`kefu.inbox.memory` — :class:`~kefu.inbox.memory.Retrier`, the one
  write-behind used by the inbox and by degraded tickets;
- :mod:`kefu.inbox.disk` — free space on the state disk (health says degraded
  before SQLite says "database or disk is full").
"""
