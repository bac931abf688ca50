"""Lambda entry point: restore exactly what the switch recorded. Invoked on purpose only::

    aws lambda invoke --function-name <RestoreFunctionName> \
        --cli-binary-format raw-in-base64-out --payload '{"confirm": "restore"}' restore.json

``{"confirm": "restore", "dryRun": true}`` reports what would be restored and changes nothing.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from .actions import Clients
from .config import Config
from .engine import log, restore
from .messages import RESTORE_FIELDS, payload_problem

_EXPECTED = 'payload must be {"confirm": "restore"} or {"confirm": "restore", "dryRun": true}'


def refusal(event: object) -> str:
    """Why ``event`` is not a restore payload, or ``""``: every field type-checked, no unknown key."""
    problem = payload_problem(event, RESTORE_FIELDS, required=("confirm",))
    if not problem and isinstance(event, Mapping) and event["confirm"] != "restore":
        problem = f"confirm must be 'restore', not {str(event['confirm'])[:40]!r}"
    return f"{problem}; {_EXPECTED}" if problem else ""


def run(event: object, context: Any, clients: Clients, config: Config) -> dict[str, Any]:
    reason = refusal(event)
    if reason or not isinstance(event, Mapping):
        log("restore.refused", reason=reason)
        return {"status": "refused", "reason": reason}
    dry_run = bool(event.get("dryRun", False)) or config.dry_run
    summary = restore(
        clients,
        config,
        run_id=str(getattr(context, "aws_request_id", "manual")),
        dry_run=dry_run,
        remaining_ms=getattr(context, "get_remaining_time_in_millis", lambda: 900_000),
    )
    return {"status": "restored", "dryRun": summary.dry_run, "counts": summary.counts}


def handler(event: object, context: Any) -> dict[str, Any]:
    import boto3

    from .clients import clients_from

    logging.getLogger("kill_switch").setLevel(logging.INFO)
    config = Config.from_environment(os.environ)
    return run(event, context, clients_from(boto3.session.Session()), config)
