"""Build spec mappings: rendered with a numeric version, and what CodeBuild refuses or skips is refused at synth."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from buttress import ButtressError, Network, VpcCodeBuild
from buttress.rules.codebuild_buildspec import check_build_spec_sections
from tests.harness import new_stack

BUILD = {"build": {"commands": ["make"]}}


def test_inline_build_spec_renders_version_as_a_number() -> None:
    # Batch builds are reported to fail in DOWNLOAD_SOURCE with "version": "0.2" (aws-cdk issue 22087).
    stack = new_stack("SpecVersion")
    VpcCodeBuild(
        stack,
        "Build",
        vpc=Network(stack, "Net"),
        build_spec={"version": "0.2", "phases": BUILD},
        concurrent_build_limit=2,
    )
    project = next(iter(Template.from_stack(stack).find_resources("AWS::CodeBuild::Project").values()))
    rendered = json.loads(project["Properties"]["Source"]["BuildSpec"])
    assert rendered["version"] == 0.2 and isinstance(rendered["version"], float)
    assert '"version": 0.2' in project["Properties"]["Source"]["BuildSpec"]


@pytest.mark.parametrize("version", ["0.2", 0.2, "0.1", 0.1])
def test_known_versions_become_numbers(version: Any) -> None:
    assert check_build_spec_sections({"version": version, "phases": BUILD})["version"] == float(version)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"version": "0.3", "phases": BUILD}, r"build_spec\['version'\]='0.3' is invalid: a build spec version"),
        ({"version": 2, "phases": BUILD}, r"build_spec\['version'\]=2 is invalid"),
        ({"version": "0.2", "phases": {"biuld": {"commands": ["make"]}}}, r"build_spec\['phases'\]='biuld'"),
        ({"version": "0.2", "phases": {"build": {"commands": "make test"}}}, r"\['commands'\]='make test' .*a list"),
        ({"version": "0.2", "phases": {"build": {"finally": [1]}}}, r"\['finally'\]=\[1\]"),
        ({"version": "0.2", "phases": {"build": {"command": ["make"]}}}, r"keys of a phase"),
        ({"version": "0.2", "phases": {"build": {"runtime-versions": {"python": 3.12}}}}, r"keys of a phase"),
        ({"version": "0.2", "phases": {"build": None}}, r"a mapping with 'commands'"),
        ({"version": "0.2", "phases": BUILD, "artefacts": {}}, r"\['artefacts'\] is invalid: top-level keys"),
    ],
)
def test_mistakes_codebuild_refuses_or_skips_are_refused(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ButtressError, match=message):
        check_build_spec_sections(spec)


def test_a_bad_phase_names_the_construct() -> None:
    stack: Stack = new_stack("SpecErrors")
    with pytest.raises(ButtressError, match=r"^SpecErrors/Build: build_spec\['phases'\]='prebuild' is invalid"):
        VpcCodeBuild(
            stack,
            "Build",
            vpc=Network(stack, "Net"),
            build_spec={"version": 0.2, "phases": {"prebuild": {"commands": ["x"]}}},
            concurrent_build_limit=2,
        )
