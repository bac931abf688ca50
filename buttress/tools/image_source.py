"""Where a task definition's container images come from, and a review caution when that changes.

Pure: templates in, strings out; imports no construct. A container image is fixed in the template
(a registry name), a CDK asset (built by ``cdk deploy``), a CloudFormation parameter (of type
``AWS::SSM::Parameter::Value<String>``: the tag CI writes to SSM, re-read on every deploy,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-supplied-parameter-types.html)
or a ``{{resolve:ssm:...}}`` dynamic reference. Moving between them changes who decides what runs:
``buttress-review`` says so (:func:`image_source_cautions`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

#: The caution kind ``buttress-review`` lists.
IMAGE_SOURCE = "image source"
_SSM_TYPE = "AWS::SSM::Parameter::Value<String>"
_ASSET = re.compile(r"container-assets|(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")


def image_source(image: object, parameters: Mapping[str, Any]) -> str:
    """One container's image source, in words."""
    text = json.dumps(image)
    refs = _refs(image)
    for ref in refs:
        declared = parameters.get(ref, {})
        if declared.get("Type") == _SSM_TYPE:
            return f"SSM parameter {declared.get('Default', ref)} (written by CI, re-read on every deploy)"
    if refs:
        return f"CloudFormation parameter {refs[0]}"
    if "{{resolve:ssm" in text:
        return "SSM dynamic reference (read when the template changes)"
    if _ASSET.search(text):
        return "CDK asset (built and pushed by cdk deploy)"
    return "fixed in the template" if isinstance(image, str) else "computed in the template"


def image_sources(template: Mapping[str, Any], logical_id: str) -> dict[str, str]:
    """Container name -> image source, for the task definition ``logical_id`` (empty if it is none)."""
    resource = (template.get("Resources") or {}).get(logical_id) or {}
    if resource.get("Type") != "AWS::ECS::TaskDefinition":
        return {}
    parameters = template.get("Parameters") or {}
    containers = (resource.get("Properties") or {}).get("ContainerDefinitions") or []
    return {
        str(c.get("Name", index)): image_source(c.get("Image"), parameters)
        for index, c in enumerate(containers)
        if isinstance(c, Mapping)
    }


def image_source_changes(before: Mapping[str, Any], after: Mapping[str, Any], logical_id: str) -> list[str]:
    """``container: old -> new`` for each container of ``logical_id`` whose image source changed."""
    old, new = image_sources(before, logical_id), image_sources(after, logical_id)
    return [f"{name}: {old[name]} -> {new[name]}" for name in sorted(set(old) & set(new)) if old[name] != new[name]]


def _refs(value: object) -> list[str]:
    if isinstance(value, Mapping):
        found = [str(value["Ref"])] if "Ref" in value and not str(value["Ref"]).startswith("AWS::") else []
        return found + [r for v in value.values() for r in _refs(v)]
    if isinstance(value, list):
        return [r for v in value for r in _refs(v)]
    return []
