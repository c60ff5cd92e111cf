"""What kefu's internal HTTP services share: the service token (auth) and write-checking /health.

There is no NLG service: the domain has no ``utter_*`` responses; every sentence is sent by the
actions through ``actions/base.py`` ``GuardedDispatcher`` and guarded again by ``kefu_rasa/channels.py``.
"""
