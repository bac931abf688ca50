"""Recognize the messages that may engage the switch; everything else is ignored, never raised on.

Two messages engage it:

* a genuine AWS Budgets notification (plain text, not JSON) for *this* switch's budget and
  account, of alert type ACTUAL. Budgets sends, with subject
  ``AWS Budgets: <name> has exceeded your alert threshold``::

      AWS Budget Notification March 05, 2026
      AWS Account 111122223333

      Dear AWS Customer,

      You requested that we alert you when the ACTUAL Cost associated with your Beta budget ...

      Budget Name: Beta
      Budget Type: Cost
      Budgeted Amount: $2.00
      Alert Type: ACTUAL
      Alert Threshold: > $2.00
      ACTUAL Amount: $2.15

* the manual drill, a JSON object an operator publishes to the alert topic (documented in
  ``docs/kill-switch.md``)::

      {"buttressKillSwitch": "drill", "budgetName": "Beta", "dryRun": true}

  ``dryRun`` is optional (default false: the drill engages for real).

* the switch's daily schedule, ``{"buttressKillSwitch": "restop", "budgetName": "Beta"}``: stop
  again the databases AWS started by itself (after seven days stopped) while the switch is
  engaged; it never engages anything new.

A FORECASTED alert, another budget's or another account's alert, and anything unparseable are
ignored: the forecast warning goes to people, only the actual breach stops resources.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Longest message inspected; SNS messages are at most 256 KB and Budgets' are about 1 KB.
MAX_MESSAGE = 262_144
_HEADER = re.compile(r"\A\s*AWS Budget Notification\b")
_ACCOUNT = re.compile(r"^AWS Account (\d{12})\s*$", re.MULTILINE)
_FIELD = re.compile(
    r"^(Budget Name|Budget Type|Alert Type|Alert Threshold|Budgeted Amount):[ \t]*(.*?)[ \t]*$", re.MULTILINE
)


@dataclass(frozen=True)
class Trigger:
    """A message that engages the switch. ``dry_run`` is True when a drill asks for a rehearsal."""

    source: str
    budget_name: str
    alert_type: str
    dry_run: bool = False
    #: The stage this trigger engages (``""``: every kind the switch acts on).
    stage: str = ""


@dataclass(frozen=True)
class Ignored:
    """A message that does not engage the switch, and why (logged)."""

    reason: str


def parse_budget_notification(text: str) -> dict[str, str] | None:
    """The fields of a Budgets notification text (``account``, ``Budget Name``, ...), or None."""
    if not _HEADER.match(text):
        return None
    fields = {m.group(1): m.group(2) for m in _FIELD.finditer(text)}
    account = _ACCOUNT.search(text)
    if account is None or "Budget Name" not in fields or "Alert Type" not in fields:
        return None
    return {"account": account.group(1), **fields}


def classify(message: object, *, budget_name: str, account_id: str) -> Trigger | Ignored:
    """Decide whether one SNS message body engages the switch for ``budget_name`` in ``account_id``.

    Total: returns :class:`Ignored` for anything it does not recognize, whatever its type or content.
    """
    if not isinstance(message, str):
        return Ignored(f"message is {type(message).__name__}, not text")
    if len(message) > MAX_MESSAGE:
        return Ignored("message too long")
    fields = parse_budget_notification(message)
    if fields is not None:
        if fields["account"] != account_id:
            return Ignored(f"budget notification for account {fields['account']}")
        if fields["Budget Name"] != budget_name:
            return Ignored(f"notification for another budget: {fields['Budget Name'][:100]!r}")
        if fields["Alert Type"] != "ACTUAL":
            return Ignored(f"alert type {fields['Alert Type'][:20]!r} only warns")
        return Trigger("budgets", budget_name, "ACTUAL")
    return _classify_drill(message, budget_name=budget_name)


def _classify_drill(message: str, *, budget_name: str) -> Trigger | Ignored:
    try:
        data: Any = json.loads(message)
    except ValueError:  # JSONDecodeError, and int strings over Python's digit limit
        return Ignored("neither a budget notification nor JSON")
    except RecursionError:
        return Ignored("JSON nested too deeply")
    command = data.get("buttressKillSwitch") if isinstance(data, Mapping) else None
    if command not in ("drill", "restop"):
        return Ignored("JSON that is not a kill-switch drill")
    problem = payload_problem(data, DRILL_FIELDS, required=("buttressKillSwitch", "budgetName"))
    if problem:
        return Ignored(f"drill refused: {problem}")
    if data["budgetName"] != budget_name:
        return Ignored(f"{command} for another budget")
    if command == "restop":  # the switch's own daily schedule: stop again what AWS restarted
        return Trigger("schedule", budget_name, "RESTOP", dry_run=bool(data.get("dryRun", False)))
    return Trigger("drill", budget_name, "DRILL", dry_run=bool(data.get("dryRun", False)))


#: The drill's fields and their JSON types; nothing else is accepted.
DRILL_FIELDS: Mapping[str, type] = {"buttressKillSwitch": str, "budgetName": str, "dryRun": bool}
#: The restore payload's fields and their JSON types; nothing else is accepted.
RESTORE_FIELDS: Mapping[str, type] = {"confirm": str, "dryRun": bool}
_JSON_TYPE = {str: "a string", bool: "true or false"}


def payload_problem(data: object, spec: Mapping[str, type], *, required: tuple[str, ...]) -> str:
    """Why ``data`` is not exactly a payload of ``spec`` (an unknown key, a missing one, a wrong
    type: ``"true"`` is not ``true``), or ``""`` when it is. Never reads one command as another."""
    if not isinstance(data, Mapping):
        return f"payload is {type(data).__name__}, not a JSON object"
    unknown = sorted(str(k)[:40] for k in data if k not in spec)
    if unknown:
        return f"unknown keys {unknown}; allowed: {sorted(spec)}"
    missing = [k for k in required if k not in data]
    if missing:
        return f"missing {missing}"
    for key, type_ in spec.items():
        # bool is an int in Python, and an int is not a bool: check the exact type.
        if key in data and type(data[key]) is not type_:
            return f"{key} must be {_JSON_TYPE[type_]}, not {type(data[key]).__name__}"
    return ""


def sns_messages(event: object) -> list[object]:
    """The message bodies of an SNS-to-Lambda event; [] for any other shape."""
    if not isinstance(event, Mapping):
        return []
    records = event.get("Records")
    if not isinstance(records, list):
        return []
    out: list[object] = []
    for record in records:
        sns = record.get("Sns") if isinstance(record, Mapping) else None
        if isinstance(sns, Mapping):
            out.append(sns.get("Message"))
    return out
