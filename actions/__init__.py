"""Thin rasa-sdk actions over the kefu library.

Every action derives from a base in ``actions.base`` so that every message it
sends passes the compliance guard for the conversation's platform.
"""
