"""Synthesize the example app once and hand tests normalized templates.

The app is built by ``app.build_app`` (the same function ``cdk synth`` runs), so the
feature flags of ``cdk.json`` and the cdk-nag checks apply exactly as in ``make synth``.
cdk-nag findings make ``synth()`` raise, so any unacknowledged finding fails the session.
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
#: Repository folders that hold installed dependencies, not asset sources of this repository.
_DEPENDENCY_DIRS = {".venv", "node_modules"}

Template = dict[str, Any]


@dataclass
class SynthResult:
    """The synthesized example app: cloud-assembly folder, raw and normalized templates."""

    outdir: Path
    templates: dict[str, Template]
    normalized: dict[str, Template]
    messages: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    #: The synthesized ``App`` (its construct tree holds the acknowledgements docs/security.md lists).
    app: Any = None


def asset_sources(app: Any) -> dict[str, str]:
    """Asset hash -> the folder or file the construct took the asset from (absolute path).

    The cloud assembly keeps only the staged copy (``asset.<hash>``); the source a construct
    named is recorded on the asset's ``AssetStaging`` construct (``source_path``), so it is read
    from the construct tree right after synthesis.
    """
    from aws_cdk import AssetStaging

    return {node.asset_hash: node.source_path for node in app.node.find_all() if isinstance(node, AssetStaging)}


def _source_label(source: str | None, repo: Path) -> str | None:
    """The repository-relative path of an asset source, or None for one shipped by a dependency."""
    if not source:
        return None
    try:
        rel = Path(source).resolve().relative_to(repo.resolve())
    except ValueError:
        return None  # e.g. aws-cdk-lib's custom-resource providers, staged from a temporary folder
    if not rel.parts or rel.parts[0] in _DEPENDENCY_DIRS:
        return None
    return rel.as_posix()


def asset_placeholders(outdir: Path, sources: Mapping[str, str], repo: Path = REPO) -> dict[str, str]:
    """Asset hash -> ``<asset:SOURCE>`` for every asset of every stack in ``outdir``.

    SOURCE is the repository folder the construct took the asset from (``sources``, from
    :func:`asset_sources`: the same on any machine, and whatever else the checkout holds, such
    as a ``build/`` left by ``pip wheel .``). It is the asset's display name (the construct path
    of its first user) instead for assets that aws-cdk-lib ships itself, and when one folder is
    the source of several different assets (``lambda_code`` stages ``lambda_src/`` with
    excludes that keep one package), where the folder alone would not tell them apart.
    """
    entries: dict[str, dict[str, Any]] = {}
    for manifest in sorted(outdir.glob("*.assets.json")):
        data = json.loads(manifest.read_text())
        for kind in ("files", "dockerImages"):
            for asset_hash, entry in data.get(kind, {}).items():
                source = entry.get("source", {})
                staged = source.get("path") or source.get("directory")
                if not (staged and staged.endswith(".template.json")):  # not the template itself
                    entries.setdefault(asset_hash, entry)
    labels = {asset_hash: _source_label(sources.get(asset_hash), repo) for asset_hash in entries}
    shared = {label for label in labels.values() if label and list(labels.values()).count(label) > 1}
    return {
        asset_hash: f"<asset:{label if label and label not in shared else entry.get('displayName', 'unknown')}>"
        for asset_hash, entry in entries.items()
        for label in [labels[asset_hash]]
    }


def normalize(template: Template, placeholders: dict[str, str]) -> Template:
    """Replace asset hashes (anywhere in strings) by their placeholders."""
    text = json.dumps(template, sort_keys=True)
    for asset_hash, label in placeholders.items():
        text = text.replace(asset_hash, label)
    result: Template = json.loads(text)
    return result


def _stack_messages(assembly: Any) -> dict[str, list[tuple[str, str, str]]]:
    out: dict[str, list[tuple[str, str, str]]] = {}
    for stack in assembly.stacks:
        out[stack.stack_name] = [(str(m.level), m.id, str(m.entry.data)) for m in stack.messages]
    return out


@cache
def synthesize() -> SynthResult:
    """Synthesize the example app once per process (the test session)."""
    from app import build_app

    outdir = Path(tempfile.mkdtemp(prefix="buttress-cdk-out-"))
    app = build_app(outdir=str(outdir))
    assembly = app.synth()
    templates = {s.stack_name: copy.deepcopy(s.template) for s in assembly.stacks}
    placeholders = asset_placeholders(outdir, asset_sources(app))
    normalized = {name: normalize(t, placeholders) for name, t in templates.items()}
    return SynthResult(outdir, templates, normalized, _stack_messages(assembly), app)


def resources_of_type(template: Template, type_: str) -> dict[str, dict[str, Any]]:
    """The resources of one CloudFormation type, by logical id."""
    return {k: v for k, v in template.get("Resources", {}).items() if v.get("Type") == type_}


def new_stack(name: str = "Test") -> Any:
    """A bare ``Stack`` in an ``App`` with ``cdk.json``'s feature flags, for construct tests.

    Use ``aws_cdk.assertions.Template.from_stack(stack)`` on it after adding the construct.
    """
    from aws_cdk import App, Stack

    from app import CLI_DEFAULT_CONTEXT, cdk_json_context

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    return Stack(app, name)
