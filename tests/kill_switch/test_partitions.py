"""Regions of another partition in the kill switch (issue 22, mistakes synth must refuse).

One stack is one partition: its roles' ARNs are ``arn:<partition>:...`` and its functions' credentials
work in that partition only, so a region of another partition can never be acted on.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Annotations, Match

from buttress import ButtressError
from buttress.rules import kill_switch as rules
from buttress.rules.partitions import partition_of
from tests.harness import new_stack
from tests.kill_switch.helpers import add_switch


def _stack(region: str | None) -> Stack:
    if region is None:
        stack: Stack = new_stack()
        return stack
    return Stack(App(), "Guard", env=Environment(account="111122223333", region=region))


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("eu-west-1", "aws"),
        ("us-east-1", "aws"),
    ],
)
def test_partition_of(region: str, partition: str) -> None:
    assert partition_of(region) == partition


@pytest.mark.parametrize(
    ("stack_region", "regions"),
    [
        ("eu-west-1", ["cn-north-1"]),
        ("us-east-1", ["us-east-1", "us-gov-west-1"]),
        ("cn-north-1", ["eu-west-1"]),
        (None, ["us-east-1", "cn-north-1"]),  # mixed: no stack can hold both
    ],
)
def test_another_partition_refused_at_synth(stack_region: str | None, regions: list[str]) -> None:
    with pytest.raises(ButtressError) as error:
        add_switch(_stack(stack_region), regions=regions)
    message = str(error.value)
    assert "/Switch: regions=" in message  # the construct's path, the prop, the value
    assert "partition" in message
    assert "aws-fault-isolation-boundaries/partitions.html" in message


@pytest.mark.parametrize(
    ("stack_region", "regions"), [("cn-north-1", ["cn-north-1", "cn-northwest-1"]), ("us-east-1", ["eu-west-1"])]
)
def test_same_partition_accepted(stack_region: str, regions: list[str]) -> None:
    stack = _stack(stack_region)
    add_switch(stack, regions=regions)
    Annotations.from_stack(stack).has_no_warning("*", Match.string_like_regexp("partition"))


def test_unknown_stack_partition_warned_not_refused() -> None:
    stack = new_stack()
    add_switch(stack, regions=["cn-north-1"])
    Annotations.from_stack(stack).has_warning("*", Match.string_like_regexp("partition aws-cn"))
    quiet = new_stack()
    add_switch(quiet, regions=["us-east-1", "eu-west-1"])
    Annotations.from_stack(quiet).has_no_warning("*", Match.string_like_regexp("partition"))


def test_rule_is_pure() -> None:
    kwargs: Any = {"stack_region": None}
    assert rules.regions_partition(("us-east-1",), **kwargs) == ""
    assert "aws-us-gov" in rules.regions_partition(("us-gov-west-1",), **kwargs)
