"""Issue 22 defect 7: adding or removing a filter policy on a live subscription is an in-place update.

CloudFormation's SNS handler sends ``FilterPolicyScope: null`` when the property leaves the
template, and SNS refuses it (``FilterPolicyScope: Invalid value [null]``: cloudformation-coverage-
roadmap 1840, aws-cdk 24804). Each test synthesizes the template before and after the change and
checks that the subscription keeps its logical id and its ``FilterPolicyScope``, so only
``FilterPolicy`` changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import assertions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs

from buttress import FanoutTopic
from tests.harness import new_stack, resources_of_type

POLICY = {"category": ["lab-supplies"]}
BODY_POLICY = {"order": {"total": [{"numeric": [">", 0]}]}}

Subscribe = Callable[[FanoutTopic, dict[str, Any]], None]


def _new_queue(topic: FanoutTopic, filters: dict[str, Any]) -> None:
    topic.add_queue("Sub", **filters)


def _existing_queue(topic: FanoutTopic, filters: dict[str, Any]) -> None:
    queue = sqs.Queue.from_queue_arn(topic, "Existing", "arn:aws:sqs:us-east-1:111122223333:orders")
    topic.add_queue("Sub", queue=queue, **filters)


def _function(topic: FanoutTopic, filters: dict[str, Any]) -> None:
    function = lambda_.Function.from_function_arn(topic, "Fn", "arn:aws:lambda:us-east-1:111122223333:function:f")
    topic.add_function("Sub", function, **filters)


def _https(topic: FanoutTopic, filters: dict[str, Any]) -> None:
    topic.add_https_endpoint("Sub", "https://scm.example.com/orders", **filters)


def _email(topic: FanoutTopic, filters: dict[str, Any]) -> None:
    topic.add_email("Sub", "ops@example.com", **filters)


SUBSCRIBERS: dict[str, Subscribe] = {
    "new queue": _new_queue,
    "existing queue": _existing_queue,
    "function": _function,
    "https": _https,
    "email": _email,
}


def _subscriptions(subscribe: Subscribe, filters: dict[str, Any]) -> dict[str, dict[str, Any]]:
    stack = new_stack("Scope")
    subscribe(FanoutTopic(stack, "Orders"), filters)
    template = dict(assertions.Template.from_stack(stack).to_json())
    return {k: v["Properties"] for k, v in resources_of_type(template, "AWS::SNS::Subscription").items()}


def _only_the_policy_changes(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> None:
    assert before.keys() == after.keys(), "a changed logical id would replace the subscription"
    for logical_id, old in before.items():
        new = after[logical_id]
        assert "FilterPolicyScope" in old and "FilterPolicyScope" in new
        assert old["FilterPolicyScope"] == new["FilterPolicyScope"]
        changed = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
        assert changed == {"FilterPolicy"}


@pytest.mark.parametrize("kind", SUBSCRIBERS)
def test_removing_a_filter_policy_keeps_the_scope(kind: str) -> None:
    subscribe = SUBSCRIBERS[kind]
    _only_the_policy_changes(_subscriptions(subscribe, {"filter_policy": POLICY}), _subscriptions(subscribe, {}))


@pytest.mark.parametrize("kind", ["new queue", "function"])
def test_adding_a_filter_policy_keeps_the_scope(kind: str) -> None:
    subscribe = SUBSCRIBERS[kind]
    _only_the_policy_changes(_subscriptions(subscribe, {}), _subscriptions(subscribe, {"filter_policy": POLICY}))


def test_removing_a_body_policy_keeps_the_body_scope_while_filter_scope_stays() -> None:
    subscribe = SUBSCRIBERS["new queue"]
    before = _subscriptions(subscribe, {"filter_policy": BODY_POLICY, "filter_scope": "MessageBody"})
    after = _subscriptions(subscribe, {"filter_scope": "MessageBody"})
    _only_the_policy_changes(before, after)
    assert {p["FilterPolicyScope"] for p in after.values()} == {"MessageBody"}


def test_an_unfiltered_subscription_states_the_default_scope() -> None:
    (props,) = _subscriptions(SUBSCRIBERS["email"], {}).values()
    assert props["FilterPolicyScope"] == "MessageAttributes"
    assert "FilterPolicy" not in props
