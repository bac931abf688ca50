"""The budget can be updated (issue 27, item 1) and watches gross spend (issue 27, item 8).

``BudgetName`` and ``NotificationsWithSubscribers`` are create-only: "Update requires:
Replacement" (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-budgets-budget-notificationwithsubscribers.html;
the resource schema's ``createOnlyProperties``), and CloudFormation cannot replace a resource with
a custom name. So the name carries a short hash of the notification settings: a before/after
template pair shows it changes exactly when a replacement-requiring property changes.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.kill_switch.helpers import build_switch, config_of, one


def _budget(**overrides: Any) -> tuple[str, dict[str, Any], str]:
    """The template's BudgetName, the budget's properties, and the name the engage function matches."""
    _, switch, template = build_switch(**overrides)
    budget = one(template, "AWS::Budgets::Budget")["Properties"]
    name = budget["Budget"]["BudgetName"]
    assert name == switch.budget_name
    return name, budget, config_of(template, "kill_switch.engage.handler").budget_name


@pytest.fixture(scope="module")
def before() -> tuple[str, dict[str, Any], str]:
    return _budget()


@pytest.mark.parametrize(
    "change",
    [
        {"operator_emails": ["ops@example.com"]},
        {"operator_emails": ["ops@example.com", "finance@example.com", "cfo@example.com"]},
        {"forecast_percent": 70},
        {"actual_percent": 110},
    ],
)
def test_name_changes_with_a_replacement_property(before: tuple[str, dict[str, Any], str], change: Any) -> None:
    name, budget, handed = _budget(**change)
    assert budget["NotificationsWithSubscribers"] != before[1]["NotificationsWithSubscribers"]
    assert name != before[0]
    assert handed == name  # the functions match the new name
    assert name.startswith("beta-") and len(name) <= 100


@pytest.mark.parametrize(
    "change",
    [
        {"limit_usd": 5},
        {"services": []},
        {"include_credits": True},
        {"dry_run": True},
    ],
)
def test_name_stays_when_only_updatable_properties_change(before: tuple[str, dict[str, Any], str], change: Any) -> None:
    name, budget, _ = _budget(**change)
    assert budget["NotificationsWithSubscribers"] == before[1]["NotificationsWithSubscribers"]
    assert name == before[0]


def test_name_changes_when_the_alert_topic_would_be_replaced() -> None:
    """A new construct path gives the alert topic a new logical id, so a new ARN in the notification."""
    from aws_cdk.assertions import Template
    from constructs import Construct

    from tests.harness import new_stack
    from tests.kill_switch.helpers import add_switch

    stack, moved = new_stack(), new_stack()
    add_switch(stack)
    add_switch(Construct(moved, "Moved"))
    names = [
        one(Template.from_stack(s), "AWS::Budgets::Budget")["Properties"]["Budget"]["BudgetName"]
        for s in (stack, moved)
    ]
    assert names[0] != names[1]
    assert all(name.startswith("beta-") for name in names)


def test_gross_spend_by_default(before: tuple[str, dict[str, Any], str]) -> None:
    """Credits and refunds default to counted (IncludeCredit/IncludeRefund true:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-budgets-budget-costtypes.html);
    a kill switch watches gross spend, so both are off unless asked for."""
    assert before[1]["Budget"]["CostTypes"] == {"IncludeCredit": False, "IncludeRefund": False}
    _, net, _ = _budget(include_credits=True, include_refunds=True)
    assert net["Budget"]["CostTypes"] == {"IncludeCredit": True, "IncludeRefund": True}
