"""``ButtressProcurement``: the procurement scenario of the AWS blog post *Message Filtering Operators for
Numeric Matching, Prefix Matching, and Blacklisting in Amazon SNS*.

Orders carry three message attributes: ``category`` (``lab-supplies``, ``office-supplies``,
``tech-supplies``), ``amount_usd`` (Number) and ``location`` (e.g. ``Asia-Pacific-Southeast``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from buttress import FanoutTopic
from buttress.parts import nag
from buttress.parts.functions import python_function
from stacks.operators import OperatorTopic, stack_key

LAB = {"category": ["lab-supplies"]}

#: The five filter policies of the blog post, in its order.
FILTERS: Mapping[str, dict[str, Any]] = {
    # lab supplies over $1,000 for Asia-Pacific labs: an approver reviews them
    "Lab-Orders-AP": {**LAB, "amount_usd": [{"numeric": [">", 1000]}], "location": [{"prefix": "Asia-Pacific-"}]},
    # lab supplies over $1,000 for European labs
    "Lab-Orders-EU": {**LAB, "amount_usd": [{"numeric": [">", 1000]}], "location": [{"prefix": "Europe-"}]},
    # lab supplies over $0 and up to $1,000, any lab: no approval needed ($0 is Lab-Cancelled's)
    "Lab-Preapproved": {**LAB, "amount_usd": [{"numeric": [">", 0, "<=", 1000]}]},
    # lab supplies worth $0: no items, cancelled
    "Lab-Cancelled": {**LAB, "amount_usd": [{"numeric": ["=", 0]}]},
    # anything but lab supplies: office and tech orders go straight to fulfillment
    "Common-Orders": {"category": [{"anything-but": "lab-supplies"}]},
}


class ProcurementStack(Stack):
    """Orders -> Lab-Orders-AP, Lab-Orders-EU, Common-Orders (queues), Lab-Preapproved, Lab-Cancelled (functions)."""

    def __init__(self, scope: Construct, id_: str, **kwargs: Any) -> None:
        super().__init__(scope, id_, **kwargs)
        # One key for the stack (the knob key=): the topic, its queues and the operator topic.
        self.key = stack_key(self)
        self.operators = OperatorTopic(self, "Operators", key=self.key)
        self.orders = FanoutTopic(
            self, "Orders", topic_name="Orders", key=self.key, alarm_action=self.operators.alarm_action
        )
        self.lab_orders_ap = self.orders.add_queue(
            "Lab-Orders-AP", queue_name="Lab-Orders-AP", filter_policy=FILTERS["Lab-Orders-AP"]
        )
        self.lab_orders_eu = self.orders.add_queue(
            "Lab-Orders-EU", queue_name="Lab-Orders-EU", filter_policy=FILTERS["Lab-Orders-EU"]
        )
        self.common_orders = self.orders.add_queue(
            "Common-Orders", queue_name="Common-Orders", filter_policy=FILTERS["Common-Orders"]
        )

        self.lab_preapproved = self._function(
            "Lab-Preapproved",
            "lab_preapproved.handler",
            "Pre-approves lab orders up to $1,000 and hands them to fulfillment (Common-Orders)",
            {"FULFILLMENT_QUEUE_URL": self.common_orders.queue_url},
        )
        self.common_orders.grant_send_messages(self.lab_preapproved)
        _acknowledge_kms_action_families(self.lab_preapproved, "kms:GenerateDataKey*", "kms:ReEncrypt*")
        self.orders.add_function("Lab-Preapproved", self.lab_preapproved, filter_policy=FILTERS["Lab-Preapproved"])

        self.lab_cancelled = self._function(
            "Lab-Cancelled",
            "lab_cancelled.handler",
            "Cancels $0 lab orders and announces the cancellation on the Orders topic",
            {"ORDERS_TOPIC_ARN": self.orders.topic.topic_arn},
        )
        self.orders.grant_publish(self.lab_cancelled)  # exact KMS actions: nothing to acknowledge
        self.orders.add_function("Lab-Cancelled", self.lab_cancelled, filter_policy=FILTERS["Lab-Cancelled"])

    def _function(self, name: str, handler: str, description: str, environment: dict[str, str]) -> lambda_.Function:
        return python_function(
            self,
            name,
            asset="procurement",
            handler=f"procurement.{handler}",
            description=description,
            role_description=f"{name}: writes its own log group only (no managed policy)",
            timeout=Duration.seconds(30),
            log_retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
            environment=environment,
            function_name=name,
            id_separator="-",
        )


def _acknowledge_kms_action_families(function: lambda_.Function, *actions: str) -> None:
    """The KMS action families that SQS sends and SNS publishes need, on one key only."""
    assert function.role is not None
    nag.acknowledge_wildcards(
        function.role,
        actions={
            action: f"{action} is the action family that encrypting messages for an SSE-KMS queue/topic needs "
            "(data keys of any spec); the statement's resource is that one customer-managed key, not '*'"
            for action in actions
        },
    )
