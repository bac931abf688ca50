"""Read a cloud assembly (the ``cdk.out`` folder ``cdk synth`` writes): stacks, templates, assets.

Every buttress tool reads an assembly through :func:`read_assembly`, so a missing or unreadable
folder gives the same clear error everywhere, naming the flag or argument it came from and how
to produce the folder. Pure: the standard library only, no CDK import.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

STACK_ARTIFACT = "aws:cloudformation:stack"
ACKNOWLEDGED = "aws:cdk:acknowledged-rules"


class AssemblyError(ValueError):
    """A cloud-assembly folder that is missing, not an assembly, or unreadable."""


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise AssemblyError(f"{what}: {path} is missing") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AssemblyError(f"{what}: {path} is unreadable: {exc}") from exc


@dataclass(frozen=True)
class StackArtifact:
    """One stack of an assembly as its manifest describes it."""

    name: str
    template_file: Path
    dependencies: tuple[str, ...]
    metadata_file: Path | None
    artifact: dict[str, Any]


@dataclass(frozen=True)
class CloudAssembly:
    """A synthesized cloud assembly; ``label`` names it in errors (a flag or an argument)."""

    directory: Path
    manifest: dict[str, Any]
    label: str

    @cached_property
    def stacks(self) -> dict[str, StackArtifact]:
        """Stack name -> artifact, sorted by name."""
        found: dict[str, StackArtifact] = {}
        for name, artifact in sorted(self.manifest.get("artifacts", {}).items()):
            if artifact.get("type") != STACK_ARTIFACT:
                continue
            props = artifact.get("properties", {})
            meta = artifact.get("additionalMetadataFile")
            found[name] = StackArtifact(
                name=name,
                template_file=self.directory / props.get("templateFile", f"{name}.template.json"),
                dependencies=tuple(artifact.get("dependencies", [])),
                metadata_file=self.directory / meta if meta else None,
                artifact=artifact,
            )
        return found

    def template(self, stack: str) -> dict[str, Any]:
        """The CloudFormation template of ``stack``."""
        if stack not in self.stacks:
            raise AssemblyError(f"{self.label} {self.directory}: no stack {stack!r}; it has {', '.join(self.stacks)}")
        data: dict[str, Any] = _read_json(self.stacks[stack].template_file, f"{self.label} {self.directory}")
        return data

    def templates(self) -> dict[str, dict[str, Any]]:
        """Stack name -> template, for every stack."""
        return {name: self.template(name) for name in self.stacks}

    def metadata(self, stack: str) -> dict[str, list[dict[str, Any]]]:
        """Construct path -> metadata entries of ``stack`` (manifest and additional metadata file)."""
        artifact = self.stacks[stack]
        entries: dict[str, list[dict[str, Any]]] = {
            path: list(values) for path, values in artifact.artifact.get("metadata", {}).items()
        }
        if artifact.metadata_file is not None and artifact.metadata_file.is_file():
            extra = _read_json(artifact.metadata_file, f"{self.label} {self.directory}")
            for path, values in extra.items():
                entries.setdefault(path, []).extend(values)
        return entries

    def file_assets(self, stack: str) -> list[Path]:
        """Staged file-asset paths of ``stack`` (its template excluded)."""
        assets_file = self.directory / f"{stack}.assets.json"
        if not assets_file.is_file():
            return []
        data = _read_json(assets_file, f"{self.label} {self.directory}")
        paths = [entry["source"]["path"] for entry in data.get("files", {}).values()]
        return [self.directory / path for path in paths if not path.endswith(".template.json")]

    def dependencies(self, stacks: Iterable[str]) -> list[str]:
        """``stacks`` and every stack they depend on (what ``cdk deploy`` deploys), sorted."""
        todo, found = list(stacks), set()
        while todo:
            name = todo.pop()
            if name in found:
                continue
            found.add(name)
            todo.extend(d for d in self.stacks[name].dependencies if d in self.stacks)
        return sorted(found)

    def validation_report(self) -> dict[str, Any] | None:
        """The policy-validation report (cdk-nag 3 writes its findings there), if any."""
        path = self.directory / "policy-validation-report.json"
        path = path if path.is_file() else self.directory / "validation-report.json"
        if not path.is_file():
            return None
        report: dict[str, Any] = _read_json(path, f"{self.label} {self.directory}")
        return report


def read_assembly(directory: Path | str, *, label: str = "cloud assembly") -> CloudAssembly:
    """The cloud assembly in ``directory``; :class:`AssemblyError` naming ``label`` when unusable.

    ``label`` is what the user typed to give the folder (``--cdk-out``, ``BASE``...).
    """
    folder = Path(directory)
    produce = f"synthesize your app into it first: `cdk synth --output {folder}`"
    if not folder.exists():
        raise AssemblyError(f"{label} {folder}: no such directory; {produce}")
    if not folder.is_dir():
        raise AssemblyError(f"{label} {folder}: not a directory; give the cdk.out folder `cdk synth` writes")
    if not (folder / "manifest.json").is_file():
        raise AssemblyError(f"{label} {folder}: not a cloud assembly (no manifest.json); {produce}")
    manifest = _read_json(folder / "manifest.json", f"{label} {folder}")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("artifacts", {}), dict):
        raise AssemblyError(f"{label} {folder}: manifest.json is not a cloud-assembly manifest")
    return CloudAssembly(folder, manifest, label)


def write_assembly(folder: Path | str, templates: dict[str, dict[str, Any]]) -> Path:
    """A minimal cloud assembly holding ``templates`` (stack name -> template), for tests and examples."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    artifacts: dict[str, Any] = {"Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}
    for name, template in templates.items():
        (path / f"{name}.template.json").write_text(json.dumps(template, indent=1))
        artifacts[name] = {
            "type": STACK_ARTIFACT,
            "environment": "aws://unknown-account/unknown-region",
            "properties": {"templateFile": f"{name}.template.json"},
        }
    (path / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts}, indent=1))
    return path
