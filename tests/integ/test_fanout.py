"""FanoutTopic: messages arrive exactly where route() predicts; a poison message lands in the DLQ."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import pytest

from buttress.tools.route import route_template
from tests.integ.apps import (
    EXISTING_TOPIC,
    EXISTING_TOPIC_SUBSCRIBERS,
    FANOUT_SUBSCRIBERS,
    POISON_RECEIVES,
    build_app,
    stack_name,
)
from tests.integ.target import Target, offline_only

pytestmark = [pytest.mark.xdist_group("integ"), pytest.mark.slow]  # the CDK CLI and moto's server


def _string(value: str) -> dict[str, str]:
    return {"DataType": "String", "StringValue": value}


def _number(value: float) -> dict[str, str]:
    return {"DataType": "Number", "StringValue": str(value)}


#: Message name -> (attributes in the boto3 publish shape, body). Each subscriber gets some, misses some.
MESSAGES: Mapping[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "lab-small": ({"category": _string("lab-supplies"), "amount_usd": _number(15)}, {"priority": "normal"}),
    "lab-large": ({"category": _string("lab-supplies"), "amount_usd": _number(5000)}, {"priority": "normal"}),
    "office-urgent": ({"category": _string("office-supplies"), "amount_usd": _number(10)}, {"priority": "urgent"}),
    "tech-large": ({"category": _string("tech-supplies"), "amount_usd": _number(1000.5)}, {"priority": "low"}),
    "nobody": ({"category": _string("tech-supplies"), "amount_usd": _number(3)}, {"priority": "low"}),
}
#: How long a real queue is polled for messages that must (not) arrive.
SETTLE_S = 20


#: Each FanoutTopic of the app (construct id) -> its subscribers.
TOPICS: Mapping[str, Mapping[str, Any]] = {"Orders": FANOUT_SUBSCRIBERS, EXISTING_TOPIC: EXISTING_TOPIC_SUBSCRIBERS}


def predicted(template: Mapping[str, Any]) -> dict[str, set[str]]:
    """Subscriber -> the messages the routing simulator says it receives (from the deployed template)."""
    out: dict[str, set[str]] = {name: set() for subscribers in TOPICS.values() for name in subscribers}
    for message, (attributes, body) in MESSAGES.items():
        for topic in TOPICS:
            routes = route_template(template, topic=topic, attributes=attributes, body={**body, "message": message})
            for route in routes:
                if route.receives:
                    out[route.subscriber].add(message)
    return out


@offline_only
def test_route_predicts_what_the_construct_predicts(integ_templates: dict[str, Any]) -> None:
    """The prediction read from the template is FanoutTopic.route()'s own, message by message (offline)."""
    stack = build_app("fanout").node.find_child(stack_name("fanout", "offline"))
    topics: list[Any] = [stack.node.find_child(name) for name in TOPICS]
    from_template = predicted(integ_templates["fanout"])
    for message, (attributes, body) in MESSAGES.items():
        expected = {s for s, messages in from_template.items() if message in messages}
        routed = {s for topic in topics for s in topic.route(attributes=attributes, body={**body, "message": message})}
        assert routed == expected, message
    assert all(from_template.values()), "every subscriber must receive at least one message"
    assert not any("nobody" in m for m in from_template.values())


def _drain(sqs: Any, url: str, *, settle_s: float) -> list[dict[str, Any]]:
    """Every message in the queue (received and deleted), polling until nothing new came for ``settle_s``."""
    found: list[dict[str, Any]] = []
    quiet_since = time.monotonic()
    while True:
        wait = 0 if settle_s == 0 else min(5, max(1, int(settle_s)))
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait).get("Messages", [])
        for message in batch:
            found.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if batch:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= settle_s:
            return found


@pytest.fixture(scope="module")
def delivered(target: Target) -> dict[str, set[str]]:
    """Publish every message once; subscriber -> the messages its queue received."""
    if "fanout" not in target.apps:
        pytest.skip("the fanout app was not deployed in this run")
    outputs = target.outputs("fanout")
    sns, sqs = target.client("sns"), target.client("sqs")
    for message, (attributes, body) in MESSAGES.items():
        sns.publish(
            TopicArn=outputs["TopicArn"], Message=json.dumps({**body, "message": message}), MessageAttributes=attributes
        )
    settle = 0 if target.local else SETTLE_S  # moto delivers before publish returns
    return {
        name: {json.loads(m["Body"])["message"] for m in _drain(sqs, outputs[f"{name}QueueUrl"], settle_s=settle)}
        for subscribers in TOPICS.values()
        for name in subscribers
    }


def test_messages_arrive_exactly_where_route_predicts(
    target: Target, delivered: dict[str, set[str]], integ_templates: dict[str, Any]
) -> None:
    target.require("fanout.routes")
    assert delivered == predicted(integ_templates["fanout"])


def test_existing_topic_subscribers_get_what_their_route_predicts(
    target: Target, delivered: dict[str, set[str]], integ_templates: dict[str, Any]
) -> None:
    """FanoutTopic(existing_topic=) over the topic imported by its ARN: its queue gets exactly its route()."""
    target.require("fanout.existing_topic")
    expected = predicted(integ_templates["fanout"])
    assert {name: delivered[name] for name in EXISTING_TOPIC_SUBSCRIBERS} == {
        name: expected[name] for name in EXISTING_TOPIC_SUBSCRIBERS
    }
    assert all(expected[name] for name in EXISTING_TOPIC_SUBSCRIBERS)


def test_poison_message_lands_in_the_dead_letter_queue(target: Target, delivered: dict[str, set[str]]) -> None:
    """A consumer that never deletes the message: after max_receive_count receives it moves to the DLQ."""
    target.require("fanout.poison_to_dlq")
    outputs = target.outputs("fanout")
    sns, sqs = target.client("sns"), target.client("sqs")
    queue, dead_letters = outputs["LabQueueUrl"], outputs["LabDeadLetterQueueUrl"]
    attributes, body = MESSAGES["lab-small"]
    sns.publish(
        TopicArn=outputs["TopicArn"], Message=json.dumps({**body, "message": "poison"}), MessageAttributes=attributes
    )
    receives = 0
    deadline = time.monotonic() + (10 if target.local else 120)
    while time.monotonic() < deadline:
        # VisibilityTimeout=0: the failed consumer gives the message straight back (each receive counts).
        batch = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0 if target.local else 2, VisibilityTimeout=0)
        receives += len(batch.get("Messages", []))
        if receives > POISON_RECEIVES + 5:
            break
        if receives >= POISON_RECEIVES and not batch.get("Messages"):
            break
    assert receives == POISON_RECEIVES, f"received {receives} times, max_receive_count is {POISON_RECEIVES}"
    moved = _drain(sqs, dead_letters, settle_s=0 if target.local else 10)
    assert [json.loads(m["Body"])["message"] for m in moved] == ["poison"]
    assert _drain(sqs, queue, settle_s=0) == []
