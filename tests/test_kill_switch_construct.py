"""``BudgetKillSwitch`` templates: budget, notifications, topic and key policies, IAM, table, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, RemovalPolicy, Stack, Validations
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template

from buttress import BudgetKillSwitch, ButtressError
from buttress._lambda_src.kill_switch.config import ENVIRONMENT_VARIABLE, Config
from tests.harness import new_stack

EMAILS = ["ops@example.com", "finance@example.com"]


def _build(**overrides: Any) -> tuple[Stack, BudgetKillSwitch, Template]:
    stack = new_stack()
    switch = _switch(stack, **overrides)
    return stack, switch, Template.from_stack(stack)


def _switch(stack: Stack, **overrides: Any) -> BudgetKillSwitch:
    props: dict[str, Any] = {
        "limit_usd": 2,
        "tag_key": "Project",
        "tag_value": "Beta",
        "operator_emails": EMAILS,
        "budget_name": "beta",
        "services": ["Amazon Elastic Compute Cloud - Compute"],
        "iam_groups": ["beta-devs"],
        "iam_roles": ["beta-ci"],
        **overrides,
    }
    return BudgetKillSwitch(stack, "Switch", **props)


@pytest.fixture(scope="module")
def built() -> tuple[Stack, BudgetKillSwitch, Template]:
    return _build()


@pytest.fixture(scope="module")
def template(built: tuple[Stack, BudgetKillSwitch, Template]) -> Template:
    return built[2]


def _one(template: Template, type_: str, where: Callable[[dict[str, Any]], bool] = lambda _: True) -> dict[str, Any]:
    found = [dict(r) for r in template.find_resources(type_).values() if where(dict(r))]
    assert len(found) == 1, found
    return found[0]


def _policy_of(template: Template, role_fragment: str) -> list[dict[str, Any]]:
    policies = template.find_resources("AWS::IAM::Policy")
    (policy,) = [p for p in policies.values() if any(role_fragment in r["Ref"] for r in p["Properties"]["Roles"])]
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def _config(template: Template, handler: str) -> Config:
    """The runtime's parse of the configuration the construct writes (tokens replaced by stand-ins)."""
    fn = _one(template, "AWS::Lambda::Function", lambda r: r["Properties"]["Handler"] == handler)
    value = fn["Properties"]["Environment"]["Variables"][ENVIRONMENT_VARIABLE]
    text = "".join(p if isinstance(p, str) else "TOKEN" for p in value["Fn::Join"][1])
    return Config.from_environment({ENVIRONMENT_VARIABLE: text})


def test_budget_monthly_usd_with_tag_and_service_filters(template: Template) -> None:
    budget = _one(template, "AWS::Budgets::Budget")["Properties"]["Budget"]
    assert budget["BudgetName"] == "beta"
    assert budget["BudgetType"] == "COST"
    assert budget["TimeUnit"] == "MONTHLY"
    assert budget["BudgetLimit"] == {"Amount": 2, "Unit": "USD"}
    assert budget["CostFilters"] == {
        "TagKeyValue": ["user:Project$Beta"],
        "Service": ["Amazon Elastic Compute Cloud - Compute"],
    }


def test_forecast_warns_people_and_actual_breach_engages(template: Template) -> None:
    notes = _one(template, "AWS::Budgets::Budget")["Properties"]["NotificationsWithSubscribers"]
    by_type = {n["Notification"]["NotificationType"]: n for n in notes}
    forecast, actual = by_type["FORECASTED"], by_type["ACTUAL"]
    assert forecast["Notification"] == {
        "ComparisonOperator": "GREATER_THAN",
        "NotificationType": "FORECASTED",
        "Threshold": 80,
        "ThresholdType": "PERCENTAGE",
    }
    assert [s["SubscriptionType"] for s in forecast["Subscribers"]] == ["EMAIL", "EMAIL"]
    assert actual["Notification"]["Threshold"] == 100
    sns = [s for s in actual["Subscribers"] if s["SubscriptionType"] == "SNS"]
    assert len(sns) == 1
    assert sns[0]["Address"]["Ref"].startswith("SwitchAlertTopic")
    assert sorted(s["Address"] for s in actual["Subscribers"] if s["SubscriptionType"] == "EMAIL") == sorted(EMAILS)


