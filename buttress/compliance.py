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

import hashlib
import json
import os
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
    # Reading them means decompressing the whole 12 MB package (~0.2 s per process): with a report
    # cache folder, the result is kept there too, under the package file's name and size.
    folder = os.environ.get(CACHE_ENV)
    kept = Path(folder) / f"rule-types-{tgz.name}-{tgz.stat().st_size}.json" if folder else None
    if kept is not None and kept.exists():
        return {name: frozenset(t) for name, t in json.loads(kept.read_text()).items()}
    types: dict[str, frozenset[str]] = {}
    with tarfile.open(tgz, "r:gz") as archive:
        for member in archive:
            if member.name.startswith(_METADATA_PREFIX) and member.name.endswith(".metadata.json"):
                handle = archive.extractfile(member)
                if handle is not None:
                    name = Path(member.name).name.removesuffix(".metadata.json")
                    types[name] = frozenset(json.load(handle)["EvaluatedResourceTypes"])
    if kept is not None:
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps({name: sorted(t) for name, t in types.items()}))
        partial.replace(kept)
    return types


def rules_not_applicable(rule_types: dict[str, frozenset[str]], present: Iterable[str]) -> list[str]:
    """The rules none of whose evaluated resource types is ``present`` (they could only SKIP)."""
    present_types = set(present)
    return sorted(name for name, types in rule_types.items() if not types & present_types)


def resource_types(scope: IConstruct) -> set[str]:
    """Every CloudFormation resource type under ``scope`` (the app, once its stacks are built)."""
    return {node.cfn_resource_type for node in scope.node.find_all() if isinstance(node, CfnResource)}


#: Environment variable naming a folder where the Control Tower rules' reports are kept (see
#: :class:`GroupedGuardValidator`); the Makefile sets it for ``make synth`` and the tests.
CACHE_ENV = "BUTTRESS_GUARD_CACHE"


