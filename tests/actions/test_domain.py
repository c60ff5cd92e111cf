"""The domain and the action package agree: every action is registered, every form slot has a question."""

from rasa_sdk.executor import ActionExecutor

from actions.base import GUARDED_BASES


def registered_actions():
    executor = ActionExecutor()
    executor.register_package("actions")
    return executor.actions


def test_every_domain_action_but_the_handoff_is_implemented_here(domain):
    implemented = set(registered_actions())
    missing = [name for name in domain["actions"] if name not in implemented and name != "action_handoff"]
    assert missing == []


def test_every_form_slot_is_asked_by_an_action(domain):
    for form in domain["forms"].values():
        for slot in form["required_slots"]:
            assert f"action_ask_{slot}" in domain["actions"], slot


def test_every_action_is_guarded():
    executor = ActionExecutor()
    executor.register_package("actions")
    for name, action in executor.actions.items():
        owner = getattr(action, "__self__", None)
        if owner is not None:
            assert isinstance(owner, GUARDED_BASES), name
