"""The props dataclasses of FanoutTopic and its add_* methods agree with their signatures (no synth)."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import RemovalPolicy
from aws_cdk.assertions import Template

from buttress import ButtressError
from buttress.fanout import FanoutTopic
from buttress.fanout.props import (
    EmailSubscriberProps,
    FanoutTopicProps,
    FirehoseSubscriberProps,
    FunctionSubscriberProps,
    HttpsSubscriberProps,
    QueueSubscriberProps,
)
from tests.harness import new_stack, resources_of_type

#: Parameters before the props: the construct's scope and id, a subscriber's id.
_LEADING = {"self", "scope", "id_"}

CASES: list[tuple[Callable[..., Any], type]] = [
    (FanoutTopic.__init__, FanoutTopicProps),
    (FanoutTopic.add_queue, QueueSubscriberProps),
    (FanoutTopic.add_function, FunctionSubscriberProps),
    (FanoutTopic.add_https_endpoint, HttpsSubscriberProps),
    (FanoutTopic.add_firehose, FirehoseSubscriberProps),
    (FanoutTopic.add_email, EmailSubscriberProps),
]


def _parameters(method: Callable[..., Any]) -> list[inspect.Parameter]:
    return [p for p in inspect.signature(method).parameters.values() if p.name not in _LEADING]


@pytest.mark.parametrize(("method", "props"), CASES, ids=[props.__name__ for _, props in CASES])
def test_props_fields_are_the_parameters_in_order(method: Callable[..., Any], props: type) -> None:
    assert [f.name for f in dataclasses.fields(props)] == [p.name for p in _parameters(method)]


@pytest.mark.parametrize(("method", "props"), CASES, ids=[props.__name__ for _, props in CASES])
def test_props_defaults_are_the_parameters_defaults(method: Callable[..., Any], props: type) -> None:
    fields = {f.name: f for f in dataclasses.fields(props)}
    for parameter in _parameters(method):
        field = fields[parameter.name]
        if field.default is dataclasses.MISSING:
            assert parameter.default is inspect.Parameter.empty, parameter.name
        else:
            assert parameter.default == field.default, parameter.name


@pytest.mark.parametrize(("method", "props"), CASES, ids=[props.__name__ for _, props in CASES])
def test_props_types_are_the_parameters_types(method: Callable[..., Any], props: type) -> None:
    # Both modules use postponed annotations, so the types compare as written.
    types = {f.name: f.type for f in dataclasses.fields(props)}
    assert {p.name: p.annotation for p in _parameters(method)} == types


def test_topic_props_are_keyword_only() -> None:
    kinds = {p.kind for p in _parameters(FanoutTopic.__init__)}
    assert kinds == {inspect.Parameter.KEYWORD_ONLY}


@pytest.mark.parametrize("props", [props for _, props in CASES], ids=[props.__name__ for _, props in CASES])
def test_props_are_frozen(props: type) -> None:
    assert props.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_removal_policy_applies_to_the_keys_the_topic_creates() -> None:
    stack = new_stack("Removal")
    topic = FanoutTopic(stack, "Orders", removal_policy=RemovalPolicy.DESTROY)
    topic.add_queue("Lab")
    keys = resources_of_type(dict(Template.from_stack(stack).to_json()), "AWS::KMS::Key")
    assert len(keys) == 2 and {k["DeletionPolicy"] for k in keys.values()} == {"Delete"}
    kept = new_stack("Kept")
    FanoutTopic(kept, "Orders").add_queue("Lab")
    keys = resources_of_type(dict(Template.from_stack(kept).to_json()), "AWS::KMS::Key")
    assert {k["DeletionPolicy"] for k in keys.values()} == {"Retain"}


def test_removal_policy_must_be_a_removal_policy() -> None:
    with pytest.raises(
        ButtressError, match=r"Bad/Orders: removal_policy='destroy' is invalid: a RemovalPolicy, not str"
    ):
        FanoutTopic(new_stack("Bad"), "Orders", removal_policy="destroy")  # type: ignore[arg-type]
