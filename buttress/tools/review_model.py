"""What :mod:`buttress.tools.review` computes from two sets of templates: the review, pure.

:class:`Review` (per stack, its :class:`StackReview`; the widenings; the findings added and removed;
the :class:`Acknowledgement` records) and :func:`review_templates`, which builds it. Reading cloud
assemblies is :mod:`buttress.tools.review_assembly`; the report :mod:`buttress.tools.review_json` and
:mod:`buttress.tools.review_markdown`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from buttress.tools.cost_report import render_template_change
from buttress.tools.cost_rules import estimate_template
from buttress.tools.findings import Finding, compare_findings
from buttress.tools.prices import PriceTable, load_prices
from buttress.tools.template_diff import (
    CONDITIONAL,
    MAY_REPLACE,
    TRAFFIC_SHIFTING,
    UPDATE_FAILS,
    Caution,
    Change,
    CreateOnly,
    check_template,
    diff_templates,
    schema_conditional_create_only,
    schema_create_only,
)
from buttress.tools.widening import Widening, iam_widenings, security_group_widenings, target_ids

MARKER = "<!-- buttress-review -->"
FAIL_ON = ("stateful", "widening", "update", "findings", "cost")
DEFAULT_FAIL_ON = ("stateful", "widening", "update")
Templates = Mapping[str, Mapping[str, Any]]
#: Cautions that meet ``--fail-on update``: the deploy fails, or resets live traffic.
FAILING_CAUTIONS = (UPDATE_FAILS, TRAFFIC_SHIFTING)


@dataclass
class StackReview:
    """One stack: its resource changes and fixed monthly cost before and after."""

    name: str
    status: str
    """``added``, ``removed``, ``changed`` or ``unchanged``."""
    changes: list[Change]
    cost_before: float
    cost_after: float
    cost_detail: list[str] = field(default_factory=list)
    outputs: dict[str, list[str]] = field(default_factory=dict)
    """Output names ``added``, ``changed``, ``removed`` (a removed export breaks stacks importing it)."""

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)


#: What an acknowledgement can cover: the ``--fail-on`` categories that are about one resource.
ACKNOWLEDGEABLE = ("stateful", "widening", "update")


@dataclass(frozen=True)
class Acknowledgement:
    """A risky change a team has decided on, for one resource: ``--fail-on`` ignores exactly it.

    ``kind`` is ``stateful`` (the resource is replaced, removed, may be replaced or may be deleted),
    ``update`` (an update-time caution on it) or ``widening`` (a grant to it: ``resource`` is the
    logical id the widening applies to, or its whole ``applies to`` text).
    """

    stack: str
    resource: str
    kind: str
    reason: str
    source: str = ""
    """Where it was read: the file, or the construct path of its metadata."""

    def covers_change(self, change: Change, kind: str) -> bool:
        return (self.kind, self.stack, self.resource) == (kind, change.stack, change.logical_id)

    def covers_widening(self, widening: Widening) -> bool:
        return (
            self.kind == "widening"
            and self.stack == widening.stack
            and (self.resource == widening.target or self.resource in target_ids(widening.target))
        )


@dataclass
class Review:
    """Everything the report says, computed from two sets of templates and their findings."""

    base: str
    head: str
    stacks: list[StackReview]
    widenings: list[Widening]
    findings_added: list[Finding]
    findings_removed: list[Finding]
    notes: list[str] = field(default_factory=list)
    acknowledgements: list[Acknowledgement] = field(default_factory=list)

    def acknowledged(self, item: Change | Widening, kind: str) -> Acknowledgement | None:
        """The acknowledgement that covers ``item`` for ``kind``, if any."""
        for ack in self.acknowledgements:
            if isinstance(item, Widening) and ack.covers_widening(item):
                return ack
            if isinstance(item, Change) and ack.covers_change(item, kind):
                return ack
        return None

    @property
    def unused_acknowledgements(self) -> list[Acknowledgement]:
        """Acknowledgements no change of this review meets (stale: remove them)."""
        used = {self.acknowledged(c, "stateful") for c in self.stateful_lost}
        used |= {self.acknowledged(c, "update") for c, k in self.cautions if k.kind in FAILING_CAUTIONS}
        used |= {self.acknowledged(w, "widening") for w in self.widenings}
        return [a for a in self.acknowledgements if a not in used]

    @property
    def stateful_lost(self) -> list[Change]:
        """Stateful resources replaced, removed, *may be replaced* or deleted under a new condition."""
        return [c for s in self.stacks for c in s.changes if c.stateful and c.at_risk]

    @property
    def cautions(self) -> list[tuple[Change, Caution]]:
        """Update-time cautions, those already in :attr:`stateful_lost` (may be replaced or deleted) left out."""
        return [
            (c, k)
            for s in self.stacks
            for c in s.changes
            for k in c.cautions
            if not (c.stateful and k.kind in (MAY_REPLACE, CONDITIONAL))
        ]

    @property
    def cost_delta(self) -> float:
        return sum(s.cost_after - s.cost_before for s in self.stacks)

    @property
    def identical(self) -> bool:
        return all(s.status == "unchanged" for s in self.stacks) and not (
            self.findings_added or self.findings_removed or self.widenings
        )

    def triggered(self) -> list[str]:
        """The ``--fail-on`` categories this review meets, acknowledged changes left out."""
        hits = {
            "stateful": any(not self.acknowledged(c, "stateful") for c in self.stateful_lost),
            "widening": any(not self.acknowledged(w, "widening") for w in self.widenings),
            "update": any(k.kind in FAILING_CAUTIONS and not self.acknowledged(c, "update") for c, k in self.cautions),
            "findings": bool(self.findings_added),
            "cost": round(self.cost_delta, 2) > 0,
        }
        return [name for name in FAIL_ON if hits[name]]


def review_templates(
    base: Templates,
    head: Templates,
    *,
    base_label: str = "BASE",
    head_label: str = "HEAD",
    base_findings: Sequence[Finding] = (),
    head_findings: Sequence[Finding] = (),
    prices: PriceTable | None = None,
    create_only: CreateOnly = schema_create_only,
    conditional: CreateOnly = schema_conditional_create_only,
    asset_names: Mapping[str, str] | None = None,
) -> Review:
    """The review of ``head`` against ``base`` (stack name -> template); pure.

    :class:`TemplateError` (a ``ValueError``, one line) when a template is not one.
    """
    table = prices or load_prices()
    stacks: list[StackReview] = []
    widenings: list[Widening] = []
    for name in sorted(set(base) | set(head)):
        before, after = base.get(name, {}), head.get(name, {})
        check_template(before, f"{base_label} stack {name}")
        check_template(after, f"{head_label} stack {name}")
        changes = diff_templates(
            name, before, after, create_only=create_only, conditional=conditional, asset_names=asset_names
        )
        outputs = output_changes(before, after)
        changed = "changed" if changes or any(outputs.values()) else "unchanged"
        status = "added" if name not in base else "removed" if name not in head else changed
        cost_a = estimate_template(before, table, name=name).monthly
        cost_b = estimate_template(after, table, name=name).monthly
        detail = render_template_change(name, before, after, table).splitlines()[1:] if changes else []
        stacks.append(StackReview(name, status, changes, cost_a, cost_b, [d.strip() for d in detail], outputs))
        if changes:
            renames = {c.logical_id: c.renamed_to for c in changes if c.renamed_to}
            widenings += iam_widenings(name, before, after, renames=renames)
            widenings += security_group_widenings(name, before, after)
    added, removed = compare_findings(base_findings, head_findings)
    return Review(base_label, head_label, stacks, widenings, added, removed)


def output_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[str]]:
    """Names of the outputs added, changed and removed; a removed export is marked ``(export)``."""
    old, new = before.get("Outputs") or {}, after.get("Outputs") or {}
    removed = [f"{k} (export)" if "Export" in old[k] else k for k in sorted(set(old) - set(new))]
    return {
        "added": sorted(set(new) - set(old)),
        "changed": sorted(k for k in set(old) & set(new) if old[k] != new[k]),
        "removed": removed,
    }
