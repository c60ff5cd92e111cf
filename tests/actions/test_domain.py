"""The domain and the action package agree: every action is registered; there are no forms and no responses.

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


def test_the_domain_has_no_forms_and_no_responses(domain):
    """Every sentence comes from the linted replies files; no form can stay open or resurface."""
    assert not domain.get("forms") and not domain.get("responses")
