"""The review report as plain data (``buttress-review --format json``; docs/review.md), which the
Markdown of :mod:`buttress.tools.review_markdown` is rendered from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from buttress.tools.findings import Finding
from buttress.tools.review_model import DEFAULT_FAIL_ON, FAILING_CAUTIONS, Acknowledgement, Review
from buttress.tools.template_diff import CONDITIONAL, MAY_REPLACE, Change

# -- the report's data (``--format json``) ----------------------------------------------------------

#: Version of :func:`review_data`'s shape: the major changes when a field is removed or changes meaning.
SCHEMA = "buttress-review/1"


def at_risk_as(change: Change) -> tuple[str, str]:
    """(change, why) of a stateful resource at risk, as the caution table says them."""
    if change.loses_resource:
        why = "; ".join(change.reasons) or ("removed from the template" if change.action == "removed" else "")
        return change.action, why
    risky = [k for k in change.cautions if k.kind in (CONDITIONAL, MAY_REPLACE)]
    action = "may be deleted" if any(k.kind == CONDITIONAL for k in risky) else MAY_REPLACE
    return action, "; ".join(k.why for k in risky)


def what_happens(change: Change) -> str:
    """What a deploy does to the resource deployed today, from its policies."""
    if not change.loses_resource:
        conditional = any(k.kind == CONDITIONAL for k in change.cautions)
        removed = replace(change, action="removed" if conditional else "replaced", cautions=())
        return ("where the condition is false: " if conditional else "if replaced: ") + what_happens(removed)
    if change.action == "removed":
        policy = change.deletion_policy.split(" ")[0]
        return {
            "Retain": "removed from the stack, kept in the account (orphaned)",
            "RetainExceptOnCreate": "removed from the stack, kept in the account (orphaned)",
            "Snapshot": "deleted after a final snapshot",
        }.get(policy, "**deleted, with its data**")
    policy = change.update_replace_policy.split(" ")[0]
    return {
        "Retain": "a new, empty one is created; the old one is kept (orphaned)",
        "Snapshot": "a new one is created; the old one is deleted after a snapshot",
    }.get(policy, "a new one is created and **the old one is deleted, with its data**")


def _reason(ack: Acknowledgement | None) -> str | None:
    return ack.reason if ack else None


def _change_data(c: Change) -> dict[str, Any]:
    return {
        "stack": c.stack,
        "resource": c.logical_id,
        "type": c.type,
        "action": c.action,
        "properties": list(c.properties),
        "reasons": list(c.reasons),
        "cautions": [{"kind": k.kind, "why": k.why, "fix": k.fix} for k in c.cautions],
        "stateful": c.stateful,
        "deletion_policy": c.deletion_policy,
        "update_replace_policy": c.update_replace_policy,
        "renamed_to": c.renamed_to or None,
        "assets": list(c.assets),
    }


def _finding_data(f: Finding) -> dict[str, str]:
    return {"tool": f.tool, "stack": f.stack, "where": f.where, "rule": f.rule, "message": f.message}


def _at_risk_data(review: Review) -> list[dict[str, Any]]:
    """``stateful_at_risk``: the stateful resources replaced, removed, or that may be."""
    at_risk = []
    for c in review.stateful_lost:
        action, why = at_risk_as(c)
        at_risk.append(
            {
                "stack": c.stack,
                "resource": c.logical_id,
                "type": c.type,
                "change": action,
                "why": why,
                "deletion_policy": c.deletion_policy,
                "update_replace_policy": c.update_replace_policy,
                "what_happens": what_happens(c).replace("**", ""),
                "acknowledged": _reason(review.acknowledged(c, "stateful")),
            }
        )
    return at_risk


def _cautions_data(review: Review) -> list[dict[str, Any]]:
    """``cautions``: the update-time cautions, with whether each fails the deploy."""
    return [
        {
            "stack": c.stack,
            "resource": c.logical_id,
            "type": c.type,
            "kind": k.kind,
            "why": k.why,
            "fix": k.fix,
            "fails": k.kind in FAILING_CAUTIONS,
            "acknowledged": _reason(review.acknowledged(c, "update")) if k.kind in FAILING_CAUTIONS else None,
        }
        for c, k in review.cautions
    ]


def _widenings_data(review: Review) -> list[dict[str, Any]]:
    """``widenings``: public ones first."""
    ordered = sorted(review.widenings, key=lambda w: (not w.public, w.stack, w.kind, w.target, w.grant))
    return [
        {
            "stack": w.stack,
            "kind": w.kind,
            "target": w.target,
            "grant": w.grant,
            "why": w.why,
            "public": w.public,
            "acknowledged": _reason(review.acknowledged(w, "widening")),
        }
        for w in ordered
    ]


def _stacks_data(review: Review) -> list[dict[str, Any]]:
    """``stacks``: per stack, its counts, outputs, cost and every resource change."""
    return [
        {
            "name": s.name,
            "status": s.status,
            "counts": {a: s.count(a) for a in ("added", "changed", "replaced", "removed")},
            "outputs": s.outputs,
            "cost": {"before": round(s.cost_before, 2), "after": round(s.cost_after, 2), "detail": s.cost_detail},
            "changes": [_change_data(c) for c in s.changes],
        }
        for s in review.stacks
    ]


def _acknowledgement_data(a: Acknowledgement) -> dict[str, str]:
    return {"stack": a.stack, "resource": a.resource, "kind": a.kind, "reason": a.reason, "source": a.source}


def review_data(review: Review, *, fail_on: Sequence[str] = DEFAULT_FAIL_ON) -> dict[str, Any]:
    """The whole report as plain data: ``--format json`` prints it, :func:`render_markdown` renders it.

    Documented in docs/review.md (``SCHEMA``); amounts are US dollars per month at list prices.
    ``failing`` is ``triggered`` within ``fail_on``: non-empty exactly when the CLI exits 1.
    """
    counts = {a: sum(s.count(a) for s in review.stacks) for a in ("added", "changed", "replaced", "removed")}
    at_risk = _at_risk_data(review)
    cautions = _cautions_data(review)
    widenings = _widenings_data(review)
    stacks = _stacks_data(review)
    return {
        "schema": SCHEMA,
        "base": review.base,
        "head": review.head,
        "identical": review.identical,
        "triggered": review.triggered(),
        "fail_on": list(fail_on),
        "failing": [name for name in review.triggered() if name in fail_on],
        "summary": {
            "stacks": len(review.stacks),
            "stacks_changed": sum(1 for s in review.stacks if s.status != "unchanged"),
            **counts,
            "stateful_at_risk": len(at_risk),
            "cautions": len(cautions),
            "widenings": len(widenings),
            "cost_delta": round(review.cost_delta, 2),
            "findings_added": len(review.findings_added),
            "findings_removed": len(review.findings_removed),
        },
        "stateful_at_risk": at_risk,
        "cautions": cautions,
        "widenings": widenings,
        "stacks": stacks,
        "findings": {
            "added": [_finding_data(f) for f in review.findings_added],
            "removed": [_finding_data(f) for f in review.findings_removed],
        },
        "acknowledgements": {
            "applied": [
                _acknowledgement_data(a) for a in review.acknowledgements if a not in review.unused_acknowledgements
            ],
            "unused": [_acknowledgement_data(a) for a in review.unused_acknowledgements],
        },
        "notes": list(review.notes),
    }
