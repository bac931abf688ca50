"""Synthesize the example app once and hand tests normalized templates.

The app is built by ``app.build_app`` (the same function ``cdk synth`` runs), so the
feature flags of ``cdk.json`` and the cdk-nag checks apply exactly as in ``make synth``.
cdk-nag findings make ``synth()`` raise, so any unacknowledged finding fails the session.

The result is kept on disk (``.buttress-test-cache/example-app/<key>/``) and reused by every
pytest-xdist worker and by the next session, under a key that hashes everything the synthesis
reads (see :func:`cache_key`), so it cannot go stale: any edit to ``buttress/``, ``stacks/``,
``lambda_src/``, ``app.py``, ``cdk.json`` or this file, another version of aws-cdk-lib, cdk-nag,
the cfn-guard plugin or jsii, or a ``CDK_*``/``JSII_*`` variable synthesizes again. Workers that
miss at the same moment wait for the first one (a file lock) instead of synthesizing twice.
``BUTTRESS_SYNTH_CACHE=0`` turns it off.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
#: Where synthesized example apps are kept between sessions (gitignored; ``make clean`` removes it).
CACHE_ROOT = REPO / ".buttress-test-cache" / "example-app"
#: What the example app's synthesis reads from the repository (folders are read recursively).
_SYNTH_SOURCES = ("app.py", "cdk.json", "buttress", "stacks", "lambda_src", "tests/harness.py")
_SYNTH_PACKAGES = ("aws-cdk-lib", "constructs", "cdk-nag", "cdklabs.cdk-validator-cfnguard", "jsii")
#: Cache entries kept (newest first): a few, so switching branches back and forth stays warm.
_KEEP = 4
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
    #: The ``App`` itself when this process synthesized it, else how to build it (see :attr:`app`).
    built: Any = None
    rebuild: Callable[[], Any] | None = None

    @property
    def app(self) -> Any:
        """The synthesized ``App`` (its construct tree holds the acknowledgements docs/security.md lists).

        A result read from the cache has no construct tree: the app is built and synthesized
        again in this process the first time a test asks for it (two tests do).
        """
        if self.built is None and self.rebuild is not None:
            self.built = self.rebuild()
        return self.built


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


def _synthesize_now(outdir: Path) -> SynthResult:
    from app import build_app

    app = build_app(outdir=str(outdir))
    assembly = app.synth()
    templates = {s.stack_name: copy.deepcopy(s.template) for s in assembly.stacks}
    placeholders = asset_placeholders(outdir, asset_sources(app))
    normalized = {name: normalize(t, placeholders) for name, t in templates.items()}
    return SynthResult(outdir, templates, normalized, _stack_messages(assembly), app)


def _rebuild_app() -> Any:
    from app import build_app

    app = build_app(outdir=tempfile.mkdtemp(prefix="buttress-cdk-out-"))
    app.synth()
    return app


def cache_key(repo: Path = REPO) -> str:
    """A hash of every input of the example app's synthesis: sources, package versions, environment."""
    digest = hashlib.sha256()
    for name in _SYNTH_SOURCES:
        root = repo / name
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            digest.update(path.relative_to(repo).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for package in _SYNTH_PACKAGES:
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{package}=={version}\0".encode())
    env = sorted((k, v) for k, v in os.environ.items() if k.startswith(("CDK_", "JSII_")))
    digest.update(repr((sys.version, env)).encode())
    return digest.hexdigest()[:24]


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _load(entry: Path) -> SynthResult:
    data = json.loads((entry / "result.json").read_text())
    messages = {stack: [(str(a), str(b), str(c)) for a, b, c in ms] for stack, ms in data["messages"].items()}
    return SynthResult(entry / "cdk.out", data["templates"], data["normalized"], messages, rebuild=_rebuild_app)


def prune(root: Path, keep: int = _KEEP) -> None:
    entries = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        shutil.rmtree(old, ignore_errors=True)
        old.with_suffix(".lock").unlink(missing_ok=True)


def _cache_entry(root: Path, key: str, marker: str, fill: Callable[[Path], None], *, keep: int) -> Path:
    """``root/key``, filled once by ``fill(folder)`` (which writes ``marker`` last), under a lock.

    A worker that finds the entry being filled waits for it instead of filling it too; a killed
    session leaves no half entry (the folder is renamed into place complete).
    """
    entry = root / key
    with locked(root / f"{key}.lock"):
        if not (entry / marker).exists():
            staging = Path(tempfile.mkdtemp(prefix=f"{key}.", dir=root))
            try:
                fill(staging)
                staging.rename(entry)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        os.utime(entry)  # newest first for prune
    prune(root, keep=keep)
    return entry


def cached_synthesize(root: Path = CACHE_ROOT) -> SynthResult:
    """The example app from ``root`` when its key is there, else synthesized into it (see the module doc)."""

    def fill(folder: Path) -> None:
        result = _synthesize_now(folder / "cdk.out")
        record = {"templates": result.templates, "normalized": result.normalized, "messages": result.messages}
        (folder / "result.json").write_text(json.dumps(record))

    return _load(_cache_entry(root, cache_key(), "result.json", fill, keep=_KEEP))


def cached_assembly(
    kind: str, extra: bytes, synthesize_into: Callable[[Path], dict[str, Any]], *, keep: int = _KEEP
) -> tuple[Path, dict[str, Any]]:
    """A cloud assembly ``synthesize_into(outdir)`` writes, kept like the example app's (see the module doc).

    The entry lives in ``.buttress-test-cache/<kind>/`` under the example app's key and ``extra`` (the
    bytes of whatever else the synthesis reads: the test module, its flags); ``synthesize_into``
    returns what to keep beside the assembly (JSON). ``BUTTRESS_SYNTH_CACHE=0``: a fresh folder, kept
    nowhere.
    """
    if os.environ.get("BUTTRESS_SYNTH_CACHE", "1") == "0":
        outdir = Path(tempfile.mkdtemp(prefix=f"buttress-{kind}-"))
        return outdir, synthesize_into(outdir)
    key = hashlib.sha256(cache_key().encode() + b"\0" + extra).hexdigest()[:24]

    def fill(folder: Path) -> None:
        (folder / "saved.json").write_text(json.dumps(synthesize_into(folder / "cdk.out")))

    entry = _cache_entry(CACHE_ROOT.parent / kind, key, "saved.json", fill, keep=keep)
    saved: dict[str, Any] = json.loads((entry / "saved.json").read_text())
    return entry / "cdk.out", saved


@cache
def synthesize() -> SynthResult:
    """Synthesize the example app once per process (the test session), or read it from the cache."""
    if os.environ.get("BUTTRESS_SYNTH_CACHE", "1") != "0":
        return cached_synthesize()
    return _synthesize_now(Path(tempfile.mkdtemp(prefix="buttress-cdk-out-")))


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
