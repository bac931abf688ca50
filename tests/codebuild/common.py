"""What the VpcCodeBuild tests share: build specs, template lookups, a build in the errors stack."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from buttress import Network, VpcCodeBuild

SPEC: dict[str, Any] = {"version": "0.2", "phases": {"build": {"commands": ["pytest"]}}}
SPEC_WITH_ARTIFACTS: dict[str, Any] = {**SPEC, "artifacts": {"files": ["report.xml"]}}
#: Construct ids in the module-scoped stacks the tests share.
IDS = itertools.count()


def only(template: Template, type_: str) -> tuple[str, Any]:
    found = template.find_resources(type_)
    assert len(found) == 1, sorted(found)
    return next(iter(found.items()))


def project_of(template: Template) -> Any:
    return only(template, "AWS::CodeBuild::Project")[1]


def only_policy(template: Template, name_part: str) -> tuple[str, Any]:
    found = {k: v for k, v in template.find_resources("AWS::IAM::Policy").items() if name_part in k}
    assert len(found) == 1, sorted(found)
    return next(iter(found.items()))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def build_in(errors_stack: tuple[Stack, Network], **props: Any) -> VpcCodeBuild:
    stack, network = errors_stack
    props.setdefault("build_spec", SPEC)
    props.setdefault("concurrent_build_limit", 2)
    return VpcCodeBuild(stack, f"Build{next(IDS)}", vpc=network, **props)


def synth_error(stack: Stack) -> str:
    """The message of the validation error synthesizing ``stack`` raises."""
    with pytest.raises(RuntimeError, match="Validation failed") as err:
        Template.from_stack(stack)
    return str(err.value)
