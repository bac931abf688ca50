"""``BudgetKillSwitchProps`` and the constructor agree; the methods type-check what they take."""

from __future__ import annotations

import dataclasses

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from buttress import BudgetKillSwitch, ButtressError
from buttress.kill_switch import BudgetKillSwitchProps
from tests.harness import new_stack
from tests.kill_switch.helpers import add_switch
from tests.signatures import props_mismatches


def test_props_dataclass_matches_the_constructor_keywords() -> None:
    assert props_mismatches(BudgetKillSwitch, BudgetKillSwitchProps) == []


def test_props_dataclass_is_frozen() -> None:
    props = BudgetKillSwitchProps(limit_usd=1, tag_key="Project", tag_value="Beta", operator_emails=["a@example.com"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        props.limit_usd = 2  # type: ignore[misc]


@pytest.mark.parametrize("grantee", ["arn:aws:iam::111122223333:role/ops", None, 7])
def test_grant_restore_refuses_what_is_not_a_grantable(grantee: object) -> None:
    stack = new_stack()
    switch = add_switch(stack)
    with pytest.raises(ButtressError, match=r"^[^:]*/Switch: grantee=.* is invalid: an iam.IGrantable"):
        switch.grant_restore(grantee)  # type: ignore[arg-type]


def test_metric_engage_errors_refuses_a_period_that_is_not_a_duration(
    built: tuple[Stack, BudgetKillSwitch, Template],
) -> None:
    _, switch, _ = built
    with pytest.raises(ButtressError, match=r"^[^:]*/Switch: period=5 is invalid: a Duration"):
        switch.metric_engage_errors(period=5)  # type: ignore[arg-type]
