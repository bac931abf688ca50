"""Lambda entry point: engage the kill-switch on a genuine breach notification or a drill.

Subscribed to the alert topic. Any message that is not this budget's ACTUAL breach (nor a
drill for it) is logged and ignored; the handler never raises on message content.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .actions import Clients
from .config import Config
from .engine import engage, log, restop
from .messages import Ignored, Trigger, sns_messages
from .stages import classify_any, config_for, highest


def triggers(event: object, config: Config) -> list[Trigger]:
    """The triggers in an SNS event (or a drill invoked directly); ignored messages are logged."""
    messages = sns_messages(event)
    if not messages and isinstance(event, Mapping) and "buttressKillSwitch" in event:
        messages = [json.dumps(dict(event), default=str)]
    found: list[Trigger] = []
    for message in messages or [event]:
        verdict = classify_any(message, config)
        if isinstance(verdict, Ignored):
            log("message.ignored", reason=verdict.reason)
        else:
            log("message.trigger", source=verdict.source, stage=verdict.stage, dryRun=verdict.dry_run)
            found.append(verdict)
    return found


def run(event: object, context: Any, clients: Clients, config: Config) -> dict[str, Any]:
    """Engage once for however many triggers the event holds (re-delivery is harmless anyway)."""
    function_name = getattr(context, "function_name", None)
    if function_name:
        config = replace(config, protected_functions=(*config.protected_functions, function_name))
    found = triggers(event, config)
    if not found:
        return {"status": "ignored"}
    # A rehearsal only when every trigger asks for one: a real breach in the same batch wins.
    dry_run = all(t.dry_run for t in found)
    run_id = str(getattr(context, "aws_request_id", "manual"))
    remaining_ms = getattr(context, "get_remaining_time_in_millis", lambda: 900_000)
    if all(t.alert_type == "RESTOP" for t in found):
        summary = restop(clients, config, run_id=run_id, dry_run=dry_run, remaining_ms=remaining_ms)
        return {"status": "restopped", "dryRun": summary.dry_run, "counts": summary.counts}
    engaging = [t for t in found if t.alert_type != "RESTOP"]
    # Several triggers at once (a tripwire and a breach): the stage that acts on most.
    stage = highest(config, (t.stage for t in engaging))
    summary = engage(
        clients,
        config_for(config, stage),
        run_id=run_id,
        dry_run=dry_run,
        remaining_ms=remaining_ms,
        source=",".join(dict.fromkeys(t.source for t in engaging)),
        stage=stage,
    )
    return {"status": "engaged", "dryRun": summary.dry_run, "counts": summary.counts, "stage": stage}


def handler(event: object, context: Any) -> dict[str, Any]:
    import boto3

    from .clients import clients_from

    logging.getLogger("kill_switch").setLevel(logging.INFO)
    config = Config.from_environment(os.environ)
    return run(event, context, clients_from(boto3.session.Session()), config)
