"""Pull-request review of two cloud assemblies: what a change replaces, deletes, opens up and costs.

    buttress-review BASE HEAD            # or: python -m buttress.review BASE HEAD

BASE and HEAD are ``cdk.out`` folders (the base branch and the pull request, each synthesized).
The report is Markdown for one pull-request comment: stateful resources replaced or removed first
(with their ``DeletionPolicy`` / ``UpdateReplacePolicy``), a summary per stack, IAM and
security-group widening, the fixed monthly cost change (:mod:`buttress.tools.cost`), and cdk-nag and
cfn-lint findings added or removed; identical assemblies give one line. Exit status: 0 when nothing
risky changed, 1 when a stateful resource is replaced or removed or access widens (``--fail-on``
chooses), 2 on bad input (the folder and the argument are named).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from buttress.tools.assembly import AssemblyError, CloudAssembly, read_assembly
from buttress.tools.cost import PriceTable, estimate_template, load_prices, render_template_change
from buttress.tools.findings import Finding, cfn_lint_findings, compare_findings, nag_findings
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


@dataclass(frozen=True)
class Deployed:
    """BASE is what CloudFormation has deployed (``--deployed``): each HEAD stack's template from
    ``GetTemplate`` (the ``Original`` stage, as submitted), which also shows drift from the last
    reviewed state. ``client_for(region)`` gives a CloudFormation client (None: the default region)."""

    client_for: Callable[[str | None], Any]

    @staticmethod
    def with_credentials() -> Deployed:
        """Clients from boto3's default session; ``ValueError`` (exit 2) without boto3 or credentials."""
        try:
            import boto3
        except ImportError as exc:
            raise ValueError("--deployed needs boto3 (pip install boto3)") from exc
        session = boto3.session.Session()
        try:
            credentials = session.get_credentials()
        except Exception as exc:  # botocore's credential-provider errors, e.g. a broken profile
            raise ValueError(f"--deployed: AWS credentials unusable: {exc}") from exc
        if credentials is None:
            raise ValueError("--deployed needs AWS credentials (environment, profile or role); none found")
        return Deployed(lambda region: session.client("cloudformation", region_name=region))


def _region(artifact: Mapping[str, Any]) -> str | None:
    region = str(artifact.get("environment", "")).rsplit("/", 1)[-1]
    return None if not region or region.startswith("unknown-") else region


def deployed_templates(head_stages: Sequence[tuple[str, CloudAssembly]], deployed: Deployed) -> dict[str, Any]:
    """The deployed template of every HEAD stack that CloudFormation has (a stack it does not have
    is left out: HEAD adds it).

    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_GetTemplate.html
    """
    found: dict[str, Any] = {}
    for prefix, assembly in head_stages:
        for name, artifact in assembly.stacks.items():
            props = artifact.artifact.get("properties") or {}
            stack_name = str(props.get("stackName") or name)
            client = deployed.client_for(_region(artifact.artifact))
            try:
                body = client.get_template(StackName=stack_name, TemplateStage="Original")["TemplateBody"]
            except Exception as exc:  # botocore's ClientError; the message names the stack
                message = str(getattr(exc, "response", {}).get("Error", {}).get("Message", exc))
                if "does not exist" in message:
                    continue
                raise ValueError(f"--deployed: GetTemplate {stack_name}: {message}") from exc
            if isinstance(body, str):
                try:
                    body = json.loads(body)
                except ValueError as exc:
                    raise ValueError(f"--deployed: {stack_name}: the deployed template is not JSON") from exc
            found[f"{prefix}{name}"] = body
    return found


