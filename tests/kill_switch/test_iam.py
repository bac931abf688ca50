"""``BudgetKillSwitch`` least privilege: both functions' statements, the wildcards documented, cdk-nag clean."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Validations
from aws_cdk.assertions import Template

from tests.kill_switch.helpers import actions_of, add_switch, config_of, policy_of

#: The only actions allowed on ``*``: reads whose APIs have no resource-level permissions (README list).
#: No mutating action is among them (checkov CKV_AWS_111, cfripper WildcardResourceRule).
WILDCARD_ACTIONS = {
    "tag:GetResources",
    "ec2:DescribeInstances",
    "application-autoscaling:DescribeScalableTargets",
    "ec2:DescribeInstanceTypes",
    "autoscaling:DescribeAutoScalingGroups",
    "eks:ListClusters",
    "eks:ListNodegroups",
}


TAG_CONDITION = {"StringEquals": {"aws:ResourceTag/Project": "Beta"}}


def _check_least_privilege(statements: list[dict[str, Any]]) -> None:
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = actions_of(statement)
        resource = statement["Resource"]
        if resource == "*":
            assert set(actions) <= WILDCARD_ACTIONS, actions
            continue
        if "application-autoscaling:RegisterScalableTarget" in actions:
            assert actions == ["application-autoscaling:RegisterScalableTarget"]
            assert "scalable-target/*" in json.dumps(resource) and resource != "*", resource
        mutating = [a for a in actions if not a.split(":")[1].startswith(("Describe", "Get", "List"))]
        resource_services = ("lambda:", "ecs:", "ec2:", "rds:", "autoscaling:", "sagemaker:", "eks:", "apprunner:")
        if mutating and mutating[0].startswith(resource_services):
            # Every other mutating permission: by resource type and the tag condition.
            assert statement["Condition"] == TAG_CONDITION, statement
        if any(a.startswith(("iam:Attach", "iam:Detach")) for a in actions):
            assert statement["Condition"]["ArnEquals"]["iam:PolicyARN"]["Ref"].startswith("SwitchDenyPolicy")


def test_engage_role_least_privilege(template: Template) -> None:
    statements = policy_of(template, "SwitchEngageRole")
    _check_least_privilege(statements)
    actions = {a for s in statements for a in actions_of(s)}
    assert {
        "lambda:PutFunctionConcurrency",
        "ecs:UpdateService",
        "ec2:StopInstances",
        "iam:AttachGroupPolicy",
    } <= actions
    assert {"iam:AttachRolePolicy", "iam:ListAttachedRolePolicies"} <= actions
    # What only restoring needs is not the engage function's.
    assert not actions & {"ec2:StartInstances", "lambda:DeleteFunctionConcurrency", "iam:DetachGroupPolicy"}
    assert "iam:AttachUserPolicy" not in actions  # no users listed


def test_scalable_targets_scoped_by_resource_type(template: Template) -> None:
    for role in ("SwitchEngageRole", "SwitchRestoreRole"):
        (register,) = [s for s in policy_of(template, role) if s.get("Sid") == "HoldScalingBounds"]
        assert register["Resource"] != "*"
        assert ":application-autoscaling:" in json.dumps(register["Resource"])


def test_restore_role_least_privilege(template: Template) -> None:
    statements = policy_of(template, "SwitchRestoreRole")
    _check_least_privilege(statements)
    actions = {a for s in statements for a in actions_of(s)}
    assert {"lambda:DeleteFunctionConcurrency", "ec2:StartInstances", "iam:DetachGroupPolicy"} <= actions
    assert not actions & {"ec2:StopInstances", "iam:AttachGroupPolicy", "tag:GetResources", "dynamodb:PutItem"}


def test_iam_principals_scoped_by_arn(template: Template) -> None:
    statements = policy_of(template, "SwitchEngageRole")
    attach = next(s for s in statements if s.get("Sid") == "AttachDenyPolicy")
    resources = [json.dumps(r) for r in attach["Resource"]]
    assert len(resources) == 2
    assert any('":iam::"' in r and ':group/beta-devs"' in r for r in resources)
    assert any('":iam::"' in r and ':role/beta-ci"' in r for r in resources)


def test_every_wildcard_action_is_documented() -> None:
    """The README and the guide list each action that gets ``Resource: "*"`` (and why)."""
    from tests.harness import REPO

    readme = (REPO / "README.md").read_text()
    guide = (REPO / "docs" / "kill-switch.md").read_text()
    for action in WILDCARD_ACTIONS:
        assert f"`{action}`" in guide, action
        assert f"`{action}`" in readme, action


def test_new_kinds_scoped_by_type_and_tag(template: Template) -> None:
    engage = {a: s for s in policy_of(template, "SwitchEngageRole") for a in actions_of(s)}
    restore = {a: s for s in policy_of(template, "SwitchRestoreRole") for a in actions_of(s)}
    for action, suffix in (
        ("rds:StopDBInstance", ":db:*"),
        ("rds:StopDBCluster", ":cluster:*"),
        ("autoscaling:UpdateAutoScalingGroup", ":autoScalingGroup:*:autoScalingGroupName/*"),
        ("autoscaling:SuspendProcesses", ":autoScalingGroup:*:autoScalingGroupName/*"),
        ("sagemaker:StopNotebookInstance", ":notebook-instance/*"),
        ("eks:UpdateNodegroupConfig", ":nodegroup/*"),
        ("apprunner:PauseService", ":service/*"),
    ):
        assert json.dumps(engage[action]["Resource"]).endswith(f'{suffix}"]]}}'), action
        assert engage[action]["Condition"] == TAG_CONDITION
    for action in (
        "rds:StartDBInstance",
        "rds:StartDBCluster",
        "autoscaling:ResumeProcesses",
        "sagemaker:StartNotebookInstance",
    ):
        assert restore[action]["Condition"] == TAG_CONDITION
    assert not set(restore) & {"rds:StopDBInstance", "sagemaker:StopNotebookInstance"}
    # Restore reads only to tell "already started by someone" from a failure: by resource type, never "*".
    for action, suffix in (
        ("rds:DescribeDBInstances", ":db:*"),
        ("rds:DescribeDBClusters", ":cluster:*"),
        ("sagemaker:DescribeNotebookInstance", ":notebook-instance/*"),
        ("eks:DescribeNodegroup", ":nodegroup/*"),
        ("apprunner:DescribeService", ":service/*"),
    ):
        assert json.dumps(restore[action]["Resource"]).endswith(f'{suffix}"]]}}'), action
    assert "autoscaling:DescribeAutoScalingGroups" not in restore


def test_regions_scope_every_regional_arn_and_keep_iam_global() -> None:
    """Each regional ARN pattern once per region, IAM once; cdk-nag clean with an explicit env."""
    from cdk_nag import AwsSolutionsChecks

    from app import CLI_DEFAULT_CONTEXT, cdk_json_context

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "Guard", env=Environment(account="111122223333", region="eu-west-1"))
    add_switch(stack, regions=["eu-west-1", "us-east-1"])
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on any unacknowledged finding, in either region's ARNs
    template = Template.from_stack(stack)
    statements = policy_of(template, "SwitchEngageRole")
    stop = next(s for s in statements if "ec2:StopInstances" in actions_of(s))
    assert stop["Resource"] == [
        "arn:aws:ec2:eu-west-1:111122223333:instance/*",
        "arn:aws:ec2:us-east-1:111122223333:instance/*",
    ]
    assert stop["Condition"] == TAG_CONDITION
    attach = next(s for s in statements if s.get("Sid") == "AttachDenyPolicy")
    assert all(":iam::111122223333:" in r for r in attach["Resource"])  # IAM: global, once
    assert config_of(template, "kill_switch.engage.handler").regions == ("eu-west-1", "us-east-1")
    _check_least_privilege(statements)


@pytest.mark.parametrize(
    ("env", "native"),
    [
        (None, False),
        (Environment(account="111122223333", region="eu-west-1"), False),
        (Environment(account="111122223333", region="eu-west-1"), True),
    ],
    ids=["env-agnostic", "explicit-env", "explicit-env-native"],
)
def test_cdk_nag_clean_with_and_without_an_explicit_environment(env: Environment | None, native: bool) -> None:
    """The wildcard acknowledgements are rendered from the policies' own ARN tokens, so they match in any env."""
    from app import CLI_DEFAULT_CONTEXT, cdk_json_context
    from buttress.compliance import plugins

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "S", env=env)
    add_switch(stack, native_iam_action=native)
    Validations.of(app).add_plugins(*plugins(app))
    app.synth()  # raises on any unacknowledged finding
