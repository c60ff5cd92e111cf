"""The shop: configuration (``shop/shop.yml``), catalog and orders in SQLite, policy answers.

Import what you need from the sub-modules (``kefu.shop.config``, ``kefu.shop.store``,
``kefu.shop.answers``, ``kefu.shop.models``); importing this package does nothing else.
"""
