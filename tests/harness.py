"""Synthesize the example app once and hand tests normalized templates.

The app is built by ``app.build_app`` (the same function ``cdk synth`` runs), so the
feature flags of ``cdk.json`` and the cdk-nag checks apply exactly as in ``make synth``.
cdk-nag findings make ``synth()`` raise, so any unacknowledged finding fails the session.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
#: Folders never searched for asset sources.
_SKIP_DIRS = {".git", ".venv", "node_modules", "cdk.out", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
_SKIP_SUFFIXES = (".pyc", ".pyo")

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


def _tree_digest(path: Path) -> str:
    """Digest of a file or folder's contents (relative paths and bytes), byte code ignored."""
    digest = hashlib.sha256()
    if path.is_file():
        digest.update(path.read_bytes())
        return digest.hexdigest()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        rel = file.relative_to(path)
        if any(part in _SKIP_DIRS for part in rel.parts) or file.suffix in _SKIP_SUFFIXES:
            continue
        digest.update(str(rel).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


@cache
def _source_digests() -> dict[str, str]:
    """Digest -> repo-relative folder, for every folder of the repo that could be an asset source."""
    found: dict[str, str] = {}
    for folder in sorted(p for p in REPO.rglob("*") if p.is_dir()):
        rel = folder.relative_to(REPO)
        if any(part in _SKIP_DIRS or part.startswith(".") for part in rel.parts):
            continue
        found.setdefault(_tree_digest(folder), rel.as_posix())
    return found


def asset_placeholders(outdir: Path) -> dict[str, str]:
    """Asset hash -> ``<asset:SOURCE>`` for every asset of every stack in ``outdir``.

    SOURCE is the repo folder whose contents the asset is (found by content, so it holds on
    any machine), else the asset's display name (assets that aws-cdk-lib ships itself).
    """
    placeholders: dict[str, str] = {}
    sources = _source_digests()
    for manifest in sorted(outdir.glob("*.assets.json")):
        data = json.loads(manifest.read_text())
        for kind in ("files", "dockerImages"):
            for asset_hash, entry in data.get(kind, {}).items():
                source = entry.get("source", {})
                staged = source.get("path") or source.get("directory")
                if staged and staged.endswith(".template.json"):
                    continue  # the template itself
                label = None
                if staged and (outdir / staged).exists():
                    label = sources.get(_tree_digest(outdir / staged))
                placeholders[asset_hash] = f"<asset:{label or entry.get('displayName', 'unknown')}>"
    return placeholders


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
    placeholders = asset_placeholders(outdir)
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
