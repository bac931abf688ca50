"""What a template change does to each resource: added, changed, replaced or removed.

Pure functions over template dicts. Whether a property change replaces a resource comes from the
CloudFormation resource schemas (their ``createOnlyProperties``), read from the copy cfn-lint
ships; a change of a logical id is a removal plus an addition (CloudFormation deletes the old
resource), reported with a note when the two look like one resource renamed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

Template = Mapping[str, Any]
#: ``type -> createOnlyProperties`` pointers (``/properties/A/*/B``), or None when the type is unknown.
CreateOnly = Callable[[str], tuple[str, ...] | None]

#: Types that hold data or identity a replacement or deletion loses.
STATEFUL_TYPES: frozenset[str] = frozenset(
    {
        "AWS::Backup::BackupVault",
        "AWS::Cognito::UserPool",
        "AWS::DocDB::DBCluster",
        "AWS::DynamoDB::GlobalTable",
        "AWS::DynamoDB::Table",
        "AWS::EC2::EIP",
        "AWS::EC2::Subnet",
        "AWS::EC2::VPC",
        "AWS::EC2::Volume",
        "AWS::ECR::Repository",
        "AWS::EFS::FileSystem",
        "AWS::ElastiCache::CacheCluster",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::ElastiCache::ServerlessCache",
        "AWS::Elasticsearch::Domain",
        "AWS::FSx::FileSystem",
        "AWS::KMS::Key",
        "AWS::Kinesis::Stream",
        "AWS::Logs::LogGroup",
        "AWS::Neptune::DBCluster",
        "AWS::OpenSearchService::Domain",
        "AWS::RDS::DBCluster",
        "AWS::RDS::DBInstance",
        "AWS::Redshift::Cluster",
        "AWS::S3::Bucket",
        "AWS::S3Express::DirectoryBucket",
        "AWS::SNS::Topic",
        "AWS::SQS::Queue",
        "AWS::SecretsManager::Secret",
        "AWS::Timestream::Table",
    }
)
#: Resource attributes whose change is a change of the resource (``Metadata`` and ``DependsOn`` are not).
_COMPARED = (
    "Type",
    "Properties",
    "Condition",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "UpdatePolicy",
    "CreationPolicy",
)
#: CloudFormation's DeletionPolicy when the template sets none.
_DEFAULT_DELETION = {"AWS::RDS::DBCluster": "Snapshot", "AWS::RDS::DBInstance": "Snapshot"}
_MISSING = "<absent>"


@dataclass(frozen=True)
class Change:
    """One resource of one stack whose deployment would change."""

    stack: str
    logical_id: str
    type: str
    action: str
    """``added``, ``removed``, ``changed`` or ``replaced``."""
    properties: tuple[str, ...] = ()
    """Changed properties (and resource attributes such as ``DeletionPolicy``)."""
    reasons: tuple[str, ...] = ()
    """Why it is replaced, or a note (a rename, a schema the tool does not know)."""
    deletion_policy: str = ""
    update_replace_policy: str = ""
    renamed_to: str = ""
    """For a removal that looks like a rename: the new logical id."""

    @property
    def stateful(self) -> bool:
        return self.type in STATEFUL_TYPES

    @property
    def loses_resource(self) -> bool:
        """Replaced or removed: the resource deployed today goes away (deleted or orphaned)."""
        return self.action in ("replaced", "removed")


@cache
def schema_create_only(type_: str) -> tuple[str, ...] | None:
    """``createOnlyProperties`` of ``type_`` from the schemas cfn-lint ships (us-east-1), None if unknown."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", type_)
    except Exception:  # cfn-lint raises its own ResourceNotFoundError for an unknown type
        return None
    return tuple(schema.schema.get("createOnlyProperties", ()))


def _at(value: Any, parts: list[str]) -> Iterator[Any]:
    """Every value at a schema pointer below ``value`` (``*`` walks a list or a map)."""
    if not parts:
        yield value
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        items = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else []
        for item in items:
            yield from _at(item, rest)
    elif isinstance(value, dict) and head in value:
        yield from _at(value[head], rest)


def _values(properties: Any, pointer: str) -> list[str]:
    parts = pointer.strip("/").split("/")[1:]  # drop the leading "properties"
    found = sorted(json.dumps(v, sort_keys=True) for v in _at(properties, parts))
    return found or [_MISSING]


def references(value: Any) -> set[str]:
    """Logical ids ``value`` refers to (``Ref``, ``Fn::GetAtt``, ``${Id}`` in ``Fn::Sub``)."""
    found: set[str] = set()
    if isinstance(value, dict):
        if isinstance(value.get("Ref"), str):
            found.add(value["Ref"])
        att = value.get("Fn::GetAtt")
        if isinstance(att, list) and att and isinstance(att[0], str):
            found.add(att[0])
        elif isinstance(att, str):
            found.add(att.split(".", 1)[0])
        for item in value.values():
            found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


def _changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    keys: list[str] = []
    old_props, new_props = old.get("Properties") or {}, new.get("Properties") or {}
    for name in sorted(set(old_props) | set(new_props)):
        if old_props.get(name, _MISSING) != new_props.get(name, _MISSING):
            keys.append(name)
    keys += [attr for attr in _COMPARED[2:] if old.get(attr) != new.get(attr)]
    return tuple(keys)


