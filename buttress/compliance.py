"""The compliance checks the example app runs on every synthesis, for your own app too.

``plugins(app)`` returns the five cdk-nag rule packs (AwsSolutions, NIST 800-53 rev 5, HIPAA
Security, PCI DSS 3.2.1, Serverless) and the AWS Control Tower proactive controls (cfn-guard, through
``cdklabs.cdk-validator-cfnguard``) as policy-validation plugins::

    from aws_cdk import Validations
    from buttress import compliance

    Validations.of(app).add_plugins(*compliance.plugins(app))

Call it after the stacks are built (see :func:`control_tower_rules`). Any finding that is not
acknowledged fails ``synth()``. buttress's constructs acknowledge, on
the one resource and with the reason, each finding that does not apply to them
(:mod:`buttress.parts.nag`); docs/security.md lists them. ``cdk-nag`` and
``cdklabs.cdk-validator-cfnguard`` are not dependencies of buttress: install them to use this.

A cfn-guard finding is acknowledged like a cdk-nag one, on the resource, with the plugin's name
as prefix (``cdk-validator-cfnguard::s3_bucket_logging_enabled_check``), through
:func:`buttress.parts.nag.acknowledge`; aws-cdk-lib matches it against the violating resource's
construct path. The Control Tower rules
themselves honour no per-resource metadata.
"""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, cast

import jsii
from aws_cdk import (
    CfnResource,
    IPolicyValidationContextBeta1,
    IPolicyValidationPlugin,
    IPolicyValidationPluginBeta1,
    PolicyValidationPluginReportBeta1,
    PolicyViolatingResourceBeta1,
    PolicyViolationBeta1,
)
from constructs import IConstruct

#: The cfn-guard plugin's name: acknowledgement ids are ``cdk-validator-cfnguard::<rule>``.
GUARD_PLUGIN = "cdk-validator-cfnguard"
_METADATA_PREFIX = "package/rules/control-tower/metadata/"


def plugins(app: IConstruct) -> list[IPolicyValidationPlugin]:
    """The five cdk-nag packs and the Control Tower rules, ready for ``Validations.add_plugins``."""
    import cdk_nag

    packs: list[IPolicyValidationPlugin] = [
        cdk_nag.AwsSolutionsChecks(app),
        cdk_nag.NIST80053R5Checks(app),
        cdk_nag.HIPAASecurityChecks(app),
        cdk_nag.PCIDSS321Checks(app),
        cdk_nag.ServerlessChecks(app),
    ]
    return [*packs, control_tower_rules(app)]


@cache
def control_tower_rule_types() -> dict[str, frozenset[str]]:
    """Rule file name (``ct-s3-pr-1``) -> the resource types it evaluates, from the rules' metadata."""
    import cdklabs.cdk_validator_cfnguard as guard

    tgz = next((Path(guard.__file__).parent / "_jsii").glob("*.tgz"))
    types: dict[str, frozenset[str]] = {}
    with tarfile.open(tgz, "r:gz") as archive:
        for member in archive:
            if member.name.startswith(_METADATA_PREFIX) and member.name.endswith(".metadata.json"):
                handle = archive.extractfile(member)
                if handle is not None:
                    name = Path(member.name).name.removesuffix(".metadata.json")
                    types[name] = frozenset(json.load(handle)["EvaluatedResourceTypes"])
    return types


def rules_not_applicable(rule_types: dict[str, frozenset[str]], present: Iterable[str]) -> list[str]:
    """The rules none of whose evaluated resource types is ``present`` (they could only SKIP)."""
    present_types = set(present)
    return sorted(name for name, types in rule_types.items() if not types & present_types)


def resource_types(scope: IConstruct) -> set[str]:
    """Every CloudFormation resource type under ``scope`` (the app, once its stacks are built)."""
    return {node.cfn_resource_type for node in scope.node.find_all() if isinstance(node, CfnResource)}


def control_tower_rules(app: IConstruct, *, disabled_rules: Sequence[str] = ()) -> IPolicyValidationPlugin:
    """The Control Tower rules (``CfnGuardValidator``) that evaluate a resource type ``app`` contains.

    Call it once the stacks are built. A rule for a type the app does not contain could only
    report SKIP; leaving it out saves cfn-guard parsing it (about 3 s of CPU per synthesis for
    all ~240). The rules run through ``CfnGuardValidator`` itself, grouped by the resource types
    they evaluate (:class:`GroupedGuardValidator`), so findings and acknowledgement ids are
    exactly its own.

    :param disabled_rules: rule file names (``ct-s3-pr-1``) never to run.
    """
    rule_types = control_tower_rule_types()
    skipped = set(disabled_rules) | set(rules_not_applicable(rule_types, resource_types(app)))
    active = {name: types for name, types in rule_types.items() if name not in skipped}
    # The plugin implements the Beta1 interface that add_plugins accepts; jsii's stubs name the newer one.
    return cast(IPolicyValidationPlugin, GroupedGuardValidator(active))


def rule_groups(rule_types: Mapping[str, frozenset[str]]) -> dict[frozenset[str], list[str]]:
    """Resource types -> the rules (file names) that evaluate exactly those types."""
    groups: dict[frozenset[str], list[str]] = {}
    for name, types in sorted(rule_types.items()):
        groups.setdefault(types, []).append(name)
    return groups