def review_assemblies(
    base_dir: Path | str | Deployed,
    head_dir: Path | str,
    *,
    base_label: str | None = None,
    head_label: str | None = None,
    cfn_lint: bool = True,
    cfn_lint_ignore: Sequence[str] = (),
    prices: PriceTable | None = None,
    acknowledgements: Sequence[Acknowledgement] = (),
) -> Review:
    """Read both assemblies (:class:`AssemblyError` naming ``BASE`` or ``HEAD``) and review them.

    ``acknowledgements`` (a reviewed file's) are added to those HEAD's construct metadata records.
    ``base_dir`` may be :class:`Deployed`: BASE is then what CloudFormation has.
    """
    # BASE first, so that with both missing the error names BASE (the first argument).
    base = base_dir if isinstance(base_dir, Deployed) else read_assembly(base_dir, label="BASE")
    head_stages = stages(read_assembly(head_dir, label="HEAD"))
    head_templates = {n: t for prefix, a in head_stages for n, t in _prefixed(prefix, a.templates()).items()}
    head_findings = [_stage_finding(prefix, f) for prefix, a in head_stages for f in nag_findings(a)]
    notes = []
    if isinstance(base, Deployed):
        base_templates = deployed_templates(head_stages, base)
        base_findings = list(head_findings)  # the deployed stacks have no assembly to read cdk-nag from
        notes.append("BASE is the deployed stacks (GetTemplate); cdk-nag findings not compared.")
    else:
        base_stages = stages(base)
        base_templates = {n: t for prefix, a in base_stages for n, t in _prefixed(prefix, a.templates()).items()}
        base_findings = [_stage_finding(prefix, f) for prefix, a in base_stages for f in nag_findings(a)]
    where = "deployed" if isinstance(base_dir, Deployed) else str(base_dir)
    for label, directory, templates in (("BASE", where, base_templates), ("HEAD", head_dir, head_templates)):
        for name, template in templates.items():
            check_template(template, f"{label} {directory}: stack {name}")
    if cfn_lint and base_templates != head_templates:
        base_findings += cfn_lint_findings(base_templates, ignore=cfn_lint_ignore)
        head_findings += cfn_lint_findings(head_templates, ignore=cfn_lint_ignore)
    elif not cfn_lint:
        notes.append("cfn-lint not run (--no-cfn-lint).")
    review = review_templates(
        base_templates,
        head_templates,
        base_label=base_label or where,
        head_label=head_label or str(head_dir),
        base_findings=base_findings,
        head_findings=head_findings,
        prices=prices,
        asset_names={h: n for _, a in head_stages for h, n in asset_names(a).items()},
    )
    review.notes += notes
    review.acknowledgements = [*acknowledgements, *(a for p, s in head_stages for a in metadata_acknowledgements(s, p))]
    return review


#: Nested cloud assemblies (a ``Stage``) deeper than this are refused, not followed forever.
MAX_STAGE_DEPTH = 8
NESTED_ASSEMBLY = "cdk:cloud-assembly"


def stages(assembly: CloudAssembly, prefix: str = "", depth: int = 0) -> list[tuple[str, CloudAssembly]]:
    """``assembly`` and every nested cloud assembly (a CDK ``Stage``) in it, each with the prefix its
    stacks are named by (``Prod/``): a stack inside a stage is reviewed as ``Prod/<artifact id>``.

    A nested assembly is an artifact of type ``cdk:cloud-assembly`` whose ``directoryName`` holds
    its own ``manifest.json`` (``NestedCloudAssemblyProperties`` of the cloud-assembly schema).
    """
    if depth > MAX_STAGE_DEPTH:
        raise AssemblyError(f"{assembly.label} {assembly.directory}: stages nested deeper than {MAX_STAGE_DEPTH}")
    found = [(prefix, assembly)]
    for artifact_id, artifact in sorted(assembly.manifest.get("artifacts", {}).items()):
        if not isinstance(artifact, Mapping) or artifact.get("type") != NESTED_ASSEMBLY:
            continue
        props = artifact.get("properties") or {}
        directory = props.get("directoryName")
        if not isinstance(directory, str):
            raise AssemblyError(f"{assembly.label} {assembly.directory}: stage {artifact_id} has no directoryName")
        nested = read_assembly(assembly.directory / directory, label=assembly.label)
        name = str(props.get("displayName") or artifact_id)
        found += stages(nested, f"{prefix}{name}/", depth + 1)
    return found


