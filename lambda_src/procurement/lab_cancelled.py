"""Lab-Cancelled: lab-supply orders worth $0 carry no items and are cancelled.

Each cancellation is recorded as a structured log line and announced on the orders topic
(``ORDERS_TOPIC_ARN``) with ``status=cancelled``, so the requisition system can close the order.
The announcement carries no ``category``: no subscription's filter matches it back to a lab.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from .orders import log, orders_from_event


def cancel(event: Mapping[str, Any], *, sns: Any, topic_arn: str) -> list[str]:
    """Cancel each $0 order of ``event``; returns the order ids cancelled."""
    cancelled = []
    for order in orders_from_event(event):
        if order.amount_usd != 0:
            log("refused", order_id=order.order_id, amount_usd=order.amount_usd)
            continue
        sns.publish(
            TopicArn=topic_arn,
            Message=json.dumps({"order_id": order.order_id, "status": "cancelled", "reason": "zero value"}),
            MessageAttributes={"status": {"DataType": "String", "StringValue": "cancelled"}},
        )
        log("cancelled", order_id=order.order_id, location=order.location)
        cancelled.append(order.order_id)
    return cancelled


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    import boto3

    return {"cancelled": cancel(event, sns=boto3.client("sns"), topic_arn=os.environ["ORDERS_TOPIC_ARN"])}
