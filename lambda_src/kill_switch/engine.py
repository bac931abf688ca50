"""Engage and restore: plan, record, change, report. Clients are passed in; nothing runs at import.

Each resource is handled on its own (one failure never stops the others), in a small thread
pool, with a deadline: resources not started before the Lambda's remaining time drops under
``margin_ms`` are reported as deferred and the run raises :class:`Incomplete` after publishing
its summary, so Lambda's asynchronous retry runs it again; records make the rerun continue
where this one stopped.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .actions import Clients, apply_state, discover_all, read_state
from .chat import publish_kwargs
from .config import Config
from .plan import RESTARTED_BY_AWS, Summary, Target, engaged_state, left_alone, restore_state, select
from .retry import with_backoff
from .settled import restore_one, started_by_hand
from .stages import restore_groups
from .store import Record, RecordStore

LOG = logging.getLogger("kill_switch")


class Incomplete(RuntimeError):
    """Some resources were deferred for lack of time; the invocation fails so that it is retried."""


class DiscoveryFailed(RuntimeError):
    """The Tagging API call failed; the invocation fails (after its summary) so that it is retried."""


def log(event: str, **fields: Any) -> None:
    """Log ``event`` with ``fields`` as extra attributes.

    With the function's JSON log format the Lambda runtime writes one JSON object per line with
    each field at the top level, so CloudWatch Logs Insights can filter on ``resource``,
    ``reason``, ``dryRun`` ... directly.
    """
    LOG.info(event, extra={k: json.loads(json.dumps(v, default=str)) for k, v in fields.items()})


def _pool_map(config: Config, work: Callable[[Any], None], items: Iterable[Any]) -> None:
    with ThreadPoolExecutor(max_workers=config.max_workers) as pool:
        for _ in pool.map(work, items):
            pass


def engage(
    clients: Clients,
    config: Config,
    *,
    run_id: str,
    dry_run: bool = False,
    remaining_ms: Callable[[], int] = lambda: 900_000,
    margin_ms: int = 60_000,
    source: str = "",
    stage: str = "",
) -> Summary:
    """Set every selected resource to its engaged state, recording the previous state first.

    ``source`` (budgets, tripwire:<name>, drill) and ``stage`` go into the records and the summary.
    """
    dry_run = dry_run or config.dry_run
    summary = Summary("engage", dry_run, source=source, stage=stage)
    store = RecordStore(clients.dynamodb, config.table_name, config.switch_id)
    discovery_error = ""
    try:
        found = [
            found for region in config.regions or ("",) for found in discover_all(clients.in_region(region), config)
        ]
    except Exception as error:  # still act on the named IAM principals, report, then fail for the retry
        discovery_error = f"{type(error).__name__}: {error}"
        summary.add("discovery", "failed", "tag:GetResources", discovery_error)
        log("engage.discovery_failed", reason=discovery_error, run=run_id)
        found = []
    selection = select(found, config)
    for target, reason in selection.excluded:
        summary.add(target.kind, "skipped", target.ident, reason)

    def one(target: Target) -> None:
        if remaining_ms() < margin_ms:
            summary.add(target.kind, "deferred", target.ident, "out of time")
            return
        try:
            regional = clients.for_target(target)
            outcome, reason = _engage_one(
                regional, config, store, target, run_id=run_id, dry_run=dry_run, source=source, stage=stage
            )
        except Exception as error:  # one resource's failure must not stop the others
            outcome, reason = "failed", f"{type(error).__name__}: {error}"
        summary.add(target.kind, outcome, target.ident, reason)
        log("engage." + outcome, resource=target.key, reason=reason, dryRun=dry_run, run=run_id)

    _pool_map(config, one, selection.targets)
    _finish(clients, config, summary)
    if discovery_error:
        raise DiscoveryFailed(f"finding tagged resources failed ({discovery_error}); the retry tries again")
    return summary


def _engage_one(
    clients: Clients,
    config: Config,
    store: RecordStore,
    target: Target,
    *,
    run_id: str,
    dry_run: bool,
    source: str = "",
    stage: str = "",
) -> tuple[str, str]:
    existing = store.get(target)
    if existing is not None and existing.status == "engaged":
        return "skipped", "already engaged"
    if existing is not None and existing.status == "pending":
        # An earlier run recorded the previous state and stopped before confirming the change:
        # finish it with the state recorded then, never the one read now (it may be zeroed already).
        previous = existing.previous
    else:
        previous = read_state(clients, config, target)
    reason = left_alone(target.kind, previous, config)
    if reason:
        return "skipped", reason
    wanted = engaged_state(target.kind, previous)
    if wanted is None:
        return "skipped", f"already stopped: {json.dumps(previous, sort_keys=True)}"
    if dry_run:
        return "changed", f"would set {json.dumps(wanted, sort_keys=True)} (now {json.dumps(previous, sort_keys=True)})"
    if (existing is None or existing.status != "pending") and not store.begin(
        target, previous, run_id, source=source, stage=stage
    ):
        return "skipped", "engaged concurrently by another run"
    apply_state(clients, config, target, wanted)
    store.mark(target, "engaged")
    return "changed", f"was {json.dumps(previous, sort_keys=True)}"


def restore(
    clients: Clients,
    config: Config,
    *,
    run_id: str,
    dry_run: bool = False,
    remaining_ms: Callable[[], int] = lambda: 900_000,
    margin_ms: int = 60_000,
) -> Summary:
    """Put back exactly what every active record says, then mark it restored."""
    summary = Summary("restore", dry_run)
    store = RecordStore(clients.dynamodb, config.table_name, config.switch_id)

    def one(record: Record) -> None:
        target = record.target
        if remaining_ms() < margin_ms:
            summary.add(target.kind, "deferred", target.ident, "out of time")
            return
        wanted = restore_state(target.kind, record.previous)
        try:
            if dry_run:
                outcome, reason = "changed", f"would set {json.dumps(wanted, sort_keys=True)}"
            else:
                # Already put back (by hand, or by AWS): success too, and the record is restored.
                reason = restore_one(clients.for_target(target), config, target, wanted)
                store.mark(target, "restored")
                outcome = "changed"
        except Exception as error:  # the record stays active, so a later restore retries it
            outcome, reason = "failed", f"{type(error).__name__}: {error}"
        summary.add(target.kind, outcome, target.ident, reason)
        log("restore." + outcome, resource=target.key, reason=reason, dryRun=dry_run, run=run_id)

    # The last stage engaged is put back first (stages.restore_groups), one stage after the other.
    for group in restore_groups(config, store.active()):
        _pool_map(config, one, group)
    _finish(clients, config, summary)
    return summary


def restop(
    clients: Clients,
    config: Config,
    *,
    run_id: str,
    dry_run: bool = False,
    remaining_ms: Callable[[], int] = lambda: 900_000,
    margin_ms: int = 60_000,
    clock: Callable[[], float] = time.time,
) -> Summary:
    """Stop again what AWS started by itself while the switch is engaged (RDS and Aurora after 7 days).

    Only resources with an active record: nothing new is found or recorded, and once restored
    nothing is stopped again. A database found running sooner than seven days after the switch
    (last) stopped it was started by a person, not by AWS: resolved by hand, its record is marked
    restored and it is left running (:func:`settled.started_by_hand`). The summary goes out only
    when something changed or failed.
    """
    dry_run = dry_run or config.dry_run
    summary = Summary("restop", dry_run)
    store = RecordStore(clients.dynamodb, config.table_name, config.switch_id)

    def one(record: Record) -> None:
        target = record.target
        if remaining_ms() < margin_ms:
            summary.add(target.kind, "deferred", target.ident, "out of time")
            return
        try:
            regional = clients.for_target(target)
            wanted = engaged_state(target.kind, read_state(regional, config, target))
            if wanted is None:
                outcome, reason = "skipped", "still stopped"
            elif started_by_hand(record.engaged_at, clock()):
                # Running sooner than AWS restarts a database: a person brought it back. Resolved by
                # hand: the record is restored and the switch never stops it again.
                reason = "started by hand before AWS would have (seven days): resolved, left running"
                outcome = "skipped"
                if not dry_run:
                    store.mark(target, "restored")
            elif dry_run:
                outcome, reason = "changed", f"would set {json.dumps(wanted, sort_keys=True)}"
            else:
                apply_state(regional, config, target, wanted)
                store.mark(target, "engaged")  # stopped again now: AWS's seven days start again
                outcome, reason = "changed", "AWS had started it again: stopped again"
        except Exception as error:
            outcome, reason = "failed", f"{type(error).__name__}: {error}"
        summary.add(target.kind, outcome, target.ident, reason)
        log("restop." + outcome, resource=target.key, reason=reason, dryRun=dry_run, run=run_id)

    records = [r for r in store.active() if r.target.kind in RESTARTED_BY_AWS and r.status == "engaged"]
    _pool_map(config, one, records)
    if summary.total("changed") or summary.total("failed") or summary.total("deferred"):
        _finish(clients, config, summary)
    return summary


def _finish(clients: Clients, config: Config, summary: Summary) -> None:
    log(f"{summary.action}.summary", counts=summary.counts, dryRun=summary.dry_run, switch=config.switch_id)
    try:
        with_backoff(
            lambda: clients.sns.publish(
                TopicArn=config.summary_topic_arn,
                Subject=summary.subject(config.budget_name),
                # With a chat channel the summary goes as a Chatbot custom notification too (chat.py).
                **(
                    publish_kwargs(summary, config.budget_name, config.switch_id)
                    if config.chat
                    else {"Message": summary.message(config.switch_id)}
                ),
            )
        )
    except Exception as error:  # the changes are made and recorded; a lost summary must not undo that
        log("summary.publish_failed", error=f"{type(error).__name__}: {error}")
    if summary.total("deferred"):
        raise Incomplete(f"{summary.total('deferred')} resources deferred; the retry continues from the records")
