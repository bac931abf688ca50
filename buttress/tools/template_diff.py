"""What a template change does to each resource: added, changed, replaced or removed.

Pure functions over template dicts. Whether a property change replaces a resource comes from the
CloudFormation resource schemas (their ``createOnlyProperties``; ``conditionalCreateOnlyProperties``
give a *may be replaced* caution), read from the copy cfn-lint ships; a change of a logical id is a
removal plus an addition (CloudFormation deletes the old resource), reported with a note when the
two look like one resource renamed. Update-time traps no schema shows (a custom name on a replaced
resource, a KMS key spec, a traffic-shifting listener rule...) are :class:`Caution` s with the way
through.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from buttress.tools.image_source import IMAGE_SOURCE, image_source_changes

Template = Mapping[str, Any]
#: ``type -> createOnlyProperties`` pointers (``/properties/A/*/B``), or None when the type is unknown.
CreateOnly = Callable[[str], tuple[str, ...] | None]


class TemplateError(ValueError):
    """A template that is not a CloudFormation template (``[]``, a resource that is a string...)."""


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


#: :attr:`Caution.kind` values.
MAY_REPLACE = "may be replaced"
CONDITIONAL = "conditional"
UPDATE_FAILS = "update fails"
TRAFFIC_SHIFTING = "traffic shifting"
SERVICE_REPLACED = "service replaced"


@dataclass(frozen=True)
class Caution:
    """Something a deploy of this change may do that the plain diff does not show, and the way through."""

    kind: str
    """:data:`MAY_REPLACE`, :data:`CONDITIONAL` (may be deleted), :data:`UPDATE_FAILS`,
    :data:`TRAFFIC_SHIFTING`, :data:`SERVICE_REPLACED` or ``image source`` (:mod:`buttress.tools.image_source`)."""
    why: str
    fix: str = ""


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
    cautions: tuple[Caution, ...] = ()
    assets: tuple[str, ...] = ()
    """Assets (Lambda code, container images) the new resource uses that the old one did not: their
    names from the assembly's asset manifest, else ``asset <hash>``."""

    @property
    def stateful(self) -> bool:
        return self.type in STATEFUL_TYPES

    @property
    def at_risk(self) -> bool:
        """The resource deployed today may go away: replaced, removed, *may be replaced*, or
        deleted wherever a new ``Condition`` is false."""
        return self.loses_resource or any(c.kind in (MAY_REPLACE, CONDITIONAL) for c in self.cautions)

    @property
    def loses_resource(self) -> bool:
        """Replaced or removed: the resource deployed today goes away (deleted or orphaned)."""
        return self.action in ("replaced", "removed")


@cache
def _schema(type_: str) -> Mapping[str, Any] | None:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    try:
        schema: Mapping[str, Any] = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", type_).schema
    except Exception:  # cfn-lint raises its own ResourceNotFoundError for an unknown type
        return None
    return schema


def schema_create_only(type_: str) -> tuple[str, ...] | None:
    """``createOnlyProperties`` of ``type_`` from the schemas cfn-lint ships (us-east-1), None if unknown."""
    schema = _schema(type_)
    return None if schema is None else tuple(schema.get("createOnlyProperties", ()))


def schema_conditional_create_only(type_: str) -> tuple[str, ...] | None:
    """``conditionalCreateOnlyProperties`` of ``type_``: a change replaces the resource in some cases
    (a DynamoDB table's ``KeySchema``, a VPC's ``InstanceTenancy``, an ECS service's ``LaunchType``)."""
    schema = _schema(type_)
    return None if schema is None else tuple(schema.get("conditionalCreateOnlyProperties", ()))


def is_custom_resource(type_: str) -> bool:
    """A custom resource: its provider, not a schema, decides whether an update replaces it."""
    return type_.startswith("Custom::") or type_ == "AWS::CloudFormation::CustomResource"


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


_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")