def asset_names(assembly: CloudAssembly) -> dict[str, str]:
    """Asset hash -> what it is (its display name, the construct path of its first user, e.g.
    ``Api/TaskDef/web/AssetImage``; else its staged source), from each stack's ``*.assets.json``."""
    names: dict[str, str] = {}
    for stack in assembly.stacks:
        path = assembly.directory / f"{stack}.assets.json"
        try:
            manifest = json.loads(path.read_text()) if path.is_file() else {}
        except (OSError, ValueError) as exc:
            raise AssemblyError(f"{assembly.label} {assembly.directory}: {path} is unreadable: {exc}") from exc
        for kind, what in (("files", "file"), ("dockerImages", "image")):
            for asset_hash, entry in (manifest.get(kind) or {}).items():
                source = entry.get("source") or {}
                staged = str(source.get("path") or source.get("directory") or asset_hash)
                if not staged.endswith(".template.json"):
                    names.setdefault(asset_hash, f"{what} {entry.get('displayName') or staged}")
    return names


def _prefixed(prefix: str, templates: Mapping[str, Any]) -> dict[str, Any]:
    return {f"{prefix}{name}": template for name, template in templates.items()}


def _stage_finding(prefix: str, finding: Finding) -> Finding:
    return replace(finding, stack=f"{prefix}{finding.stack}") if prefix else finding


# -- acknowledgements ------------------------------------------------------------------------------

#: The file of acknowledgements read by default, from the directory the review runs in (the app's).
ACKNOWLEDGEMENTS_FILE = "review-acknowledgements.json"
#: Construct metadata type of an acknowledgement: ``{"stateful": "reason", ...}`` on a construct.
ACKNOWLEDGED_METADATA = "buttress:review-acknowledged"
LOGICAL_ID_METADATA = "aws:cdk:logicalId"


def _acknowledgement(entry: Any, where: str, source: str) -> Acknowledgement:
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where}: an acknowledgement is an object with stack, resource, kind and reason")
    fields = {k: entry.get(k) for k in ("stack", "resource", "kind", "reason")}
    missing = [k for k, v in fields.items() if not isinstance(v, str) or not v.strip()]
    if missing:
        raise ValueError(f"{where}: {', '.join(missing)} missing or empty (a reason is required)")
    if fields["kind"] not in ACKNOWLEDGEABLE:
        raise ValueError(f"{where}: kind {fields['kind']!r} is not one of {', '.join(ACKNOWLEDGEABLE)}")
    return Acknowledgement(
        str(fields["stack"]), str(fields["resource"]), str(fields["kind"]), str(fields["reason"]).strip(), source
    )