def reduced_template(template: Mapping[str, Any], types: frozenset[str]) -> dict[str, Any] | None:
    """``template`` with the resources of ``types`` and what they reference (None when it has none of ``types``).

    That is all a rule evaluating ``types`` reads: its query selects resources by type, and its
    checks follow references from them (``check_local_references`` resolves a ``Ref`` or
    ``Fn::GetAtt`` to the resource it names, so a referenced resource of another type must stay).
    Every key but ``Resources`` is kept as it is.
    """
    resources: Mapping[str, Any] = template.get("Resources", {})
    keep = [k for k, v in resources.items() if v.get("Type") in types]
    if not keep:
        return None
    kept = set(keep)
    while keep:
        for name in _mentioned(resources[keep.pop()], resources):
            if name not in kept:
                kept.add(name)
                keep.append(name)
    return {**template, "Resources": {k: v for k, v in resources.items() if k in kept}}


def _mentioned(value: Any, resources: Mapping[str, Any]) -> set[str]:
    """The logical ids ``value`` names anywhere: a string equal to one, ``X.Attr``, or ``${X}`` in a ``Fn::Sub``."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            for token in [item, item.split(".")[0], *(t.split("}")[0].split(".")[0] for t in item.split("${")[1:])]:
                if token in resources:
                    found.add(token)
    return found


@jsii.implements(IPolicyValidationContextBeta1)
class _Templates:
    """The validation context handed to one group's ``CfnGuardValidator``: the reduced templates."""

    def __init__(self, paths: list[str], app_construct: Any) -> None:
        self._paths = paths
        self._app = app_construct

    @property
    def template_paths(self) -> list[str]:
        return self._paths

    @property
    def app_construct(self) -> Any:
        return self._app


@jsii.implements(IPolicyValidationPluginBeta1)
class GroupedGuardValidator:
    """``CfnGuardValidator`` run once per group of rules that evaluate the same resource types.

    cfn-guard evaluates every rule file against a fresh copy of every data file (a copy per
    pair, through a slow allocator): measured on the example app, one invocation with the 58
    applicable rule files and the six templates spent ~2 s of CPU, mostly in malloc/free, memcpy
    and page faults (perf), while the JSON conversion and the Node side were a few percent. Each
    group here gets only the templates' resources of the types its rules evaluate (the rules'
    own ``EvaluatedResourceTypes`` metadata; every other key of the template is kept), which cut
    that to ~0.8 s. The findings are the same: a rule can only match resources of the types it
    evaluates (``tests/test_compliance.py`` compares both on the example app). Violations point
    at the original templates, so acknowledgements match as before.
    """

    def __init__(self, rule_types: Mapping[str, frozenset[str]]) -> None:
        from cdklabs.cdk_validator_cfnguard import CfnGuardValidator

        all_rules = control_tower_rule_types()
        self._groups: list[tuple[frozenset[str], Any]] = [
            (types, CfnGuardValidator(disabled_rules=sorted(set(all_rules) - set(names))))
            for types, names in rule_groups(rule_types).items()
        ]
        self._version = str(CfnGuardValidator().version)
        self._rule_ids = sorted(name.replace("ct-", "").replace("-", "") for name in rule_types)

    @property
    def name(self) -> str:
        return GUARD_PLUGIN

    @property
    def version(self) -> str:
        return self._version

    @property
    def rule_ids(self) -> list[str]:
        return self._rule_ids

    @jsii.member(jsii_name="validate")
    def validate(self, context: IPolicyValidationContextBeta1) -> PolicyValidationPluginReportBeta1:
        originals = {path: json.loads(Path(path).read_text()) for path in context.template_paths}
        workdir = Path(tempfile.mkdtemp(prefix="buttress-guard-"))
        violations: list[PolicyViolationBeta1] = []
        success = True
        try:
            for index, (types, validator) in enumerate(self._groups):
                back: dict[str, str] = {}
                for path, template in originals.items():
                    reduced = reduced_template(template, types)
                    if reduced is not None:
                        copy = workdir / str(index) / Path(path).name
                        copy.parent.mkdir(exist_ok=True)
                        copy.write_text(json.dumps(reduced))
                        back[str(copy)] = path
                if not back:
                    continue
                report = validator.validate(_Templates(list(back), context.app_construct))
                success = success and report.success
                violations += [_pointing_at(v, back) for v in report.violations]
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        return PolicyValidationPluginReportBeta1(success=success, violations=violations)


def _pointing_at(violation: PolicyViolationBeta1, back: Mapping[str, str]) -> PolicyViolationBeta1:
    """``violation`` with each resource's template path mapped from the reduced copy to the original."""
    resources = [
        PolicyViolatingResourceBeta1(
            locations=list(r.locations),
            resource_logical_id=r.resource_logical_id,
            template_path=back.get(r.template_path, r.template_path),
        )
        for r in violation.violating_resources
    ]
    return PolicyViolationBeta1(
        description=violation.description,
        rule_name=violation.rule_name,
        violating_resources=resources,
        fix=violation.fix,
        rule_metadata=violation.rule_metadata,
        severity=violation.severity,
    )