def _sub_references(arg: Any) -> set[str]:
    """Logical ids named ``${Id}`` / ``${Id.Attr}`` in a ``Fn::Sub`` string (not ``${!Literal}``,
    not ``${AWS::Region}``, not a variable the ``Fn::Sub`` map defines)."""
    template, variables = (arg[0], arg[1]) if isinstance(arg, list) and len(arg) == 2 else (arg, {})
    if not isinstance(template, str):
        return set()
    defined = set(variables) if isinstance(variables, Mapping) else set()
    names = {m.group(1).split(".", 1)[0].strip() for m in _SUB_VARIABLE.finditer(template)}
    return {n for n in names if n not in defined and "::" not in n}


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
        if "Fn::Sub" in value:
            found |= _sub_references(value["Fn::Sub"])
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
    old_props, new_props = old.get("Properties") or {}, new.get("Properties") or {}
    reasons = []
    if type_ == "AWS::ECS::Service" and ("LaunchType" in old_props) != ("LaunchType" in new_props):
        # Turning spot on or off swaps LaunchType for a CapacityProviderStrategy: removing (or adding)
        # LaunchType replaces the service (https://github.com/aws/aws-cdk/issues/24907;
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-service.html).
        reasons.append("`LaunchType` added or removed (spot turned on or off): the service is replaced")
    pointers = create_only(type_)
    if pointers is None:
        return reasons
    return reasons + [
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


def check_template(template: Any, where: str) -> None:
    """:class:`TemplateError` (one line naming ``where`` and the first problem) unless ``template``
    has the shape every part of the review reads: a mapping whose ``Resources`` map logical ids to
    mappings with a string ``Type`` and mapping ``Properties``."""
    if not isinstance(template, Mapping):
        raise TemplateError(f"{where}: not a CloudFormation template (a {type(template).__name__}, not an object)")
    resources = template.get("Resources", {})
    if not isinstance(resources, Mapping):
        raise TemplateError(f"{where}: `Resources` is a {type(resources).__name__}, not an object")
    for logical_id, resource in resources.items():
        if not isinstance(resource, Mapping):
            raise TemplateError(f"{where}: resource {logical_id} is a {type(resource).__name__}, not an object")
        if not isinstance(resource.get("Type"), str):
            raise TemplateError(f"{where}: resource {logical_id} has no `Type` string")
        if not isinstance(resource.get("Properties", {}), Mapping):
            raise TemplateError(f"{where}: resource {logical_id}: `Properties` is not an object")
    for section in ("Outputs", "Conditions", "Parameters"):
        if not isinstance(template.get(section, {}), Mapping):
            raise TemplateError(f"{where}: `{section}` is not an object")


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


#: Properties holding a resource's physical name when it is not ``<Type>Name`` or ``Name``.
_NAME_PROPERTIES = {
    "AWS::EC2::SecurityGroup": "GroupName",
    "AWS::RDS::DBInstance": "DBInstanceIdentifier",
    "AWS::RDS::DBCluster": "DBClusterIdentifier",
    "AWS::ElastiCache::ReplicationGroup": "ReplicationGroupId",
    "AWS::ElastiCache::CacheCluster": "ClusterName",
}
#: KMS key properties that cannot change: "If you change the value of the KeySpec property on an
#: existing KMS key, the update request fails, regardless of the value of the UpdateReplacePolicy
#: attribute" (likewise KeyUsage, MultiRegion, Origin):
#: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html
_KMS_FIXED = ("KeySpec", "KeyUsage", "MultiRegion", "Origin")


def name_property(type_: str, create_only: CreateOnly) -> str | None:
    """The create-only property that gives ``type_`` a custom physical name, if it has one."""
    last = type_.rsplit("::", 1)[-1]
    candidates = {f"/properties/{c}" for c in (_NAME_PROPERTIES.get(type_, ""), f"{last}Name", "Name") if c}
    found = [p for p in create_only(type_) or () if p in candidates]
    return found[0].removeprefix("/properties/") if found else None


def _custom_name(type_: str, old: Mapping[str, Any], new: Mapping[str, Any], create_only: CreateOnly) -> Caution | None:
    """Replacing a resource that keeps its custom name fails: CloudFormation creates the new one first
    and the name is taken ("CloudFormation cannot update a stack when a custom-named resource requires
    replacing"): https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html
    """
    prop = name_property(type_, create_only)
    if prop is None:
        return None
    old_name, new_name = (old.get("Properties") or {}).get(prop), (new.get("Properties") or {}).get(prop)
    if old_name is None or old_name != new_name:
        return None
    return Caution(
        UPDATE_FAILS,
        f"replaced while keeping its custom name (`{prop}`): CloudFormation refuses the update "
        "(it cannot update a stack when a custom-named resource requires replacing)",
        f"change `{prop}` in the same change, or remove it so CloudFormation generates a name",
    )


def _update_cautions(
    type_: str, old: Mapping[str, Any], new: Mapping[str, Any], create_only: CreateOnly, conditional: CreateOnly
) -> list[Caution]:
    """The cautions of an update in place (a replacement's custom name is checked by the caller)."""
    old_props, new_props = old.get("Properties") or {}, new.get("Properties") or {}
    found: list[Caution] = []
    if is_custom_resource(type_):
        # A provider that answers an update with a new PhysicalResourceId replaces the resource:
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-responses.html
        if old_props != new_props:
            found.append(
                Caution(
                    MAY_REPLACE,
                    "a custom resource: its provider decides; a new PhysicalResourceId replaces it and "
                    "CloudFormation then deletes the old one",
                    "read the provider's update handler",
                )
            )
    elif create_only(type_) is None:
        found.append(Caution(MAY_REPLACE, "no resource schema for this type", "read its CloudFormation reference"))
    # conditionalCreateOnlyProperties: "may be replaced", the schema cannot say when
    # (https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html).
    for pointer in conditional(type_) or ():
        if _values(old_props, pointer) != _values(new_props, pointer):
            prop = pointer.removeprefix("/properties/")
            found.append(
                Caution(
                    MAY_REPLACE,
                    f"`{prop}` replaces the resource in some cases (conditionally create-only)",
                    f"read the `Update requires` line of `{prop}` in the CloudFormation reference",
                )
            )
    condition = new.get("Condition")
    if condition is not None and condition != old.get("Condition"):
        # A resource whose Condition is false is deleted on the update:
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/conditions-section-structure.html
        found.append(
            Caution(
                CONDITIONAL,
                f"`Condition: {condition}` set: CloudFormation deletes the resource wherever {condition} is false",
                "keep the resource unconditional, or set `DeletionPolicy: Retain` in an earlier deploy",
            )
        )
    if type_ == "AWS::KMS::Key":
        for prop in _KMS_FIXED:
            if old_props.get(prop, _MISSING) != new_props.get(prop, _MISSING):
                found.append(
                    Caution(
                        UPDATE_FAILS,
                        f"`{prop}` of a KMS key cannot change: CloudFormation fails the update",
                        "create a new key under a new logical id, move aliases and data to it, keep the old one",
                    )
                )
    if type_ == "AWS::SNS::Subscription" and "FilterPolicyScope" in old_props and "FilterPolicyScope" not in new_props:
        # https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/1840;
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-sns-subscription.html
        found.append(
            Caution(
                UPDATE_FAILS,
                "`FilterPolicyScope` removed: the update does not reset the subscription to `MessageAttributes`",
                "set `FilterPolicyScope: MessageAttributes` explicitly instead of removing it",
            )
        )
    return found


def traffic_shifting_resources(resources: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Listener rules and listeners whose weights ECS swaps on every deployment -> the service.

    An ``AWS::ECS::Service`` deploying by ``CANARY``, ``LINEAR`` or ``BLUE_GREEN`` shifts traffic by
    rewriting the forward weights of the production rule, the test rule and the test listener's
    default action named in ``LoadBalancers[].AdvancedConfiguration``
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-ecs-service-advancedconfiguration.html).
    """
    found: dict[str, str] = {}
    for service_id, service in resources.items():
        if service.get("Type") != "AWS::ECS::Service":
            continue
        props = service.get("Properties") or {}
        strategy = (props.get("DeploymentConfiguration") or {}).get("Strategy")
        if strategy not in ("CANARY", "LINEAR", "BLUE_GREEN"):
            continue
        for lb in props.get("LoadBalancers") or []:
            advanced = lb.get("AdvancedConfiguration") if isinstance(lb, Mapping) else None
            if not isinstance(advanced, Mapping):
                continue
            for key in ("ProductionListenerRule", "TestListenerRule"):
                for target in references(advanced.get(key)) & set(resources):
                    rule = resources[target]
                    if not _shifted(rule):
                        continue
                    found.setdefault(target, service_id)
                    if rule.get("Type") != "AWS::ElasticLoadBalancingV2::ListenerRule" or key != "TestListenerRule":
                        continue
                    for listener in references((rule.get("Properties") or {}).get("ListenerArn")) & set(resources):
                        if _shifted(resources[listener]):
                            found.setdefault(listener, service_id)
    return found


def _shifted(resource: Mapping[str, Any]) -> bool:
    """A listener rule (its ``Actions``) or a listener (its ``DefaultActions``) forwarding to two or
    more weighted target groups: the shape ECS rewrites."""
    props = resource.get("Properties") or {}
    if resource.get("Type") == "AWS::ElasticLoadBalancingV2::ListenerRule":
        return _weighted(props.get("Actions"))
    return resource.get("Type") == "AWS::ElasticLoadBalancingV2::Listener" and _weighted(props.get("DefaultActions"))


def _weighted(actions: Any) -> bool:
    """A forward action over two or more weighted target groups."""
    for action in actions if isinstance(actions, list) else []:
        groups = (
            ((action or {}).get("ForwardConfig") or {}).get("TargetGroups") if isinstance(action, Mapping) else None
        )
        if isinstance(groups, list) and len(groups) >= 2:
            return True
    return False


def _traffic_caution(service: str) -> Caution:
    return Caution(
        TRAFFIC_SHIFTING,
        f"ECS ({service}) swaps this rule's target-group weights on every deployment and the template "
        "declares fixed ones: the update re-applies them while live traffic may be on the other target "
        "group (https://github.com/aws/aws-cdk/issues/36649)",
        "deploy when the last ECS deployment left traffic on the template's target group (weights as "
        "declared), or check the live weights first and deploy the service change with it",
    )


#: An asset's hash as CDK writes it in a template (S3 key, image tag, ``aws:asset:path``).
_ASSET_HASH = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")


def new_assets(old: Mapping[str, Any], new: Mapping[str, Any], names: Mapping[str, str]) -> tuple[str, ...]:
    """Names of the asset hashes in ``new`` and not in ``old`` (a changed asset is a new hash)."""
    hashes = set(_ASSET_HASH.findall(json.dumps(new))) - set(_ASSET_HASH.findall(json.dumps(old)))
    return tuple(sorted({names.get(h, f"asset {h[:12]}") for h in hashes}))


def _updates(
    stack: str, old: Mapping[str, Any], new: Mapping[str, Any], create_only: CreateOnly, conditional: CreateOnly
) -> dict[str, Change]:
    """Changed and replaced resources among those in both templates."""
    changes: dict[str, Change] = {}
    for logical_id in sorted(set(old) & set(new)):
        a, b = old[logical_id], new[logical_id]
        if all(a.get(k) == b.get(k) for k in _COMPARED):
            continue
        type_ = str(b.get("Type"))
        reasons = _replacement_reasons(type_, a, b, create_only)
        cautions = _update_cautions(type_, a, b, create_only, conditional)
        if reasons:
            cautions = [c for c in cautions if c.kind != MAY_REPLACE]
        if reasons and reasons[0].startswith("`LaunchType` added or removed"):
            # A stateless service, so not in the stateful block, but a new service is a new deployment
            # with its own tasks, and the old one is deleted (https://github.com/aws/aws-cdk/issues/24907).
            cautions.append(
                Caution(
                    SERVICE_REPLACED,
                    "turning spot on or off replaces the ECS service: a new service starts its tasks, "
                    "then CloudFormation deletes the old one (and what refers to it is replaced too)",
                    "deploy when a short overlap of both services is acceptable; a custom `ServiceName` "
                    "must change in the same change",
                )
            )
        changes[logical_id] = Change(
            stack,
            logical_id,
            type_,
            "replaced" if reasons else "changed",
            _changed_keys(a, b),
            tuple(reasons),
            *_policies(a),
            cautions=tuple(cautions),
        )
    return changes


def diff_templates(
    stack: str,
    before: Template,
    after: Template,
    *,
    create_only: CreateOnly = schema_create_only,
    conditional: CreateOnly = schema_conditional_create_only,
    asset_names: Mapping[str, str] | None = None,
) -> list[Change]:
    """Every resource change from ``before`` to ``after`` (either may be ``{}``), by logical id.

    ``asset_names`` (asset hash -> what it is built from) names the assets a change brings in.

    :class:`TemplateError` when either is not a template (:func:`check_template`).
    """
    check_template(before, f"{stack} (before)")
    check_template(after, f"{stack} (after)")
    old, new = _resources(before), _resources(after)
    removed = sorted(set(old) - set(new))
    added = sorted(set(new) - set(old))
    renames = _renames(old, new, removed, added)
    changes = _updates(stack, old, new, create_only, conditional)
    gone = set(removed) | {k for k, c in changes.items() if c.action == "replaced"}
    for logical_id, why in _cascade(old, new, gone, create_only).items():
        keys = changes[logical_id].properties if logical_id in changes else ()
        kept = changes[logical_id].cautions if logical_id in changes else ()
        type_ = str(new[logical_id].get("Type"))
        changes[logical_id] = Change(
            stack,
            logical_id,
            type_,
            "replaced",
            keys,
            (why,),
            *_policies(old[logical_id]),
            cautions=tuple(c for c in kept if c.kind != MAY_REPLACE),
        )
    shifting = traffic_shifting_resources(new)
    for logical_id, change in list(changes.items()):
        assets = new_assets(old[logical_id], new[logical_id], asset_names or {})
        if assets:
            change = changes[logical_id] = replace(change, assets=assets)
        extra = []
        if change.action == "replaced":
            named = _custom_name(change.type, old[logical_id], new[logical_id], create_only)
            extra += [named] if named else []
        if logical_id in shifting:
            extra.append(_traffic_caution(shifting[logical_id]))
        extra += [
            Caution(IMAGE_SOURCE, f"the image source changed: {moved}", "say who deploys images from now on")
            for moved in image_source_changes(before, after, logical_id)
        ]
        if extra:
            changes[logical_id] = replace(change, cautions=change.cautions + tuple(extra))
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
