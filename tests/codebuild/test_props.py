"""VpcCodeBuildProps and VpcCodeBuild's signature are the same props: names, order and defaults agree."""

from __future__ import annotations

import dataclasses
import inspect

import buttress.codebuild
from buttress import VpcCodeBuild
from buttress.codebuild import VpcCodeBuildProps


def _keyword_only() -> dict[str, inspect.Parameter]:
    parameters = inspect.signature(VpcCodeBuild.__init__).parameters.values()
    return {p.name: p for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY}


def test_the_dataclass_fields_are_the_keyword_only_parameters() -> None:
    assert [field.name for field in dataclasses.fields(VpcCodeBuildProps)] == list(_keyword_only())


def test_defaults_agree() -> None:
    parameters = _keyword_only()
    for field in dataclasses.fields(VpcCodeBuildProps):
        parameter = parameters[field.name]
        if field.default is dataclasses.MISSING:
            assert parameter.default is inspect.Parameter.empty, field.name
        else:
            # The same object: the checks tell a given artifact_expiration from the default by identity.
            assert parameter.default is field.default, field.name


def test_annotations_agree() -> None:
    # Both modules use ``from __future__ import annotations``: the annotations are the source text.
    parameters = _keyword_only()
    for field in dataclasses.fields(VpcCodeBuildProps):
        assert parameters[field.name].annotation == field.type, field.name


def test_the_old_module_names_are_still_importable() -> None:
    for name in ("VpcCodeBuild", "ENI_ACTIONS", "CAPACITY_WARNING_ID"):
        assert hasattr(buttress.codebuild, name), name
