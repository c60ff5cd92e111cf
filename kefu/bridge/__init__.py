"""The signed bridge: how a platform-side sidecar or a partner's middleware talks to kefu.

No platform lets a third party receive buyers' chat messages directly, so a
sidecar that can (the shop's own client, or a partner with access) posts each
buyer message to kefu's bridge channel and receives the replies at a callback
URL. This package holds everything about that protocol that is not Rasa:
signing and verification (:mod:`kefu.bridge.protocol`), the nonce and message
store that stops replays and duplicates (:mod:`kefu.bridge.store`), reply
delivery with retries (:mod:`kefu.bridge.delivery`) and the reference client
(:mod:`kefu.bridge.client`). The Rasa channel is ``kefu_rasa/bridge.py``.
"""
