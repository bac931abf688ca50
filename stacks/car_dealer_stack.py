"""``ButtressCarDealer``: the car dealer fan-out of the AWS blog post *Managing Amazon SNS Subscription
Attributes with AWS CloudFormation* (topic Car-Sales, two SQS integrations and the SCM HTTP API)."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from buttress import FanoutTopic
from stacks.operators import OperatorTopic, stack_key

#: Context key of the SCM-System endpoint; the default is an obvious placeholder (.invalid never resolves).
SCM_ENDPOINT_CONTEXT = "car_dealer_scm_endpoint"
SCM_ENDPOINT_PLACEHOLDER = "https://scm-system.example.invalid/orders"

#: The blog post's SCM-System delivery policy: 20 retries, exponential backoff (delays chosen within SNS's bounds).
SCM_DELIVERY_POLICY = {
    "healthyRetryPolicy": {
        "numRetries": 20,
        "numNoDelayRetries": 0,
        "minDelayTarget": 10,
        "maxDelayTarget": 120,
        "numMinDelayRetries": 2,
        "numMaxDelayRetries": 10,
        "backoffFunction": "exponential",
    }
}

#: Only orders placed by VIP buyers reach the CRM.
CRM_FILTER = {"buyer-class": ["vip"]}


class CarDealerStack(Stack):
    """Car-Sales -> ERP-Integration (raw, all orders), CRM-Integration (raw, VIP only), SCM-System (HTTPS).

    Every alarm notifies the operator topic (e-mail from the context key ``operator_email``).
    """

    def __init__(self, scope: Construct, id_: str, **kwargs: Any) -> None:
        super().__init__(scope, id_, **kwargs)
        scm_endpoint = self.node.try_get_context(SCM_ENDPOINT_CONTEXT) or SCM_ENDPOINT_PLACEHOLDER
        # One key for the stack (the knob key=): the topic, its queues and the operator topic.
        self.key = stack_key(self)
        self.operators = OperatorTopic(self, "Operators", key=self.key)
        self.car_sales = FanoutTopic(
            self, "Car-Sales", topic_name="Car-Sales", key=self.key, alarm_action=self.operators.alarm_action
        )
        self.erp = self.car_sales.add_queue("ERP-Integration", queue_name="ERP-Integration", raw_message_delivery=True)
        self.crm = self.car_sales.add_queue(
            "CRM-Integration", queue_name="CRM-Integration", raw_message_delivery=True, filter_policy=CRM_FILTER
        )
        self.scm = self.car_sales.add_https_endpoint("SCM-System", scm_endpoint, delivery_policy=SCM_DELIVERY_POLICY)
