"""Orders of the procurement scenario as SNS delivers them to a Lambda function.

An order is an SNS message whose attributes describe it (``category``, ``amount_usd``,
``location``) and whose body is the order document (JSON, with at least ``order_id``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LOGGER = logging.getLogger("procurement")


@dataclass(frozen=True)
class Order:
    """One order, from one SNS record."""

    order_id: str
    category: str
    amount_usd: float
    location: str | None
    message_id: str


class OrderError(ValueError):
    """An SNS record that is not an order of this scenario."""


def _attribute(attributes: Mapping[str, Any], name: str) -> str | None:
    entry = attributes.get(name)
    if entry is None:
        return None
    value = entry.get("Value")
    return None if value is None else str(value)


def orders_from_event(event: Mapping[str, Any]) -> list[Order]:
    """The orders of an SNS-to-Lambda event (one per record); raises :class:`OrderError` if malformed."""
    orders = []
    for record in event.get("Records", []):
        sns = record.get("Sns") or {}
        attributes = sns.get("MessageAttributes") or {}
        try:
            document = json.loads(sns.get("Message") or "{}")
        except ValueError as exc:
            raise OrderError(f"message {sns.get('MessageId')!r} is not JSON") from exc
        category = _attribute(attributes, "category")
        amount = _attribute(attributes, "amount_usd")
        order_id = document.get("order_id") if isinstance(document, dict) else None
        if not order_id or category is None or amount is None:
            raise OrderError(f"message {sns.get('MessageId')!r} lacks order_id, category or amount_usd")
        try:
            amount_usd = float(amount)
        except ValueError as exc:
            raise OrderError(f"message {sns.get('MessageId')!r} has amount_usd={amount!r}") from exc
        orders.append(
            Order(
                order_id=str(order_id),
                category=category,
                amount_usd=amount_usd,
                location=_attribute(attributes, "location"),
                message_id=str(sns.get("MessageId")),
            )
        )
    return orders


def log(event: str, **fields: Any) -> None:
    """One JSON log line (CloudWatch Logs Insights reads the fields)."""
    LOGGER.info(json.dumps({"event": event, **fields}, sort_keys=True))
