"""The synthesized ButtressCarDealer / ButtressProcurement templates carry the blog posts' subscription attributes."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.car_dealer_stack import CRM_FILTER, SCM_DELIVERY_POLICY, SCM_ENDPOINT_PLACEHOLDER
from stacks.operators import OPERATOR_EMAIL_PLACEHOLDER
from stacks.procurement_stack import FILTERS
from tests.harness import SynthResult, resources_of_type


def _subscriptions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The FanoutTopic's subscriptions (the operator topic's e-mail subscription carries no metadata)."""
    return {
        r["Metadata"]["buttress:subscriber"]: r["Properties"]
        for r in resources_of_type(template, "AWS::SNS::Subscription").values()
        if "buttress:subscriber" in r.get("Metadata", {})
    }


def _fanout_topic(template: dict[str, Any]) -> dict[str, Any]:
    (topic,) = [
        t for t in resources_of_type(template, "AWS::SNS::Topic").values() if "buttress:topic" in t.get("Metadata", {})
    ]
    return topic


def test_car_dealer_template(synth: SynthResult) -> None:
    template = synth.templates["ButtressCarDealer"]
    topic = _fanout_topic(template)
    assert topic["Properties"]["TopicName"] == "Car-Sales"
    names = {q["Properties"].get("QueueName") for q in resources_of_type(template, "AWS::SQS::Queue").values()}
    assert {"ERP-Integration", "CRM-Integration"} <= names
    subs = _subscriptions(template)
    assert subs["ERP-Integration"]["RawMessageDelivery"] is True
    assert "FilterPolicy" not in subs["ERP-Integration"]
    assert subs["CRM-Integration"]["RawMessageDelivery"] is True
    assert subs["CRM-Integration"]["FilterPolicy"] == CRM_FILTER
    assert subs["SCM-System"]["Protocol"] == "https"
    assert subs["SCM-System"]["Endpoint"] == SCM_ENDPOINT_PLACEHOLDER
    assert subs["SCM-System"]["DeliveryPolicy"]["healthyRetryPolicy"]["numRetries"] == 20
    assert subs["SCM-System"]["DeliveryPolicy"] == SCM_DELIVERY_POLICY
    assert SCM_DELIVERY_POLICY["healthyRetryPolicy"]["backoffFunction"] == "exponential"


def test_procurement_template(synth: SynthResult) -> None:
    template = synth.templates["ButtressProcurement"]
    topic = _fanout_topic(template)
    assert topic["Properties"]["TopicName"] == "Orders"
    subs = _subscriptions(template)
    assert {name: sub["FilterPolicy"] for name, sub in subs.items()} == FILTERS
    assert {name: sub["Protocol"] for name, sub in subs.items()} == {
        "Lab-Orders-AP": "sqs",
        "Lab-Orders-EU": "sqs",
        "Common-Orders": "sqs",
        "Lab-Preapproved": "lambda",
        "Lab-Cancelled": "lambda",
    }
    functions = {f["Properties"]["FunctionName"] for f in resources_of_type(template, "AWS::Lambda::Function").values()}
    assert functions == {"Lab-Preapproved", "Lab-Cancelled"}


@pytest.mark.parametrize("stack", ["ButtressCarDealer", "ButtressProcurement"])
def test_every_alarm_reaches_the_operator_topic(synth: SynthResult, stack: str) -> None:
    template = synth.templates[stack]
    (operators,) = [k for k in resources_of_type(template, "AWS::SNS::Topic") if k.startswith("OperatorsTopic")]
    alarms = resources_of_type(template, "AWS::CloudWatch::Alarm")
    assert alarms
    for logical_id, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": operators}], logical_id
    (email,) = [
        s["Properties"]
        for s in resources_of_type(template, "AWS::SNS::Subscription").values()
        if s["Properties"]["Protocol"] == "email"
    ]
    assert email["TopicArn"] == {"Ref": operators}
    assert email["Endpoint"] == OPERATOR_EMAIL_PLACEHOLDER
    # One key per stack (key=): the operator topic, the FanoutTopic and its queues share it.
    (key,) = resources_of_type(template, "AWS::KMS::Key")
    topics = resources_of_type(template, "AWS::SNS::Topic").values()
    assert {t["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0] for t in topics} == {key}
    queues = resources_of_type(template, "AWS::SQS::Queue").values()
    assert {q["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0] for q in queues} == {key}
