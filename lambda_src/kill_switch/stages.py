"""Stages and tripwires on the runtime side: which stage a trigger engages, what that stage acts
on, and the order a restore puts things back in (the last stage engaged is restored first).

Pure: no boto3. A Budgets notification names its threshold in dollars, not the percentage the
construct configured, so the stage is found from ``Alert Threshold`` / ``Budgeted Amount``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from .config import Config
from .messages import Ignored, Trigger, classify, parse_budget_notification
from .store import Record

_DOLLARS = re.compile(r"\$\s*([0-9][0-9,]*(?:\.[0-9]+)?)")
#: Budgets rounds the dollar amounts to cents: a percentage this close to a stage's is that stage.
_TOLERANCE = 1.0


def classify_any(message: object, config: Config) -> Trigger | Ignored:
    """A tripwire alarm's notification, else :func:`messages.classify` with the stage filled in."""
    alarm = classify_alarm(message, config)
    if alarm is not None:
        return alarm
    verdict = classify(message, budget_name=config.budget_name, account_id=config.account_id)
    if isinstance(verdict, Trigger) and verdict.source == "budgets" and config.stages and isinstance(message, str):
        fields = parse_budget_notification(message) or {}
        return replace(verdict, stage=stage_for_notification(fields, config.stages))
    return verdict


def classify_alarm(message: object, config: Config) -> Trigger | Ignored | None:
    """A CloudWatch alarm notification (the JSON CloudWatch publishes to SNS) for one of this
    switch's tripwires in this account: a :class:`Trigger` in state ALARM, :class:`Ignored` in any
    other state; ``None`` when ``message`` is not an alarm notification at all.

    Shape (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html):
    ``{"AlarmName": ..., "AWSAccountId": "111122223333", "NewStateValue": "ALARM", "OldStateValue":
    "OK", "NewStateReason": ..., "StateChangeTime": ..., "Region": ..., "AlarmArn": ..., "Trigger": {...}}``.
    """
    if not config.tripwires or not isinstance(message, str) or not message.lstrip().startswith("{"):
        return None
    try:
        data: Any = json.loads(message)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, Mapping) or not isinstance(data.get("AlarmName"), str) or "NewStateValue" not in data:
        return None
    by_alarm = {alarm: (source, stage) for alarm, source, stage in config.tripwires}
    name = data["AlarmName"]
    if name not in by_alarm:
        return Ignored(f"alarm {name[:100]!r} is not one of this switch's tripwires")
    if data.get("AWSAccountId") != config.account_id:
        return Ignored(f"alarm notification for account {str(data.get('AWSAccountId'))[:20]}")
    if data["NewStateValue"] != "ALARM":
        return Ignored(f"tripwire {name[:100]!r} went to {str(data['NewStateValue'])[:20]}: nothing to do")
    source, stage = by_alarm[name]
    return Trigger(f"tripwire:{source}", config.budget_name, "TRIPWIRE", stage=stage)


def stage_for_notification(fields: Mapping[str, str], stages: Sequence[tuple[str, float, tuple[str, ...]]]) -> str:
    """The stage an ACTUAL notification belongs to: the highest whose percentage the notified
    threshold reaches (rounding tolerated). Unreadable amounts engage the last stage: a genuine
    breach of this budget was notified, and stopping more is the safe side of a cost guard."""
    threshold, budgeted = _dollars(fields.get("Alert Threshold", "")), _dollars(fields.get("Budgeted Amount", ""))
    if threshold is None or not budgeted:
        return stages[-1][0]
    percent = threshold / budgeted * 100
    reached = [name for name, stage_percent, _ in stages if stage_percent <= percent + _TOLERANCE]
    return reached[-1] if reached else stages[0][0]


def _dollars(text: str) -> float | None:
    found = _DOLLARS.search(text)
    return float(found.group(1).replace(",", "")) if found else None


def config_for(config: Config, stage: str) -> Config:
    """``config`` acting only on ``stage``'s kinds (every kind for ``""`` or an unknown stage)."""
    for name, _, kinds in config.stages:
        if name == stage:
            return replace(config, actions=tuple(k for k in config.actions if k.value in kinds))
    return config


def highest(config: Config, stages: Iterable[str]) -> str:
    """Of the stages several triggers name, the one that acts on most: ``""`` (everything) wins."""
    order = {name: i for i, (name, _, _) in enumerate(config.stages)}
    named = list(stages)
    if not named or "" in named or any(s not in order for s in named):
        return ""
    return max(named, key=lambda s: order[s])


def restore_groups(config: Config, records: Iterable[Record]) -> list[list[Record]]:
    """Records grouped by the stage that made them, the last stage first (``""``, every kind, is
    last of all), so a restore undoes the escalation in reverse order."""
    order = {name: i for i, (name, _, _) in enumerate(config.stages)}
    groups: dict[int, list[Record]] = {}
    for record in records:
        groups.setdefault(order.get(record.stage, len(order)), []).append(record)
    return [groups[i] for i in sorted(groups, reverse=True)]
