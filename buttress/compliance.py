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
import tarfile
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import cast

from aws_cdk import CfnResource, IPolicyValidationPlugin
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
    """``CfnGuardValidator`` with the Control Tower rules that evaluate a resource type ``app`` contains.

    Call it once the stacks are built. A rule for a type the app does not contain could only
    report SKIP; leaving it out saves cfn-guard parsing it (about 3 s of CPU per synthesis for
    all ~240). The plugin is ``CfnGuardValidator`` itself, so results and acknowledgement ids are
    exactly its own.

    :param disabled_rules: rule file names (``ct-s3-pr-1``) never to run.
    """
    from cdklabs.cdk_validator_cfnguard import CfnGuardValidator

    skipped = rules_not_applicable(control_tower_rule_types(), resource_types(app))
    # The plugin implements the Beta1 interface that add_plugins accepts; jsii's stubs name the newer one.
    return cast(IPolicyValidationPlugin, CfnGuardValidator(disabled_rules=[*disabled_rules, *skipped]))
