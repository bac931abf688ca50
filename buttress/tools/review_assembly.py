"""The review of two cloud assemblies (or of one against the deployed stacks): reading them.

Every stack of every nested stage, its asset names, its cdk-nag findings (and cfn-lint's) and the
acknowledgements its construct metadata records, handed to :func:`~buttress.tools.review_model.review_templates`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from buttress.tools.assembly import AssemblyError, CloudAssembly, read_assembly
from buttress.tools.findings import Finding, cfn_lint_findings, nag_findings
from buttress.tools.prices import PriceTable
from buttress.tools.review_acknowledgements import metadata_acknowledgements
from buttress.tools.review_model import Acknowledgement, Review, review_templates
from buttress.tools.template_diff import check_template


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
            raise ValueError('--deployed needs boto3: pip install "buttress[review,deployed]"') from exc
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