def _replacement_reasons(
    type_: str, old: Mapping[str, Any], new: Mapping[str, Any], create_only: CreateOnly
) -> list[str]:
    if old.get("Type") != new.get("Type"):
        return [f"type changed from {old.get('Type')}: CloudFormation rejects this, rename the logical id"]
    pointers = create_only(type_)
    if pointers is None:
        return []
    old_props, new_props = old.get("Properties") or {}, new.get("Properties") or {}
    return [
        f"`{p.removeprefix('/properties/')}` is create-only"
        for p in pointers
        if _values(old_props, p) != _values(new_props, p)
    ]


def _cascade(
    old_resources: Mapping[str, Any], new_resources: Mapping[str, Any], gone: set[str], create_only: CreateOnly
) -> dict[str, str]:
    """Resources replaced because a create-only property refers to a resource replaced or removed."""
    cascaded: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for logical_id, new in new_resources.items():
            if logical_id in gone or logical_id not in old_resources:
                continue
            pointers = create_only(str(new.get("Type"))) or ()
            props = new.get("Properties") or {}
            for pointer in pointers:
                parts = pointer.strip("/").split("/")[1:]
                hit = sorted(set().union(*(references(v) for v in _at(props, parts))) & gone)
                if hit:
                    cascaded[logical_id] = f"`{pointer.removeprefix('/properties/')}` refers to {hit[0]}, replaced"
                    gone.add(logical_id)
                    changed = True
                    break
    return cascaded


def _policies(resource: Mapping[str, Any]) -> tuple[str, str]:
    type_ = str(resource.get("Type"))
    deletion = resource.get("DeletionPolicy") or f"{_DEFAULT_DELETION.get(type_, 'Delete')} (default)"
    replace = resource.get("UpdateReplacePolicy") or "Delete (default)"
    return str(deletion), str(replace)


def _resources(template: Template) -> dict[str, Mapping[str, Any]]:
    return {
        k: v
        for k, v in (template.get("Resources") or {}).items()
        if isinstance(v, Mapping) and v.get("Type") != "AWS::CDK::Metadata"
    }


def _renames(old: Mapping[str, Any], new: Mapping[str, Any], removed: list[str], added: list[str]) -> dict[str, str]:
    """Removed id -> added id, for pairs with the same type and properties (after earlier renames)."""
    found: dict[str, str] = {}
    progress = True
    while progress:
        progress = False
        for gone in removed:
            if gone in found:
                continue
            for came in added:
                if came in found.values() or old[gone].get("Type") != new[came].get("Type"):
                    continue
                text = json.dumps(old[gone].get("Properties") or {}, sort_keys=True)
                for before, after in found.items():
                    text = text.replace(f'"{before}"', f'"{after}"')
                if text == json.dumps(new[came].get("Properties") or {}, sort_keys=True):
                    found[gone] = came
                    progress = True
                    break
    return found


def _updates(stack: str, old: Mapping[str, Any], new: Mapping[str, Any], create_only: CreateOnly) -> dict[str, Change]:
    """Changed and replaced resources among those in both templates."""
    changes: dict[str, Change] = {}
    for logical_id in sorted(set(old) & set(new)):
        a, b = old[logical_id], new[logical_id]
        if all(a.get(k) == b.get(k) for k in _COMPARED):
            continue
        type_ = str(b.get("Type"))
        reasons = _replacement_reasons(type_, a, b, create_only)
        notes = [] if create_only(type_) is not None else ["no resource schema for this type: may be replaced"]
        changes[logical_id] = Change(
            stack,
            logical_id,
            type_,
            "replaced" if reasons else "changed",
            _changed_keys(a, b),
            tuple(reasons or notes),
            *_policies(a),
        )
    return changes


def diff_templates(
    stack: str, before: Template, after: Template, *, create_only: CreateOnly = schema_create_only
) -> list[Change]:
    """Every resource change from ``before`` to ``after`` (either may be ``{}``), by logical id."""
    old, new = _resources(before), _resources(after)
    removed = sorted(set(old) - set(new))
    added = sorted(set(new) - set(old))
    renames = _renames(old, new, removed, added)
    changes = _updates(stack, old, new, create_only)
    gone = set(removed) | {k for k, c in changes.items() if c.action == "replaced"}
    for logical_id, why in _cascade(old, new, gone, create_only).items():
        keys = changes[logical_id].properties if logical_id in changes else ()
        type_ = str(new[logical_id].get("Type"))
        changes[logical_id] = Change(stack, logical_id, type_, "replaced", keys, (why,), *_policies(old[logical_id]))
    renamed_from = {v: k for k, v in renames.items()}
    for logical_id in removed:
        to = renames.get(logical_id)
        note = (f"renamed to {to}? CloudFormation deletes this one and creates that one",) if to else ()
        type_ = str(old[logical_id].get("Type"))
        policies = _policies(old[logical_id])
        changes[logical_id] = Change(stack, logical_id, type_, "removed", (), note, *policies, renamed_to=to or "")
    for logical_id in added:
        note = (f"renamed from {renamed_from[logical_id]}?",) if logical_id in renamed_from else ()
        changes[logical_id] = Change(stack, logical_id, str(new[logical_id].get("Type")), "added", (), note)
    return [changes[k] for k in sorted(changes)]
