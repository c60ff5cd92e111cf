"""kefu: the plain-Python library behind a Chinese first-line shop assistant.

Sub-packages by domain area (none imports Rasa):
  settings  - every path, port and switch, read once from the environment
  shop      - shop configuration, catalog and orders in SQLite; policy answers
  normalize - entity normalisers (height, weight, size, province, ...)
  guard     - per-platform compliance guard over every outgoing message
  handoff   - tickets, triggers, agent console and buyer web chat
  servers   - internal-service token and write-checking /health
  replay    - scripted conversations replayed against the live stack
  cli       - the `kefu` console script
"""

__version__ = "0.1.0"
