"""``BudgetKillSwitch``: the records table, the functions and their configuration, the deny policy, the re-stop."""

from __future__ import annotations

import json

from aws_cdk import RemovalPolicy, Stack
from aws_cdk.assertions import Template

from buttress import BudgetKillSwitch
from tests.kill_switch.helpers import actions_of, build_switch, config_of, one, policy_of


def test_records_table_encrypted_with_pitr_and_retained(template: Template) -> None:
    template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": {
                "KeySchema": [
                    {"AttributeName": "switch", "KeyType": "HASH"},
                    {"AttributeName": "resource", "KeyType": "RANGE"},
                ],
                "BillingMode": "PAY_PER_REQUEST",
                "SSESpecification": {"SSEEnabled": True},
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            },
            "DeletionPolicy": "Retain",
        },
    )


def test_functions_exempt_and_configured(template: Template) -> None:
    for fn in template.find_resources("AWS::Lambda::Function").values():
        assert {"Key": "buttress:kill-switch", "Value": "exempt"} in fn["Properties"]["Tags"]
        assert fn["Properties"]["Timeout"] == 900
        assert fn["Properties"]["LoggingConfig"]["LogFormat"] == "JSON"
    engage = config_of(template, "kill_switch.engage.handler")
    assert engage.budget_name == one(template, "AWS::Budgets::Budget")["Properties"]["Budget"]["BudgetName"]
    assert engage.budget_name.startswith("beta-")
    assert engage.tag_key == "Project"
    assert engage.tag_value == "Beta"
    assert engage.actions == (
        "lambda",
        "ecs",
        "ec2",
        "iam",
        "rds",
        "rds-cluster",
        "asg",
        "sagemaker",
        "eks-nodegroup",
        "apprunner",
    )
    assert engage.iam_groups == ("beta-devs",)
    assert engage.iam_roles == ("beta-ci",)
    assert engage.protected_functions == ("TOKEN",)  # the restore function's name
    assert engage.dry_run is False
    assert config_of(template, "kill_switch.restore.handler").switch_id == engage.switch_id


def test_deny_policy_denies_starting_instances(template: Template) -> None:
    policy = one(template, "AWS::IAM::ManagedPolicy")["Properties"]["PolicyDocument"]["Statement"]
    assert policy == [{"Effect": "Deny", "Action": ["ec2:RunInstances", "ec2:StartInstances"], "Resource": "*"}]


def test_restore_command_names_the_restore_function(built: tuple[Stack, BudgetKillSwitch, Template]) -> None:
    stack, switch, _ = built
    command = stack.resolve(switch.restore_command)
    assert "aws lambda invoke --function-name" in json.dumps(command)
    assert '{\\"confirm\\": \\"restore\\"}' in json.dumps(command)


def test_dry_run_and_disabled_actions() -> None:
    _, _, template = build_switch(
        dry_run=True,
        ecs_services=False,
        ec2_instances=False,
        rds_databases=False,
        auto_scaling_groups=False,
        sagemaker_notebooks=False,
        eks_node_groups=False,
        app_runner_services=False,
        iam_groups=[],
        iam_roles=[],
    )
    config = config_of(template, "kill_switch.engage.handler")
    assert config.dry_run is True
    assert config.actions == ("lambda",)
    actions = {a for s in policy_of(template, "SwitchEngageRole") for a in actions_of(s)}
    assert not any(a.startswith(("ecs:", "ec2:", "iam:", "application-autoscaling:")) for a in actions)
    template.resource_count_is("AWS::IAM::ManagedPolicy", 0)


def test_removal_policy_applies_to_the_records_and_the_logs() -> None:
    _, _, template = build_switch(removal_policy=RemovalPolicy.DESTROY)
    for type_ in ("AWS::DynamoDB::Table", "AWS::Logs::LogGroup"):
        resources = template.find_resources(type_)
        assert resources
        assert {r["DeletionPolicy"] for r in resources.values()} == {"Delete"}, type_


def test_restop_schedule_daily_while_rds_enabled(template: Template) -> None:
    rule = one(template, "AWS::Events::Rule")["Properties"]
    assert rule["ScheduleExpression"] == "rate(1 day)"
    (target,) = rule["Targets"]
    name = one(template, "AWS::Budgets::Budget")["Properties"]["Budget"]["BudgetName"]
    assert json.loads(target["Input"]) == {"buttressKillSwitch": "restop", "budgetName": name}
    assert target["Arn"]["Fn::GetAtt"][0].startswith("SwitchEngage")
    _, _, without = build_switch(rds_databases=False)
    without.resource_count_is("AWS::Events::Rule", 0)
    assert "rds:StopDBInstance" not in json.dumps(without.to_json())