def control_tower_rules(
    app: IConstruct, *, disabled_rules: Sequence[str] = (), cache_dir: Path | None = None
) -> IPolicyValidationPlugin:
    """The Control Tower rules (``CfnGuardValidator``) that evaluate a resource type ``app`` contains.

    Call it once the stacks are built. A rule for a type the app does not contain could only
    report SKIP; leaving it out saves cfn-guard parsing it (about 3 s of CPU per synthesis for
    all ~240). The rules run through ``CfnGuardValidator`` itself, grouped by the resource types
    they evaluate (:class:`GroupedGuardValidator`), so findings and acknowledgement ids are
    exactly its own.

    :param disabled_rules: rule file names (``ct-s3-pr-1``) never to run.
    :param cache_dir: where to keep each group's report by a hash of its inputs (default: the
        folder ``$BUTTRESS_GUARD_CACHE`` names, else no cache).
    """
    if cache_dir is None and os.environ.get(CACHE_ENV):
        cache_dir = Path(os.environ[CACHE_ENV])
    rule_types = control_tower_rule_types()
    skipped = set(disabled_rules) | set(rules_not_applicable(rule_types, resource_types(app)))
    active = {name: types for name, types in rule_types.items() if name not in skipped}
    # The plugin implements the Beta1 interface that add_plugins accepts; jsii's stubs name the newer one.
    return cast(IPolicyValidationPlugin, GroupedGuardValidator(active, cache_dir=cache_dir))


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

    What the plugin spent its time on (example app, 58 applicable rule files, six templates,
    one ``cfn-guard validate`` process): ~2 s of CPU in the ``cfn-guard`` binary itself, which
    evaluates every rule file against its own copy of every data file, so most of it is musl
    malloc/free, memcpy and page faults (``perf``, 60,000 mmap/munmap calls); the JSON
    conversion and the Node side were a few percent. Each group here gets only the templates'
    resources of the types its rules evaluate (the rules' ``EvaluatedResourceTypes`` metadata)
    and the resources those reference (see :func:`reduced_template`), which cut the binary's
    CPU by about a third. The findings are the same (``tests/test_compliance.py`` compares the
    two on the example app); violations point at the original templates, so acknowledgements
    match as before.

    With ``cache_dir``, each group's report is kept under a hash of the plugin version, the
    group's rule names and its reduced templates, so a synthesis whose templates did not change
    for a group does not run cfn-guard for it again (same inputs, same binary: same report).
    """

    def __init__(self, rule_types: Mapping[str, frozenset[str]], *, cache_dir: Path | None = None) -> None:
        self._all_rules = sorted(control_tower_rule_types())
        self._groups = list(rule_groups(rule_types).items())
        self._validators: dict[int, Any] = {}
        self._version = _plugin_version()
        self._rule_ids = sorted(name.replace("ct-", "").replace("-", "") for name in rule_types)
        self._cache_dir = cache_dir

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
        violations: list[PolicyViolationBeta1] = []
        success = True
        with tempfile.TemporaryDirectory(prefix="buttress-guard-") as tmp:
            for index, (types, names) in enumerate(self._groups):
                reduced = {p: r for p, t in originals.items() if (r := reduced_template(t, types)) is not None}
                if not reduced:
                    continue
                report = self._report(index, names, reduced, Path(tmp), context.app_construct)
                success = success and bool(report["success"])
                paths = list(reduced)
                violations += [_violation(v, paths) for v in report["violations"]]
        return PolicyValidationPluginReportBeta1(success=success, violations=violations)

    def _report(
        self, index: int, names: list[str], reduced: Mapping[str, Any], tmp: Path, app_construct: Any
    ) -> dict[str, Any]:
        """One group's report as JSON data, violating resources naming templates by position in ``reduced``."""
        texts = {path: json.dumps(template, sort_keys=True) for path, template in reduced.items()}
        cached: Path | None = None
        if self._cache_dir is not None:
            digest = hashlib.sha256(json.dumps([self._version, names, [Path(p).name for p in texts]]).encode())
            for text in texts.values():
                digest.update(text.encode())
            cached = self._cache_dir / f"{digest.hexdigest()[:32]}.json"
            if cached.exists():
                os.utime(cached)  # in use: kept by the tests' week-long clean-up (tests/conftest.py)
                found: dict[str, Any] = json.loads(cached.read_text())
                return found
        copies: dict[str, int] = {}
        for position, (path, text) in enumerate(texts.items()):
            copy = tmp / str(index) / str(position) / Path(path).name
            copy.parent.mkdir(parents=True)
            copy.write_text(text)
            copies[str(copy)] = position
        try:
            report = self._validator(index, names).validate(_Templates(list(copies), app_construct))
        except Exception as error:  # jsii surfaces the plugin's own failure as a RuntimeError or JSIIError
            # Seen with cdklabs-cdk-validator-cfnguard 0.0.62: a violation it cannot place (no logical id)
            # fails the whole plugin with a serialization error that names no rule.
            templates = ", ".join(Path(p).name for p in reduced)
            raise RuntimeError(
                f"the Control Tower rules {', '.join(names)} could not be evaluated on {templates}: the "
                f"cfn-guard plugin failed ({str(error).splitlines()[0]}). One of them fails on a resource the "
                "plugin cannot name: check the resources of their types against the rules' fixes "
                "(https://github.com/cdklabs/cdk-validator-cfnguard#bundled-control-tower-rules), or skip them "
                "with compliance.control_tower_rules(app, disabled_rules=[...])"
            ) from error
        data = {
            "success": report.success,
            "violations": [
                {
                    "rule_name": v.rule_name,
                    "description": v.description,
                    "fix": v.fix,
                    "rule_metadata": dict(v.rule_metadata) if v.rule_metadata else None,
                    "severity": v.severity,
                    "resources": [
                        [r.resource_logical_id, copies[r.template_path], list(r.locations)]
                        for r in v.violating_resources
                    ],
                }
                for v in report.violations
            ],
        }
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps(data))
            partial.replace(cached)  # whole or absent for a concurrent reader
        return data

    def _validator(self, index: int, names: list[str]) -> Any:
        if index not in self._validators:
            from cdklabs.cdk_validator_cfnguard import CfnGuardValidator

            self._validators[index] = CfnGuardValidator(disabled_rules=sorted(set(self._all_rules) - set(names)))
        return self._validators[index]


@cache
def _plugin_version() -> str:
    from importlib import metadata

    return metadata.version("cdklabs.cdk-validator-cfnguard")


def _violation(data: Mapping[str, Any], paths: list[str]) -> PolicyViolationBeta1:
    """A violation from :meth:`GroupedGuardValidator._report` data, pointing at the original templates."""
    return PolicyViolationBeta1(
        description=data["description"],
        rule_name=data["rule_name"],
        violating_resources=[
            PolicyViolatingResourceBeta1(resource_logical_id=logical_id, template_path=paths[position], locations=where)
            for logical_id, position, where in data["resources"]
        ],
        fix=data["fix"],
        rule_metadata=data["rule_metadata"],
        # The plugin gives no severity. aws-cdk-lib, once an app acknowledges anything, recomputes a
        # report's success as "no remaining violation of severity error or fatal" (core
        # synthesis-validation, collectSuppressions), so a violation without one would no longer
        # fail synth. Control Tower's rules are errors (the report prints them so).
        severity=data["severity"] or "error",
    )
