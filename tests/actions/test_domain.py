"""The domain and the action package agree: every action is registered, every form slot has a question.

That every registered action is guarded is tests/test_guard_coverage.py's job.
"""

from rasa_sdk.executor import ActionExecutor


def registered_actions():
    executor = ActionExecutor()
    executor.register_package("actions")
    return executor.actions


def test_every_domain_action_is_implemented(domain):
    implemented = set(registered_actions())
    missing = [name for name in domain["actions"] if name not in implemented]
    assert missing == []


def test_every_form_slot_is_asked_by_an_action(domain):
    for form in domain["forms"].values():
        for slot in form["required_slots"]:
            assert f"action_ask_{slot}" in domain["actions"], slot