def read_acknowledgements(path: Path) -> list[Acknowledgement]:
    """The acknowledgements of a reviewed file (``ValueError`` naming the file and the entry)::

    {"version": 1, "acknowledgements": [
      {"stack": "Data", "resource": "OrdersTable", "kind": "stateful", "reason": "..."}]}
    """
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise ValueError(f"--acknowledgements {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"--acknowledgements {path}: not JSON: {exc}") from exc
    if not isinstance(data, Mapping) or data.get("version") != 1 or not isinstance(data.get("acknowledgements"), list):
        raise ValueError(f'--acknowledgements {path}: expected {{"version": 1, "acknowledgements": [...]}}')
    return [
        _acknowledgement(entry, f"--acknowledgements {path}: entry {i}", str(path))
        for i, entry in enumerate(data["acknowledgements"])
    ]


def metadata_acknowledgements(assembly: CloudAssembly, prefix: str = "") -> list[Acknowledgement]:
    """Acknowledgements construct metadata records (``Node.of(c).add_metadata(ACKNOWLEDGED_METADATA,
    {"stateful": "reason"})``): they cover every resource of the construct's subtree."""
    found: list[Acknowledgement] = []
    for stack in assembly.stacks:
        entries = assembly.metadata(stack)
        ids = {
            path: str(e.get("data"))
            for path, values in entries.items()
            for e in values
            if e.get("type") == LOGICAL_ID_METADATA
        }
        for path, values in entries.items():
            for entry in values:
                if entry.get("type") != ACKNOWLEDGED_METADATA:
                    continue
                data = entry.get("data")
                if not isinstance(data, Mapping):
                    raise ValueError(f"{assembly.label} {path}: {ACKNOWLEDGED_METADATA} is not {{kind: reason}}")
                for logical_id in sorted(v for k, v in ids.items() if k == path or k.startswith(path + "/")):
                    for kind, reason in sorted(data.items()):
                        entry_ = {"stack": f"{prefix}{stack}", "resource": logical_id, "kind": kind, "reason": reason}
                        found.append(_acknowledgement(entry_, f"{assembly.label} {path}", f"metadata {path}"))
    return found


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


def review_data(review: Review, *, fail_on: Sequence[str] = DEFAULT_FAIL_ON) -> dict[str, Any]:
    """The whole report as plain data: ``--format json`` prints it, :func:`render_markdown` renders it.

    Documented in docs/review.md (``SCHEMA``); amounts are US dollars per month at list prices.
    ``failing`` is ``triggered`` within ``fail_on``: non-empty exactly when the CLI exits 1.
    """
    counts = {a: sum(s.count(a) for s in review.stacks) for a in ("added", "changed", "replaced", "removed")}
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
    cautions = [
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
    ordered = sorted(review.widenings, key=lambda w: (not w.public, w.stack, w.kind, w.target, w.grant))
    widenings = [
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
    stacks = [
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
                {"stack": a.stack, "resource": a.resource, "kind": a.kind, "reason": a.reason, "source": a.source}
                for a in review.acknowledgements
                if a not in review.unused_acknowledgements
            ],
            "unused": [
                {"stack": a.stack, "resource": a.resource, "kind": a.kind, "reason": a.reason, "source": a.source}
                for a in review.unused_acknowledgements
            ],
        },
        "notes": list(review.notes),
    }


# -- Markdown, rendered from the data ---------------------------------------------------------------

Data = Mapping[str, Any]


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _code(value: object) -> str:
    return f"`{_cell(value)}`" if value != "" else ""


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _delta(value: float) -> str:
    return f"{'+' if value >= 0 else '-'}{_money(abs(value))}"


def _acked(reason: str | None) -> str:
    return f" — **acknowledged**: {reason}" if reason else ""


#: What :func:`what_happens` stresses in the Markdown (the longer phrase first).
_BOLD = ("the old one is deleted, with its data", "deleted, with its data")


def _bold(text: str) -> str:
    for phrase in _BOLD:
        if text.endswith(phrase):
            return f"{text[: -len(phrase)]}**{phrase}**"
    return text


def _stateful_block(data: Data) -> list[str]:
    lost = data["stateful_at_risk"]
    if not lost:
        return []
    certain = all(c["change"] in ("replaced", "removed") for c in lost)
    what = "replaced or removed" if certain else "replaced, removed, or that may be replaced or deleted"
    lines = [
        "> [!CAUTION]",
        f"> **{len(lost)} stateful resource(s) {what}.** The data they hold does not move to a new resource.",
        ">",
        "> | stack | resource | type | change | why | DeletionPolicy | UpdateReplacePolicy | what a deploy does |",
        "> |---|---|---|---|---|---|---|---|",
    ]
    for c in lost:
        lines.append(
            f"> | {c['stack']} | {_code(c['resource'])} | {_code(c['type'])} | {c['change']} | "
            f"{_cell(c['why'] + _acked(c['acknowledged']))} | {_cell(c['deletion_policy'])} | "
            f"{_cell(c['update_replace_policy'])} | {_bold(c['what_happens'])} |"
        )
    return [*lines, ""]


def _cautions_block(data: Data) -> list[str]:
    cautions = data["cautions"]
    if not cautions:
        return []
    lines = [
        "> [!WARNING]",
        f"> **{len(cautions)} update-time caution(s)**: what the deploy may do that the diff does not show.",
        ">",
        "> | stack | resource | type | caution | why | the way through |",
        "> |---|---|---|---|---|---|",
    ]
    for k in cautions:
        lines.append(
            f"> | {k['stack']} | {_code(k['resource'])} | {_code(k['type'])} | {k['kind']} | "
            f"{_cell(k['why'] + _acked(k['acknowledged']))} | {_cell(k['fix'])} |"
        )
    return [*lines, ""]


def _summary(data: Data) -> list[str]:
    lines = [
        "### Summary",
        "",
        "| stack | status | added | changed | replaced | removed | outputs | fixed $/month |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for s in data["stacks"]:
        if s["status"] == "unchanged":
            continue
        before, after = s["cost"]["before"], s["cost"]["after"]
        cost = _money(after)
        if round(after - before, 2) != 0:
            cost = f"{_money(before)} → {_money(after)} ({_delta(after - before)})"
        counts = " | ".join(str(s["counts"][a]) for a in ("added", "changed", "replaced", "removed"))
        outputs = "; ".join(f"{k}: {', '.join(v)}" for k, v in s["outputs"].items() if v) or "-"
        lines.append(f"| {s['name']} | {s['status']} | {counts} | {_cell(outputs)} | {cost} |")
    unchanged = [s["name"] for s in data["stacks"] if s["status"] == "unchanged"]
    if unchanged:
        lines += ["", f"Unchanged: {', '.join(unchanged)}."]
    return [*lines, ""]


def _widening(data: Data) -> list[str]:
    lines = ["### Access widened", ""]
    if not data["widenings"]:
        return [*lines, "No IAM statement or security-group rule grants more than before.", ""]
    lines += ["| stack | kind | applies to | grants | why |", "|---|---|---|---|---|"]
    for w in data["widenings"]:
        why = ("**public** " if w["public"] else "") + w["why"] + _acked(w["acknowledged"])
        lines.append(f"| {w['stack']} | {w['kind']} | {_code(w['target'])} | {_code(w['grant'])} | {_cell(why)} |")
    return [*lines, ""]


def _cost(data: Data) -> list[str]:
    changed = [s for s in data["stacks"] if round(s["cost"]["after"] - s["cost"]["before"], 2) != 0]
    lines = ["### Fixed monthly cost", ""]
    if not changed:
        return [*lines, "No change in fixed monthly cost (list prices, `buttress-cost`).", ""]
    for s in changed:
        before, after = s["cost"]["before"], s["cost"]["after"]
        lines.append(f"- **{s['name']}**: {_money(before)} → {_money(after)} ({_delta(after - before)}/month)")
        lines += [f"  - {_cell(d)}" for d in s["cost"]["detail"]]
    total = _delta(data["summary"]["cost_delta"])
    lines.append(f"- **total**: {total}/month at list prices (`buttress-cost` for the table)")
    return [*lines, ""]


def _assets(data: Data) -> list[str]:
    changed = [c for s in data["stacks"] for c in s["changes"] if c["assets"]]
    if not changed:
        return []
    lines = ["### Assets changed", "", "| stack | resource | type | new asset |", "|---|---|---|---|"]
    for c in changed:
        lines.append(
            f"| {c['stack']} | {_code(c['resource'])} | {_code(c['type'])} | {_cell(', '.join(c['assets']))} |"
        )
    return [*lines, ""]


def _findings(data: Data) -> list[str]:
    lines = ["### Findings", ""]
    rows = [("added", f) for f in data["findings"]["added"]] + [("removed", f) for f in data["findings"]["removed"]]
    if not rows:
        lines.append("No cdk-nag or cfn-lint finding added or removed.")
    else:
        lines += ["| | tool | stack | where | rule | message |", "|---|---|---|---|---|---|"]
        for change, f in rows:
            message = f["message"] if len(f["message"]) <= 160 else f["message"][:157] + "..."
            lines.append(
                f"| {change} | {f['tool']} | {f['stack']} | {_code(f['where'])} | {_code(f['rule'])} | "
                f"{_cell(message)} |"
            )
    notes = list(data["notes"])
    for a in data["acknowledgements"]["unused"]:
        notes.append(
            f"Acknowledgement not used (nothing it covers changes; remove it): {a['kind']} of "
            f"{a['stack']} {a['resource']} ({a['source']})."
        )
    return [*lines, *(["", *notes] if notes else []), ""]


def _details(data: Data) -> list[str]:
    changes = [c for s in data["stacks"] for c in s["changes"]]
    lines = [
        f"<details><summary>Every resource change ({len(changes)})</summary>",
        "",
        "| stack | resource | type | change | properties | note |",
        "|---|---|---|---|---|---|",
    ]
    for c in changes:
        note = "; ".join([*c["reasons"], *(f"{k['kind']}: {k['why']}" for k in c["cautions"])])
        lines.append(
            f"| {c['stack']} | {_code(c['resource'])} | {_code(c['type'])} | {c['action']} | "
            f"{_cell(', '.join(c['properties']))} | {_cell(note)} |"
        )
    return [*lines, "", "</details>", ""]


def render_markdown(review: Review | Data) -> str:
    """The pull-request comment (starting with :data:`MARKER`, so a workflow can find and update it),
    rendered from :func:`review_data` (given, or computed from ``review``)."""
    data = review_data(review) if isinstance(review, Review) else review
    title = f"{MARKER}\n## buttress review: `{_cell(data['base'])}` → `{_cell(data['head'])}`"
    summary = data["summary"]
    if data["identical"]:
        return f"{title}\n\nNo changes: {summary['stacks']} stack(s), identical resources and findings.\n"
    head = (
        f"{summary['stacks_changed']} of {summary['stacks']} stack(s) change: "
        + ", ".join(f"{summary[a]} {a}" for a in ("added", "changed", "replaced", "removed"))
        + f"; {summary['widenings']} widening(s); {summary['cautions']} caution(s); "
        + f"fixed cost {_delta(summary['cost_delta'])}/month; "
        + f"findings +{summary['findings_added']} / -{summary['findings_removed']}."
    )
    body = [title, "", head, ""]
    body += _stateful_block(data) + _cautions_block(data) + _summary(data)
    body += _widening(data) + _assets(data) + _cost(data) + _findings(data)
    return "\n".join(body + _details(data)).rstrip() + "\n"


# -- command line ---------------------------------------------------------------------------------


def parse_fail_on(value: str) -> tuple[str, ...]:
    """``--fail-on`` (comma-separated categories, or ``none``)."""
    chosen = tuple(v.strip() for v in value.split(",") if v.strip())
    if chosen == ("none",):
        return ()
    unknown = [v for v in chosen if v not in FAIL_ON]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"{value!r}: comma-separated of {', '.join(FAIL_ON)}, or none")
    return chosen


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="buttress-review",
        description="Markdown review of HEAD against BASE, two cloud assemblies (cdk.out folders).",
        epilog="Exit status: 0 nothing risky, 1 a --fail-on category met, 2 bad input.",
    )
    parser.add_argument("base", metavar="BASE", help="cloud assembly of the base (e.g. the target branch)")
    parser.add_argument("head", metavar="HEAD", nargs="?", help="cloud assembly of the change")
    parser.add_argument(
        "--deployed",
        action="store_true",
        help="BASE is what CloudFormation has deployed (GetTemplate; needs credentials): `--deployed HEAD`",
    )
    parser.add_argument("--base-label", help="how to name BASE in the report (default: its path)")
    parser.add_argument("--head-label", help="how to name HEAD in the report (default: its path)")
    parser.add_argument("--output", "-o", type=Path, help="also write the report to this file")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the JSON report to this file")
    parser.add_argument(
        "--fail-on",
        type=parse_fail_on,
        default=DEFAULT_FAIL_ON,
        help=f"exit 1 when any of these is met: {', '.join(FAIL_ON)} or none (default: {','.join(DEFAULT_FAIL_ON)})",
    )
    parser.add_argument("--no-cfn-lint", action="store_true", help="do not compare cfn-lint findings")
    parser.add_argument("--cfn-lint-ignore", action="append", default=[], metavar="RULE", help="cfn-lint rule to skip")
    parser.add_argument(
        "--cfn-lint-ignore-file", type=Path, help="file of cfn-lint rules to skip, one per line (`RULE  # reason`)"
    )
    parser.add_argument("--prices", help="price table JSON (default: buttress's us-east-1 table)")
    parser.add_argument(
        "--format", choices=("markdown", "json"), default="markdown", help="report format (json: docs/review.md)"
    )
    parser.add_argument(
        "--acknowledgements",
        type=Path,
        metavar="FILE",
        help=f"reviewed acknowledgements (default: ./{ACKNOWLEDGEMENTS_FILE} when it exists)",
    )
    return parser


