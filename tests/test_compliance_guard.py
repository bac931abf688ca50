"""The Control Tower rules grouped by resource type report exactly what ``CfnGuardValidator`` reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from buttress.compliance import (
    GroupedGuardValidator,
    _Templates,
    control_tower_rule_types,
    reduced_template,
    rules_not_applicable,
)
from tests.harness import SynthResult


def _key(report: Any) -> list[str]:
    return sorted(
        json.dumps(
            [
                v.rule_name,
                v.description,
                v.fix,
                # the one difference, on purpose: the plugin gives none; buttress says "error" (see _violation)
                v.severity or "error",
                dict(v.rule_metadata or {}),
                sorted([r.resource_logical_id, r.template_path, sorted(r.locations)] for r in v.violating_resources),
            ]
        )
        for v in report.violations
    )


def test_grouped_rules_find_what_the_plugin_finds_on_the_example_app(synth: SynthResult, tmp_path: Path) -> None:
    from cdklabs.cdk_validator_cfnguard import CfnGuardValidator

    paths = sorted(str(p) for p in synth.outdir.glob("*.template.json"))
    present = {r["Type"] for t in synth.templates.values() for r in t.get("Resources", {}).values()}
    types = control_tower_rule_types()
    skipped = rules_not_applicable(types, present)
    context = _Templates(paths, None)
    plugin = CfnGuardValidator(disabled_rules=skipped).validate(context)
    active = {name: t for name, t in types.items() if name not in skipped}
    grouped = GroupedGuardValidator(active).validate(context)
    cold = GroupedGuardValidator(active, cache_dir=tmp_path).validate(context)
    warm = GroupedGuardValidator(active, cache_dir=tmp_path).validate(context)
    assert plugin.violations  # acknowledged findings: the comparison is not between two empty lists
    assert _key(grouped) == _key(cold) == _key(warm) == _key(plugin)
    assert grouped.success == warm.success == plugin.success
    assert list(tmp_path.glob("*.json"))  # one report per group that had resources
    assert {v.severity for v in plugin.violations} == {None} and {v.severity for v in grouped.violations} == {"error"}


def test_a_reduced_template_keeps_the_types_asked_for_and_what_they_reference() -> None:
    template = {
        "Parameters": {"P": {"Type": "String"}},
        "Resources": {
            "Queue": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]}}},
            },
            "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {"KmsMasterKeyId": {"Ref": "Key"}}},
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"Description": {"Fn::Sub": "${Other.Arn} key"}}},
            "Other": {"Type": "AWS::SNS::Topic"},
            "Unrelated": {"Type": "AWS::S3::Bucket"},
        },
    }
    reduced = reduced_template(template, frozenset({"AWS::SQS::Queue"}))
    assert reduced is not None
    assert sorted(reduced["Resources"]) == ["Dlq", "Key", "Other", "Queue"]
    assert reduced["Parameters"] == template["Parameters"]
    assert reduced_template(template, frozenset({"AWS::Lambda::Function"})) is None


def test_an_unacknowledged_control_tower_finding_fails_synth_beside_acknowledged_ones() -> None:
    """aws-cdk-lib recomputes success from severities once anything is acknowledged: a finding needs one."""
    import pytest
    from aws_cdk import App, Stack, Validations
    from aws_cdk import aws_kms as kms

    from buttress import compliance
    from buttress.parts import nag

    app = App()
    stack = Stack(app, "Findings")
    acknowledged = kms.Key(stack, "Acknowledged", enable_key_rotation=True)
    nag.acknowledge_rule(
        acknowledged, "", "test: this one is acknowledged", guard=["kms_create_grant_aws_service_check"]
    )
    kms.Key(stack, "Unacknowledged", enable_key_rotation=True)  # CT.KMS.PR.3, not acknowledged
    Validations.of(app).add_plugins(compliance.control_tower_rules(app))
    with pytest.raises(RuntimeError, match=r"CT.KMS.PR.3.*\n.*Findings/Unacknowledged/Resource"):
        app.synth()


def test_a_plugin_failure_names_the_rules_and_the_template() -> None:
    """cdk-validator-cfnguard 0.0.62 cannot place CT.KMS.PR.3 on a key policy with a conditional statement."""
    import pytest
    from aws_cdk import App, Stack, Validations
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_kms as kms

    from buttress import compliance

    app = App()
    stack = Stack(app, "Owner", env={"account": "111122223333", "region": "eu-west-1"})
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal("budgets.amazonaws.com")],
            actions=["kms:Decrypt"],
            resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": "111122223333"}},
        )
    )
    Validations.of(app).add_plugins(compliance.control_tower_rules(app))
    with pytest.raises(RuntimeError, match=r"the Control Tower rules ct-kms-pr-1, ct-kms-pr-2, ct-kms-pr-3 could"):
        app.synth()
