"""Lab-Preapproved and Lab-Cancelled against moto (no real AWS)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from buttress._lambda_src.procurement import lab_cancelled, lab_preapproved
from buttress._lambda_src.procurement.orders import OrderError, orders_from_event
from tests.moto_env import REGION, mocked_aws


def sns_event(*orders: tuple[str, str, float, str | None]) -> dict[str, Any]:
    """An SNS-to-Lambda event with one record per (order_id, category, amount, location)."""
    records = []
    for index, (order_id, category, amount, location) in enumerate(orders):
        attributes = {
            "category": {"Type": "String", "Value": category},
            "amount_usd": {"Type": "Number", "Value": str(amount)},
        }
        if location:
            attributes["location"] = {"Type": "String", "Value": location}
        records.append(
            {
                "EventSource": "aws:sns",
                "Sns": {
                    "MessageId": f"m-{index}",
                    "Message": json.dumps({"order_id": order_id}),
                    "MessageAttributes": attributes,
                },
            }
        )
    return {"Records": records}


@pytest.fixture
def aws() -> Iterator[None]:
    with mocked_aws(REGION):
        yield


def test_preapproved_hands_orders_to_fulfillment(aws: None, caplog: pytest.LogCaptureFixture) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="Common-Orders")["QueueUrl"]
    caplog.set_level(logging.INFO, logger="procurement")
    sent = lab_preapproved.preapprove(
        sns_event(("o-3", "lab-supplies", 415, "Europe-West"), ("o-9", "lab-supplies", 1500, "Europe-West")),
        sqs=sqs,
        queue_url=url,
    )
    assert sent == ["o-3"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])["Messages"]
    assert len(messages) == 1
    assert json.loads(messages[0]["Body"]) == {"order_id": "o-3", "amount_usd": 415.0}
    assert messages[0]["MessageAttributes"]["approval"]["StringValue"] == "pre-approved"
    logs = [json.loads(r.getMessage()) for r in caplog.records]
    assert [(entry["event"], entry["order_id"]) for entry in logs] == [("pre-approved", "o-3"), ("refused", "o-9")]


def test_preapproved_handler_builds_its_client(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="Common-Orders")["QueueUrl"]
    monkeypatch.setenv("FULFILLMENT_QUEUE_URL", url)
    assert lab_preapproved.handler(sns_event(("o-1", "lab-supplies", 20, None)), None) == {"pre_approved": ["o-1"]}


def test_cancelled_announces_on_the_topic(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="Orders")["TopicArn"]
    url = sqs.create_queue(QueueName="requisitions")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    monkeypatch.setenv("ORDERS_TOPIC_ARN", topic)
    result = lab_cancelled.handler(
        sns_event(("o-4", "lab-supplies", 0, "Asia-Pacific-Northeast"), ("o-5", "lab-supplies", 3, None)), None
    )
    assert result == {"cancelled": ["o-4"]}
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"]) for m in messages] == [
        {"order_id": "o-4", "status": "cancelled", "reason": "zero value"}
    ]


@pytest.mark.parametrize(
    "record",
    [
        {"Sns": {"MessageId": "x", "Message": "not json", "MessageAttributes": {}}},
        {"Sns": {"MessageId": "x", "Message": "{}", "MessageAttributes": {}}},
        {
            "Sns": {
                "MessageId": "x",
                "Message": '{"order_id": "o"}',
                "MessageAttributes": {
                    "category": {"Type": "String", "Value": "lab-supplies"},
                    "amount_usd": {"Type": "Number", "Value": "lots"},
                },
            }
        },
    ],
    ids=["not-json", "no-order", "bad-amount"],
)
def test_malformed_records_raise(record: dict[str, Any]) -> None:
    with pytest.raises(OrderError, match="message 'x'"):
        orders_from_event({"Records": [record]})
