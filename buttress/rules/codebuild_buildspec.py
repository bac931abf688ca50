"""Build spec mappings as CodeBuild reads them: known versions, sections and phases, command lists.

Pure rules (no CDK import). The reference they follow:
https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from buttress.errors import invalid

__all__ = ["BUILD_SPEC_SECTIONS", "BUILD_SPEC_VERSIONS", "PHASES", "PHASE_KEYS", "check_build_spec_sections"]

#: The versions the build spec reference knows ("Buildspec versions"), as numbers: an inline build spec
#: is rendered with a numeric ``version``, since batch builds are reported to fail in DOWNLOAD_SOURCE
#: with ``"version": "0.2"`` as a string (a user report: aws-cdk issue 22087; the safe side is the
#: reference's own form, ``version: 0.2``).
BUILD_SPEC_VERSIONS: Mapping[str, float] = {"0.1": 0.1, "0.2": 0.2}
#: Every top-level key of the reference's "Buildspec syntax"; CodeBuild ignores others silently.
BUILD_SPEC_SECTIONS = frozenset(
    {"version", "run-as", "env", "proxy", "batch", "phases", "reports", "artifacts", "cache"}
)
#: The phases CodeBuild runs, in order; a misspelt phase would never run.
PHASES = ("install", "pre_build", "build", "post_build")
#: What a phase may hold (``runtime-versions`` in ``install`` only).
PHASE_KEYS = frozenset({"run-as", "on-failure", "runtime-versions", "commands", "finally"})
_COMMAND_LISTS = ("commands", "finally")


def check_build_spec_sections(spec: Mapping[str, Any]) -> dict[str, Any]:
    """``spec`` with its ``version`` as a number, after checking its sections, phases and command lists."""
    unknown = sorted(set(spec) - BUILD_SPEC_SECTIONS)
    if unknown:
        raise invalid(
            "build_spec",
            unknown,
            "top-level keys of the build spec reference: " + ", ".join(sorted(BUILD_SPEC_SECTIONS)),
        )
    version = _version(spec.get("version"))
    phases = spec.get("phases")
    if not isinstance(phases, Mapping):
        raise invalid("build_spec['phases']", phases, f"a mapping of phases: {', '.join(PHASES)}")
    for name, phase in phases.items():
        _check_phase(name, phase)
    return {**spec, "version": version}


def _version(value: object) -> float:
    key = value if isinstance(value, str) else (repr(value) if isinstance(value, float) else None)
    if key is None or key not in BUILD_SPEC_VERSIONS:
        raise invalid("build_spec['version']", value, "a build spec version CodeBuild knows: 0.2 (or 0.1)")
    return BUILD_SPEC_VERSIONS[key]


def _check_phase(name: object, phase: object) -> None:
    prop = f"build_spec['phases'][{name!r}]"
    if name not in PHASES:
        raise invalid("build_spec['phases']", name, f"a phase CodeBuild runs: {', '.join(PHASES)}")
    if not isinstance(phase, Mapping):
        raise invalid(prop, phase, "a mapping with 'commands' (a list of strings)")
    unknown = sorted(set(phase) - PHASE_KEYS)
    if unknown or ("runtime-versions" in phase and name != "install"):
        raise invalid(
            prop, sorted(phase), "keys of a phase: commands, finally, run-as, on-failure (runtime-versions in install)"
        )
    for key in _COMMAND_LISTS:
        commands = phase.get(key)
        if key in phase and (
            not isinstance(commands, list) or not all(isinstance(command, str) for command in commands)
        ):
            raise invalid(f"{prop}[{key!r}]", commands, "a list of command strings, one command each")
