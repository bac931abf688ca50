"""The synthesized ButtressCarDealer / ButtressProcurement templates carry the blog posts' subscription attributes."""

from __future__ import annotations

from typing import Any

from stacks.car_dealer_stack import CRM_FILTER, SCM_DELIVERY_POLICY, SCM_ENDPOINT_PLACEHOLDER
from stacks.procurement_stack import FILTERS
from tests.harness import SynthResult, resources_of_type


def _subscriptions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        r["Metadata"]["buttress:subscriber"]: r["Properties"]
        for r in resources_of_type(template, "AWS::SNS::Subscription").values()
    }


def test_car_dealer_template(synth: SynthResult) -> None:
    template = synth.templates["ButtressCarDealer"]
    (topic,) = resources_of_type(template, "AWS::SNS::Topic").values()
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
    (topic,) = resources_of_type(template, "AWS::SNS::Topic").values()
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