def _ignored(args: argparse.Namespace) -> list[str]:
    rules = list(args.cfn_lint_ignore)
    if args.cfn_lint_ignore_file:
        try:
            lines = args.cfn_lint_ignore_file.read_text().splitlines()
        except OSError as exc:
            raise ValueError(f"--cfn-lint-ignore-file {args.cfn_lint_ignore_file}: {exc.strerror}") from exc
        rules += [r for r in (line.split("#", 1)[0].strip() for line in lines) if r]
    return rules


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        prices = load_prices(args.prices) if args.prices else None
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: --prices {args.prices}: not a usable price table: {exc!r}", file=sys.stderr)
        return 2
    try:
        if args.deployed and args.head is not None:
            raise ValueError("--deployed compares one assembly, HEAD, with the deployed stacks: give HEAD only")
        if not args.deployed and args.head is None:
            raise ValueError("give BASE and HEAD (or --deployed HEAD)")
        base: Path | str | Deployed = Deployed.with_credentials() if args.deployed else args.base
        head = args.base if args.deployed else args.head
        ack_file = args.acknowledgements or Path(ACKNOWLEDGEMENTS_FILE)
        acknowledgements = read_acknowledgements(ack_file) if args.acknowledgements or ack_file.is_file() else []
        review = review_assemblies(
            base,
            head,
            base_label=args.base_label,
            head_label=args.head_label,
            cfn_lint=not args.no_cfn_lint,
            cfn_lint_ignore=_ignored(args),
            prices=prices,
            acknowledgements=acknowledgements,
        )
    except (AssemblyError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:
        print(f"error: buttress-review needs cfn-lint (pip install 'buttress[review]'): {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a traceback would exit 1, which means "risky change"
        print(f"error: buttress-review cannot read this input (please report it): {exc!r}", file=sys.stderr)
        return 2
    data = review_data(review, fail_on=args.fail_on)
    as_json = json.dumps(data, indent=2) + "\n"
    report = as_json if args.format == "json" else render_markdown(data)
    print(report, end="")
    if args.output:
        args.output.write_text(report)
    if args.json:
        args.json.write_text(as_json)
    hits = data["failing"]
    if hits:
        print(f"buttress-review: {', '.join(hits)} (exit 1; --fail-on {','.join(args.fail_on)})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
