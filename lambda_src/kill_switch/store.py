"""The durable record of what the switch changed: one DynamoDB item per resource.

Item: ``switch`` (partition key, the switch id), ``resource`` (sort key, ``kind#ident``),
``status`` (``pending`` -> ``engaged`` -> ``restored``), ``previous`` (JSON of the state before
engaging, what restore puts back) and timestamps. ``pending`` is written *before* the change,
so a crash between the write and the change leaves a record restore can still act on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from .plan import Target
from .retry import with_backoff

ACTIVE = ("pending", "engaged")


@dataclass(frozen=True)
class Record:
    target: Target
    status: str
    previous: Mapping[str, Any]
    #: When the switch last stopped it (``engagedAt``: the engage, or the latest re-stop).
    engaged_at: float | None = None
    #: The stage that made the record (``""``: the switch without stages); restore goes in reverse.
    stage: str = ""


class RecordStore:
    """Records of one switch in a DynamoDB table (``dynamodb`` is a boto3 client)."""

    def __init__(
        self, dynamodb: Any, table_name: str, switch_id: str, *, clock: Any = time.time, page_size: int | None = None
    ) -> None:
        self._db = dynamodb
        self._page_size = page_size
        self._table = table_name
        self._switch = switch_id
        self._clock = clock

    def _key(self, target: Target) -> dict[str, Any]:
        return {"switch": {"S": self._switch}, "resource": {"S": target.key}}

    def get(self, target: Target) -> Record | None:
        item = with_backoff(
            lambda: self._db.get_item(TableName=self._table, Key=self._key(target), ConsistentRead=True)
        ).get("Item")
        return None if item is None else _record(item)

    def begin(
        self, target: Target, previous: Mapping[str, Any], run_id: str, *, source: str = "", stage: str = ""
    ) -> bool:
        """Write ``pending`` with the previous state, unless an active record exists (then False).

        The condition keeps a re-delivered or concurrent engage from overwriting the true
        previous state with the zeroed one.
        """
        item = {
            **self._key(target),
            "status": {"S": "pending"},
            "previous": {"S": json.dumps(previous, sort_keys=True)},
            "run": {"S": run_id},
            "engagedAt": {"N": str(int(self._clock()))},
            # What engaged it (budgets, tripwire:<name>, drill) and in which stage, for the operators.
            **({"source": {"S": source}} if source else {}),
            **({"stage": {"S": stage}} if stage else {}),
        }
        try:
            with_backoff(
                lambda: self._db.put_item(
                    TableName=self._table,
                    Item=item,
                    ConditionExpression="attribute_not_exists(#r) OR #s = :restored",
                    ExpressionAttributeNames={"#r": "resource", "#s": "status"},
                    ExpressionAttributeValues={":restored": {"S": "restored"}},
                )
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark(self, target: Target, status: str) -> None:
        stamp = "engagedAt" if status == "engaged" else "restoredAt"
        with_backoff(
            lambda: self._db.update_item(
                TableName=self._table,
                Key=self._key(target),
                UpdateExpression="SET #s = :s, #t = :t",
                ExpressionAttributeNames={"#s": "status", "#t": stamp},
                ExpressionAttributeValues={":s": {"S": status}, ":t": {"N": str(int(self._clock()))}},
            )
        )

    def active(self) -> Iterator[Record]:
        """Every pending or engaged record of this switch, all pages."""
        start: dict[str, Any] | None = None
        while True:
            kwargs: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "#w = :w",
                "FilterExpression": "#s IN (:p, :e)",
                "ExpressionAttributeNames": {"#w": "switch", "#s": "status"},
                "ExpressionAttributeValues": {
                    ":w": {"S": self._switch},
                    ":p": {"S": "pending"},
                    ":e": {"S": "engaged"},
                },
                "ConsistentRead": True,
            }
            if start:
                kwargs["ExclusiveStartKey"] = start
            if self._page_size:
                kwargs["Limit"] = self._page_size
            page = with_backoff(lambda kw=kwargs: self._db.query(**kw))  # type: ignore[misc]
            for item in page.get("Items", []):
                yield _record(item)
            start = page.get("LastEvaluatedKey")
            if not start:
                return


def _record(item: Mapping[str, Any]) -> Record:
    return Record(
        target=Target.from_key(item["resource"]["S"]),
        status=item["status"]["S"],
        previous=json.loads(item["previous"]["S"]),
        engaged_at=float(item["engagedAt"]["N"]) if "engagedAt" in item else None,
        stage=item.get("stage", {}).get("S", ""),
    )
