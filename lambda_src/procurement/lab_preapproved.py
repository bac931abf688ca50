"""Lab-Preapproved: lab-supply orders over $0 and up to $1,000 need no approver.

Each order is approved on receipt and handed to fulfillment: a message on the fulfillment queue
(``FULFILLMENT_QUEUE_URL``, the Common-Orders queue shipping partners already read) carrying
the order and ``approval=pre-approved``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from .orders import log, orders_from_event

#: Orders above this amount go to an approver (the Lab-Orders-AP/EU queues), never here.
PREAPPROVAL_LIMIT_USD = 1000.0


def preapprove(event: Mapping[str, Any], *, sqs: Any, queue_url: str) -> list[str]:
    """Send each order of ``event`` to fulfillment; returns the order ids sent."""
    sent = []
    for order in orders_from_event(event):
        if not 0 < order.amount_usd <= PREAPPROVAL_LIMIT_USD or order.category != "lab-supplies":
            # The subscription's filter policy keeps these out; refuse rather than approve them.
            log("refused", order_id=order.order_id, amount_usd=order.amount_usd, category=order.category)
            continue
        sqs.send_message(
            QueueUrl=queue_url,
            MessageBody=json.dumps({"order_id": order.order_id, "amount_usd": order.amount_usd}),
            MessageAttributes={
                "approval": {"DataType": "String", "StringValue": "pre-approved"},
                "category": {"DataType": "String", "StringValue": order.category},
            },
        )
        log("pre-approved", order_id=order.order_id, amount_usd=order.amount_usd, location=order.location)
        sent.append(order.order_id)
    return sent


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    import boto3

    sent = preapprove(event, sqs=boto3.client("sqs"), queue_url=os.environ["FULFILLMENT_QUEUE_URL"])
    return {"pre_approved": sent}
