"""Which messages engage the switch: the Budgets text, the drill, and everything else (never raises)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from buttress._lambda_src.kill_switch.messages import (
    Ignored,
    Trigger,
    classify,
    parse_budget_notification,
    sns_messages,
)

ACCOUNT = "111122223333"


def budgets_text(*, name: str = "Beta", alert: str = "ACTUAL", account: str = ACCOUNT) -> str:
    """The plain text AWS Budgets publishes to SNS (layout of a real notification)."""
    return (
        "AWS Budget Notification March 05, 2026\n"
        f"AWS Account {account}\n\n"
        "Dear AWS Customer,\n\n"
        f"You requested that we alert you when the {alert} Cost associated with your {name} budget is greater "
        f"than $2.00 for the current month. The {alert} Cost associated with this budget is $2.15. You can find "
        "additional details below and by accessing the AWS Budgets dashboard [1].\n\n"
        f"Budget Name: {name}\n"
        "Budget Type: Cost\n"
        "Budgeted Amount: $2.00\n"
        f"Alert Type: {alert}\n"
        "Alert Threshold: > $2.00\n"
        f"{alert} Amount: $2.15\n\n"
        "[1] https://console.aws.amazon.com/billing/home#/budgets\n"
    )


def verdict(message: object) -> Trigger | Ignored:
    return classify(message, budget_name="Beta", account_id=ACCOUNT)


def test_parses_budgets_fields() -> None:
    fields = parse_budget_notification(budgets_text())
    assert fields is not None
    assert fields["account"] == ACCOUNT
    assert fields["Budget Name"] == "Beta"
    assert fields["Alert Type"] == "ACTUAL"
    assert fields["Alert Threshold"] == "> $2.00"


def test_actual_breach_of_own_budget_triggers() -> None:
    assert verdict(budgets_text()) == Trigger("budgets", "Beta", "ACTUAL")


def test_budget_name_with_spaces() -> None:
    assert classify(budgets_text(name="Project Beta"), budget_name="Project Beta", account_id=ACCOUNT) == Trigger(
        "budgets", "Project Beta", "ACTUAL"
    )


def test_forecast_only_warns() -> None:
    result = verdict(budgets_text(alert="FORECASTED"))
    assert isinstance(result, Ignored)
    assert "only warns" in result.reason


def test_other_budget_and_other_account_ignored() -> None:
    assert isinstance(verdict(budgets_text(name="Betamax")), Ignored)
    assert isinstance(verdict(budgets_text(name="Bet")), Ignored)
    assert isinstance(verdict(budgets_text(account="999988887777")), Ignored)


def test_seed_mock_notification_is_ignored() -> None:
    """The seed engages on any text ("This is a mock notification"); buttress needs the drill JSON."""
    assert isinstance(verdict("This is a mock notification"), Ignored)


def test_drill() -> None:
    drill = {"buttressKillSwitch": "drill", "budgetName": "Beta"}
    assert verdict(json.dumps(drill)) == Trigger("drill", "Beta", "DRILL", dry_run=False)
    assert verdict(json.dumps({**drill, "dryRun": True})) == Trigger("drill", "Beta", "DRILL", dry_run=True)
    assert isinstance(verdict(json.dumps({**drill, "budgetName": "Gamma"})), Ignored)
    assert isinstance(verdict(json.dumps({**drill, "dryRun": "yes"})), Ignored)
    assert isinstance(verdict(json.dumps({"buttressKillSwitch": "engage", "budgetName": "Beta"})), Ignored)


def test_foreign_messages_ignored() -> None:
    for message in (
        None,
        42,
        b"AWS Budget Notification",
        "",
        "[]",
        "null",
        '{"AlarmName": "x", "NewStateValue": "ALARM"}',
        "AWS Budget Notification\nno account line\nBudget Name: Beta\nAlert Type: ACTUAL\n",
        "[" * 100_000,
        "x" * 300_000,
        "9" * 5000,
    ):
        assert isinstance(verdict(message), Ignored), message


def test_sns_messages_extracts_bodies_of_any_event_shape() -> None:
    event = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": "hello"}}, {"Sns": "bad"}, 5]}
    assert sns_messages(event) == ["hello"]
    assert sns_messages({"Records": "x"}) == []
    assert sns_messages(None) == []
    assert sns_messages([1, 2]) == []


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises_and_never_triggers(text: str) -> None:
    assert isinstance(verdict(text), Ignored)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_arbitrary_json_never_raises(value: Any) -> None:
    result = verdict(json.dumps(value))
    if isinstance(result, Trigger):  # only a well-formed drill for this budget can
        assert value["buttressKillSwitch"] == "drill"
        assert value["budgetName"] == "Beta"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(budgets_text().splitlines(keepends=True)), max_size=20), st.text(max_size=40))
def test_mangled_notifications_never_raise(lines: list[str], noise: str) -> None:
    verdict("".join(lines) + noise)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_arbitrary_events_yield_only_present_messages(event: Any) -> None:
    for message in sns_messages(event):
        verdict(message)
    sns_messages({"Records": [event]})