def test_budget_created_after_the_topic_policies(template: Template) -> None:
    budget = _one(template, "AWS::Budgets::Budget")
    depends = budget["DependsOn"]
    assert any(d.startswith("SwitchAlertTopicPolicy") for d in depends)
    assert any(d.startswith("SwitchAlertTopicKey") for d in depends)


def test_alert_topic_accepts_budgets_only_for_this_account(template: Template) -> None:
    policies = template.find_resources("AWS::SNS::TopicPolicy")
    alert = [p for p in policies.values() if p["Properties"]["Topics"][0]["Ref"].startswith("SwitchAlertTopic")]
    statements = alert[0]["Properties"]["PolicyDocument"]["Statement"]
    budgets = [s for s in statements if s.get("Principal") == {"Service": "budgets.amazonaws.com"}]
    assert len(budgets) == 1
    assert budgets[0]["Action"] == "sns:Publish"
    assert budgets[0]["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    keys = template.find_resources("AWS::KMS::Key")
    alert_key = next(v for k, v in keys.items() if k.startswith("SwitchAlertTopicKey"))
    key_statements = alert_key["Properties"]["KeyPolicy"]["Statement"]
    budgets_key = [s for s in key_statements if s.get("Principal") == {"Service": "budgets.amazonaws.com"}]
    assert len(budgets_key) == 1
    assert set(budgets_key[0]["Action"]) == {"kms:GenerateDataKey*", "kms:Decrypt"}
    assert budgets_key[0]["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


def test_engage_function_subscribed_to_alert_topic(template: Template) -> None:
    subs = template.find_resources("AWS::SNS::Subscription", {"Properties": {"Protocol": "lambda"}})
    (sub,) = subs.values()
    assert sub["Properties"]["TopicArn"]["Ref"].startswith("SwitchAlertTopic")
    assert sub["Properties"]["Endpoint"]["Fn::GetAtt"][0].startswith("SwitchEngage")


def test_operators_get_summaries_by_email(template: Template) -> None:
    emails = template.find_resources("AWS::SNS::Subscription", {"Properties": {"Protocol": "email"}})
    assert sorted(s["Properties"]["Endpoint"] for s in emails.values()) == sorted(EMAILS)
    assert all(s["Properties"]["TopicArn"]["Ref"].startswith("SwitchOperatorTopic") for s in emails.values())


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
    engage = _config(template, "kill_switch.engage.handler")
    assert engage.budget_name == "beta"
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
    assert _config(template, "kill_switch.restore.handler").switch_id == engage.switch_id


def test_deny_policy_denies_starting_instances(template: Template) -> None:
    policy = _one(template, "AWS::IAM::ManagedPolicy")["Properties"]["PolicyDocument"]["Statement"]
    assert policy == [{"Effect": "Deny", "Action": ["ec2:RunInstances", "ec2:StartInstances"], "Resource": "*"}]


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
        actions = _actions(statement)
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
    statements = _policy_of(template, "SwitchEngageRole")
    _check_least_privilege(statements)
    actions = {a for s in statements for a in _actions(s)}
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
        (register,) = [s for s in _policy_of(template, role) if s.get("Sid") == "HoldScalingBounds"]
        assert register["Resource"] != "*"
        assert ":application-autoscaling:" in json.dumps(register["Resource"])


def test_restore_role_least_privilege(template: Template) -> None:
    statements = _policy_of(template, "SwitchRestoreRole")
    _check_least_privilege(statements)
    actions = {a for s in statements for a in _actions(s)}
    assert {"lambda:DeleteFunctionConcurrency", "ec2:StartInstances", "iam:DetachGroupPolicy"} <= actions
    assert not actions & {"ec2:StopInstances", "iam:AttachGroupPolicy", "tag:GetResources", "dynamodb:PutItem"}


def test_iam_principals_scoped_by_arn(template: Template) -> None:
    statements = _policy_of(template, "SwitchEngageRole")
    attach = next(s for s in statements if s.get("Sid") == "AttachDenyPolicy")
    resources = [json.dumps(r) for r in attach["Resource"]]
    assert len(resources) == 2
    assert any('":iam::"' in r and ':group/beta-devs"' in r for r in resources)
    assert any('":iam::"' in r and ':role/beta-ci"' in r for r in resources)


def test_errors_alarm_notifies_operators(template: Template) -> None:
    alarm = _one(
        template,
        "AWS::CloudWatch::Alarm",
        lambda r: r["Properties"].get("MetricName") == "Errors" and r["Properties"].get("Namespace") == "AWS/Lambda",
    )
    assert alarm["Properties"]["AlarmActions"][0]["Ref"].startswith("SwitchOperatorTopic")


def test_restore_command_names_the_restore_function(built: tuple[Stack, BudgetKillSwitch, Template]) -> None:
    stack, switch, _ = built
    command = stack.resolve(switch.restore_command)
    assert "aws lambda invoke --function-name" in json.dumps(command)
    assert '{\\"confirm\\": \\"restore\\"}' in json.dumps(command)


def test_native_budgets_action() -> None:
    _, switch, template = _build(native_iam_action=True)
    action = _one(template, "AWS::Budgets::BudgetsAction")["Properties"]
    assert action["ActionType"] == "APPLY_IAM_POLICY"
    assert action["ApprovalModel"] == "AUTOMATIC"
    assert action["NotificationType"] == "ACTUAL"
    assert action["ActionThreshold"] == {"Type": "PERCENTAGE", "Value": 100}
    definition = action["Definition"]["IamActionDefinition"]
    assert definition["Groups"] == ["beta-devs"]
    assert definition["Roles"] == ["beta-ci"]
    assert "Users" not in definition
    assert definition["PolicyArn"]["Ref"].startswith("SwitchDenyPolicy")
    role = template.find_resources(
        "AWS::IAM::Role", {"Properties": {"Description": Match.string_like_regexp("Budgets")}}
    )
    (trust,) = [r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0] for r in role.values()]
    assert trust["Principal"] == {"Service": "budgets.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    role_policy = _policy_of(template, "SwitchBudgetActionRole")
    assert {a for s in role_policy for a in _actions(s)} == {
        "iam:AttachGroupPolicy",
        "iam:DetachGroupPolicy",
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
    }
    # AWS does the IAM part: the functions do not, and hold no IAM permissions.
    assert _config(template, "kill_switch.engage.handler").actions == (
        "lambda",
        "ecs",
        "ec2",
        "rds",
        "rds-cluster",
        "asg",
        "sagemaker",
        "eks-nodegroup",
        "apprunner",
    )
    engage_actions = {a for s in _policy_of(template, "SwitchEngageRole") for a in _actions(s)}
    assert not any(a.startswith("iam:") for a in engage_actions)
    assert switch.budget_action is not None


def test_dry_run_and_disabled_actions() -> None:
    _, _, template = _build(
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
    config = _config(template, "kill_switch.engage.handler")
    assert config.dry_run is True
    assert config.actions == ("lambda",)
    actions = {a for s in _policy_of(template, "SwitchEngageRole") for a in _actions(s)}
    assert not any(a.startswith(("ecs:", "ec2:", "iam:", "application-autoscaling:")) for a in actions)
    template.resource_count_is("AWS::IAM::ManagedPolicy", 0)


def test_thresholds_and_generated_budget_name() -> None:
    _, switch, template = _build(forecast_percent=50, actual_percent=120, budget_name=None)
    notes = _one(template, "AWS::Budgets::Budget")["Properties"]["NotificationsWithSubscribers"]
    assert sorted(n["Notification"]["Threshold"] for n in notes) == [50, 120]
    # Env-agnostic: account and region are references, resolved at deploy (tests/test_kill_switch_rules.py).
    assert switch.budget_name.startswith("TestSwitch")
    assert _config(template, "kill_switch.engage.handler").budget_name == "TestSwitch66D8D13E-TOKEN-TOKEN"


def test_group_name_token_accepted() -> None:
    stack = new_stack()
    group = iam.Group(stack, "Devs")
    switch = BudgetKillSwitch(
        stack,
        "Switch",
        limit_usd=5,
        tag_key="Project",
        tag_value="Beta",
        operator_emails=EMAILS,
        iam_groups=[group.group_name],
    )
    assert switch.deny_policy is not None


@pytest.mark.parametrize(
    ("overrides", "prop"),
    [
        ({"limit_usd": 0}, "limit_usd"),
        ({"limit_usd": -1}, "limit_usd"),
        ({"limit_usd": float("nan")}, "limit_usd"),
        ({"limit_usd": True}, "limit_usd"),
        ({"tag_key": ""}, "tag_key"),
        ({"tag_key": "aws:cloudformation:stack-name"}, "tag_key"),
        ({"tag_value": ""}, "tag_value"),
        ({"operator_emails": []}, "operator_emails"),
        ({"operator_emails": "ops@example.com"}, "operator_emails"),
        ({"operator_emails": ["not-an-address"]}, "operator_emails"),
        ({"operator_emails": [f"o{i}@example.com" for i in range(11)]}, "operator_emails"),
        ({"operator_emails": ["a@example.com", "a@example.com"]}, "operator_emails"),
        ({"budget_name": "a:b"}, "budget_name"),
        ({"budget_name": "x" * 101}, "budget_name"),
        ({"services": "Amazon EC2"}, "services"),
        ({"services": [""]}, "services"),
        ({"forecast_percent": 0}, "forecast_percent"),
        ({"actual_percent": 5000}, "actual_percent"),
        ({"iam_groups": "devs"}, "iam_groups"),
        ({"iam_roles": ["path/role"]}, "iam_roles"),
        ({"iam_users": ["a", "a"]}, "iam_users"),
        ({"deny_actions": []}, "deny_actions"),
        ({"deny_actions": ["RunInstances"]}, "deny_actions"),
        ({"max_workers": 0}, "max_workers"),
        ({"reserved_concurrency": 0}, "reserved_concurrency"),
        ({"iam_groups": [], "iam_roles": [], "native_iam_action": True}, "native_iam_action"),
        (
            {
                "iam_groups": [],
                "iam_roles": [],
                "lambda_functions": False,
                "ecs_services": False,
                "ec2_instances": False,
                "rds_databases": False,
                "auto_scaling_groups": False,
                "sagemaker_notebooks": False,
                "eks_node_groups": False,
                "app_runner_services": False,
            },
            "lambda_functions",
        ),
    ],
)
def test_bad_input_fails_at_synth(overrides: dict[str, Any], prop: str) -> None:
    with pytest.raises(ButtressError, match=rf"^[^:]*/Switch: {prop}=.* is invalid: "):
        _build(**overrides)


def test_every_wildcard_action_is_documented() -> None:
    """The README and the guide list each action that gets ``Resource: "*"`` (and why)."""
    from tests.harness import REPO

    readme = (REPO / "README.md").read_text()
    guide = (REPO / "docs" / "kill-switch.md").read_text()
    for action in WILDCARD_ACTIONS:
        assert f"`{action}`" in guide, action
        assert f"`{action}`" in readme, action


def test_grants_for_operators() -> None:
    stack = new_stack()
    switch = _switch(stack)
    operator = iam.Role(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
    switch.grant_drill(operator)
    switch.grant_restore(operator)
    statements = _policy_of(Template.from_stack(stack), "Operator")
    by_action = {a: s for s in statements for a in _actions(s)}
    assert by_action["sns:Publish"]["Resource"]["Ref"].startswith("SwitchAlertTopic")
    assert by_action["kms:Decrypt"]["Resource"]["Fn::GetAtt"][0].startswith("SwitchAlertTopicKey")
    invoke = json.dumps(by_action["lambda:InvokeFunction"]["Resource"])
    assert "SwitchRestore" in invoke
    assert "SwitchEngage" not in invoke


# --- the construct convention: types, names, alarms, cdk-nag in every environment -------------


@pytest.mark.parametrize(
    ("overrides", "prop"),
    [
        ({"limit_usd": "2"}, "limit_usd"),
        ({"forecast_percent": "80"}, "forecast_percent"),
        ({"lambda_functions": "yes"}, "lambda_functions"),
        ({"dry_run": 1}, "dry_run"),
        ({"max_workers": "4"}, "max_workers"),
        ({"reserved_concurrency": 2.5}, "reserved_concurrency"),
        ({"iam_users": [7]}, r"iam_users\[0\]"),
        ({"budget_name": 5}, "budget_name"),
        ({"removal_policy": "RETAIN"}, "removal_policy"),
        ({"log_retention": 365}, "log_retention"),
        ({"alarm_action": "arn:aws:sns:us-east-1:111122223333:ops"}, "alarm_action"),
    ],
)
def test_wrong_types_are_buttress_errors_naming_the_construct(overrides: dict[str, Any], prop: str) -> None:
    with pytest.raises(ButtressError, match=rf"^[^:]*/Switch: {prop}=.* is invalid: "):
        _build(**overrides)


def test_removal_policy_applies_to_the_records_and_the_logs() -> None:
    _, _, template = _build(removal_policy=RemovalPolicy.DESTROY)
    for type_ in ("AWS::DynamoDB::Table", "AWS::Logs::LogGroup"):
        resources = template.find_resources(type_)
        assert resources
        assert {r["DeletionPolicy"] for r in resources.values()} == {"Delete"}, type_


def test_alarm_action_is_used_by_every_alarm_the_switch_creates() -> None:
    stack = new_stack()
    ops = sns.Topic(stack, "Ops")
    _switch(stack, alarm_action=cloudwatch_actions.SnsAction(ops))
    alarms = Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm")
    assert len(alarms) >= 3  # engage errors, and each topic's delivery failures
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [stack.resolve(ops.topic_arn)]


def test_every_alarm_notifies_the_operator_topic_by_default(built: tuple[Stack, BudgetKillSwitch, Template]) -> None:
    """CT.CLOUDWATCH.PR.1: no alarm without an action, so a failed Budgets -> switch delivery is seen."""
    stack, switch, template = built
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    assert len(alarms) >= 3
    operator = stack.resolve(switch.operator_topic.topic.topic_arn)
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [operator]


def test_default_errors_alarm_notifies_the_operator_topic(built: tuple[Stack, BudgetKillSwitch, Template]) -> None:
    stack, switch, template = built
    engage = _one(template, "AWS::CloudWatch::Alarm", lambda r: "engage" in r["Properties"]["AlarmDescription"])
    assert engage["Properties"]["AlarmActions"] == [stack.resolve(switch.operator_topic.topic.topic_arn)]


def test_metric_engage_errors_takes_a_keyword_period(built: tuple[Stack, BudgetKillSwitch, Template]) -> None:
    _, switch, _ = built
    assert switch.metric_engage_errors().period.to_minutes() == 5
    assert switch.metric_engage_errors(period=Duration.minutes(1)).period.to_minutes() == 1


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
    _switch(stack, native_iam_action=native)
    Validations.of(app).add_plugins(*plugins(app))
    app.synth()  # raises on any unacknowledged finding


def test_new_kinds_scoped_by_type_and_tag(template: Template) -> None:
    engage = {a: s for s in _policy_of(template, "SwitchEngageRole") for a in _actions(s)}
    restore = {a: s for s in _policy_of(template, "SwitchRestoreRole") for a in _actions(s)}
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
    assert not set(restore) & {"rds:StopDBInstance", "sagemaker:StopNotebookInstance", "rds:DescribeDBInstances"}


def test_restop_schedule_daily_while_rds_enabled(template: Template) -> None:
    rule = _one(template, "AWS::Events::Rule")["Properties"]
    assert rule["ScheduleExpression"] == "rate(1 day)"
    (target,) = rule["Targets"]
    assert json.loads(target["Input"]) == {"buttressKillSwitch": "restop", "budgetName": "beta"}
    assert target["Arn"]["Fn::GetAtt"][0].startswith("SwitchEngage")
    _, _, without = _build(rds_databases=False)
    without.resource_count_is("AWS::Events::Rule", 0)
    assert "rds:StopDBInstance" not in json.dumps(without.to_json())


def test_regions_scope_every_regional_arn_and_keep_iam_global() -> None:
    """Each regional ARN pattern once per region, IAM once; cdk-nag clean with an explicit env."""
    from cdk_nag import AwsSolutionsChecks

    from app import CLI_DEFAULT_CONTEXT, cdk_json_context

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "Guard", env=Environment(account="111122223333", region="eu-west-1"))
    _switch(stack, regions=["eu-west-1", "us-east-1"])
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on any unacknowledged finding, in either region's ARNs
    template = Template.from_stack(stack)
    statements = _policy_of(template, "SwitchEngageRole")
    stop = next(s for s in statements if "ec2:StopInstances" in _actions(s))
    assert stop["Resource"] == [
        "arn:aws:ec2:eu-west-1:111122223333:instance/*",
        "arn:aws:ec2:us-east-1:111122223333:instance/*",
    ]
    assert stop["Condition"] == TAG_CONDITION
    attach = next(s for s in statements if s.get("Sid") == "AttachDenyPolicy")
    assert all(":iam::111122223333:" in r for r in attach["Resource"])  # IAM: global, once
    assert _config(template, "kill_switch.engage.handler").regions == ("eu-west-1", "us-east-1")
    _check_least_privilege(statements)
