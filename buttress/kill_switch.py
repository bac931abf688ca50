"""``BudgetKillSwitch``: an AWS Budget whose actual-cost breach stops the spending it measures.

Budgets -> alert topic (a :class:`~buttress.fanout.FanoutTopic`) -> engage function -> reserved
concurrency 0 / ECS desired count 0 with scaling held at 0 / EC2 stopped / deny policy attached,
each change recorded in DynamoDB first; a restore function puts back exactly what was recorded.
The runtime is ``lambda_src/kill_switch`` (see ``docs/kill-switch.md``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from aws_cdk import Acknowledgment, Duration, Names, RemovalPolicy, Stack, Tags, Token, Validations
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from buttress.errors import invalid
from buttress.fanout import FanoutTopic
from buttress.parts.assets import lambda_code

#: The tag that keeps a resource out of the switch's reach (the switch tags its own resources with it).
EXEMPT_TAG = ("buttress:kill-switch", "exempt")
#: What the deny policy denies by default: the seed's "revoke starting EC2 instances".
DEFAULT_DENY_ACTIONS = ("ec2:RunInstances", "ec2:StartInstances")
#: Budgets allows 10 e-mail subscribers per notification (plus one SNS topic).
MAX_EMAILS = 10

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_IAM_NAME = re.compile(r"^[\w+=,.@-]{1,128}$")
_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*]+$")
_BUDGET_NAME = re.compile(r"^[^:\\]{1,100}$")


class BudgetKillSwitch(Construct):
    """A monthly cost budget that stops the resources tagged ``tag_key=tag_value`` when breached.

    - **Budget**: ``AWS::Budgets::Budget``, monthly, ``limit_usd``, cost filters by the
      cost-allocation tag (``user:<tag_key>$<tag_value>``) and optionally by ``services``.
    - **Notifications**: FORECASTED above ``forecast_percent`` (default 80) e-mails the operators;
      ACTUAL above ``actual_percent`` (default 100) e-mails them and publishes to ``alert_topic``,
      which engages the switch.
    - **alert_topic**: a :class:`FanoutTopic` (KMS-encrypted, TLS-only) that accepts publishes
      from ``budgets.amazonaws.com`` only with ``aws:SourceAccount`` = this account, in the topic
      policy and the key policy. ``operator_topic`` (another one) carries the run summaries to
      the operators' e-mails and the alarm on the engage function's errors.
    - **Actions**, each optional: Lambda reserved concurrency 0 (``lambda_functions``); ECS desired
      count 0 with Application Auto Scaling bounds 0 and scaling suspended (``ecs_services``);
      EC2 stop (``ec2_instances``); a deny policy (``deny_actions``) attached to ``iam_groups`` /
      ``iam_roles`` / ``iam_users``. Resources are chosen by tag only; anything tagged
      ``buttress:kill-switch=exempt`` (the switch's own resources are) is never touched.
    - **native_iam_action**: the IAM part is done by AWS Budgets itself
      (``AWS::Budgets::BudgetsAction`` ``APPLY_IAM_POLICY``, automatic, with its execution role)
      instead of the engage function; reverse it in the Budgets console or with
      ``aws budgets execute-budget-action --execution-type REVERSE_BUDGET_ACTION``.
    - **Records**: a DynamoDB table (AWS-managed KMS key, point-in-time recovery) holds one item
      per changed resource with its previous state, written before the change.
    - **dry_run**: the functions record nothing, change nothing, and report what they would do.

    :param limit_usd: monthly budget in USD, > 0. Required.
    :param tag_key: cost-allocation tag key that selects resources and filters costs. Required.
    :param tag_value: its value. Required.
    :param operator_emails: 1 to 10 addresses for the forecast warning, the breach and the
        summaries. Required.
    :param budget_name: the budget's name (1-100 characters, no ``:`` or ``\\``), unique in the
        account. Default: derived from the construct path.
    :param services: Cost Explorer service names for the cost filter, e.g.
        ``["Amazon Elastic Compute Cloud - Compute"]``. Default: all services.
    :param forecast_percent: forecast warning threshold, percent of the limit (1-1000). Default 80.
    :param actual_percent: breach threshold that engages the switch (1-1000). Default 100.
    :param lambda_functions: set tagged functions' reserved concurrency to 0. Default ``True``.
    :param ecs_services: stop tagged ECS services. Default ``True``.
    :param ec2_instances: stop tagged EC2 instances. Default ``True``.
    :param iam_groups: IAM group names (no path) that get the deny policy. Default none.
    :param iam_roles: IAM role names (no path). Default none.
    :param iam_users: IAM user names (no path). Default none.
    :param deny_actions: actions the deny policy denies. Default ``ec2:RunInstances``,
        ``ec2:StartInstances``.
    :param native_iam_action: let AWS Budgets attach the deny policy. Default ``False``.
    :param dry_run: record and change nothing, report only. Default ``False``.
    :param max_workers: resources handled in parallel by one invocation (1-32). Default 8.
    :param reserved_concurrency: reserve concurrency for the engage function so that a runaway
        function cannot starve it (the account must have 100 unreserved left). Default none.
    :param table_removal_policy: of the records table. Default ``RETAIN`` (the records are what
        restore needs).
    :param log_retention: of the functions' logs. Default one year.

    Attributes: ``budget``, ``alert_topic``, ``operator_topic``, ``table``, ``engage_function``,
    ``restore_function``, ``deny_policy`` (or ``None``), ``budget_action`` and
    ``budget_action_role`` (or ``None``), ``errors_alarm``, ``restore_command``.
    Grants: :meth:`grant_drill` (publish the drill), :meth:`grant_restore` (invoke the restore).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        limit_usd: float,
        tag_key: str,
        tag_value: str,
        operator_emails: Sequence[str],
        budget_name: str | None = None,
        services: Sequence[str] = (),
        forecast_percent: float = 80,
        actual_percent: float = 100,
        lambda_functions: bool = True,
        ecs_services: bool = True,
        ec2_instances: bool = True,
        iam_groups: Sequence[str] = (),
        iam_roles: Sequence[str] = (),
        iam_users: Sequence[str] = (),
        deny_actions: Sequence[str] = DEFAULT_DENY_ACTIONS,
        native_iam_action: bool = False,
        dry_run: bool = False,
        max_workers: int = 8,
        reserved_concurrency: int | None = None,
        table_removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
    ) -> None:
        super().__init__(scope, id_)
        _validate(
            limit_usd=limit_usd,
            tag_key=tag_key,
            tag_value=tag_value,
            operator_emails=operator_emails,
            budget_name=budget_name,
            services=services,
            forecast_percent=forecast_percent,
            actual_percent=actual_percent,
            iam_groups=iam_groups,
            iam_roles=iam_roles,
            iam_users=iam_users,
            deny_actions=deny_actions,
            max_workers=max_workers,
            reserved_concurrency=reserved_concurrency,
        )
        has_iam = bool(iam_groups or iam_roles or iam_users)
        if native_iam_action and not has_iam:
            raise invalid("native_iam_action", True, "only with iam_groups, iam_roles or iam_users to apply it to")
        if not (lambda_functions or ecs_services or ec2_instances or has_iam):
            raise invalid("lambda_functions", False, "at least one action: Lambda, ECS, EC2 or IAM principals")
        self.tag_key, self.tag_value, self.dry_run = tag_key, tag_value, dry_run
        stack = Stack.of(self)
        Tags.of(self).add(*EXEMPT_TAG)

        self.table = dynamodb.Table(
            self,
            "Records",
            partition_key=dynamodb.Attribute(name="switch", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="resource", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=table_removal_policy,
        )

        self.alert_topic = FanoutTopic(self, "AlertTopic", service_publishers=["budgets.amazonaws.com"])
        self.operator_topic = FanoutTopic(self, "OperatorTopic", service_publishers=["cloudwatch.amazonaws.com"])
        for index, address in enumerate(operator_emails):
            self.operator_topic.add_email(f"Operator{index}", address)

        self.deny_policy: iam.ManagedPolicy | None = None
        if has_iam:
            self.deny_policy = iam.ManagedPolicy(
                self,
                "DenyPolicy",
                description=f"Attached by the budget kill-switch {self.node.path} when the budget is breached",
                statements=[iam.PolicyStatement(effect=iam.Effect.DENY, actions=list(deny_actions), resources=["*"])],
            )

        #: A name known at synth: the engage function matches it in the notification text, and a
        #: Ref to the budget would make the function depend on the budget that depends on its topic.
        self.budget_name = budget_name or Names.unique_id(self)[-100:]
        self.budget = budgets.CfnBudget(
            self,
            "Budget",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=self.budget_name,
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=limit_usd, unit="USD"),
                cost_filters={
                    "TagKeyValue": [f"user:{tag_key}${tag_value}"],
                    **({"Service": list(services)} if services else {}),
                },
            ),
            notifications_with_subscribers=[
                _notification("FORECASTED", forecast_percent, operator_emails),
                _notification("ACTUAL", actual_percent, operator_emails, topic_arn=self.alert_topic.topic.topic_arn),
            ],
        )
        # Budgets checks at creation that it may publish to the topic: policies first.
        self.budget.node.add_dependency(self.alert_topic.topic, self.alert_topic.key)

        actions = [
            kind
            for kind, enabled in (
                ("lambda", lambda_functions),
                ("ecs", ecs_services),
                ("ec2", ec2_instances),
                ("iam", has_iam and not native_iam_action),
            )
            if enabled
        ]
        config = {
            "switch_id": self.node.addr,
            "budget_name": self.budget_name,
            "account_id": stack.account,
            "table_name": self.table.table_name,
            "summary_topic_arn": self.operator_topic.topic.topic_arn,
            "tag_key": tag_key,
            "tag_value": tag_value,
            "exempt_tag_key": EXEMPT_TAG[0],
            "exempt_tag_value": EXEMPT_TAG[1],
            "actions": actions,
            "iam_groups": list(iam_groups),
            "iam_roles": list(iam_roles),
            "iam_users": list(iam_users),
            "deny_policy_arn": self.deny_policy.managed_policy_arn if self.deny_policy else "",
            "dry_run": dry_run,
            "max_workers": max_workers,
        }
        principals = {"group": list(iam_groups), "role": list(iam_roles), "user": list(iam_users)}
        iam_in_function = "iam" in actions
        self.restore_function = self._function(
            "Restore",
            "ks_restore.handler",
            config,
            _restore_statements(stack, self, actions, principals if iam_in_function else {}),
            log_retention,
            description="buttress kill-switch: restore what the switch recorded (invoke on purpose)",
        )
        self.engage_function = self._function(
            "Engage",
            "ks_engage.handler",
            {**config, "protected_functions": [self.restore_function.function_name]},
            _engage_statements(stack, self, actions, principals if iam_in_function else {}),
            log_retention,
            description="buttress kill-switch: engage on this budget's ACTUAL breach or a drill",
            reserved_concurrency=reserved_concurrency,
        )
        self.alert_topic.add_function("Engage", self.engage_function)

        self.errors_alarm = cloudwatch.Alarm(
            self,
            "EngageErrorsAlarm",
            alarm_description="The kill-switch engage function failed or ran out of time (retried from its records)",
            metric=self.engage_function.metric_errors(period=Duration.minutes(5), statistic="Sum"),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.errors_alarm.add_alarm_action(cloudwatch_actions.SnsAction(self.operator_topic.topic))

        self.budget_action: budgets.CfnBudgetsAction | None = None
        self.budget_action_role: iam.Role | None = None
        if native_iam_action and self.deny_policy is not None:
            self._native_action(stack, principals, actual_percent)

        self.restore_command = (
            f"aws lambda invoke --function-name {self.restore_function.function_name} "
            '--cli-binary-format raw-in-base64-out --payload \'{"confirm": "restore"}\' restore.json'
        )

    # ------------------------------------------------------------------------------------------

    def grant_drill(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` publish the drill message to the alert topic (publish + the topic key)."""
        return self.alert_topic.grant_publish(grantee)

    def grant_restore(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` run the restore command (``lambda:InvokeFunction`` on the restore function)."""
        return self.restore_function.grant_invoke(grantee)

    def _function(
        self,
        id_: str,
        handler: str,
        config: dict[str, object],
        statements: list[iam.PolicyStatement],
        log_retention: logs.RetentionDays,
        *,
        description: str,
        reserved_concurrency: int | None = None,
    ) -> lambda_.Function:
        log_group = logs.LogGroup(self, f"{id_}Logs", retention=log_retention, removal_policy=RemovalPolicy.RETAIN)
        role = iam.Role(
            self,
            f"{id_}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{description} (least privilege; see docs/kill-switch.md)",
        )
        for statement in statements:
            role.add_to_policy(statement)
        log_group.grant_write(role)
        function = lambda_.Function(
            self,
            id_,
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler=handler,
            code=lambda_code("kill_switch"),
            role=role,
            description=description,
            # The 15-minute ceiling: the deadline guard defers what does not fit and the retry resumes.
            timeout=Duration.minutes(15),
            memory_size=256,
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.INFO,
            reserved_concurrent_executions=reserved_concurrency,
            environment={"KILL_SWITCH_CONFIG": Stack.of(self).to_json_string(config)},
        )
        self.operator_topic.grant_publish(role)
        if id_ == "Engage":
            self.table.grant(role, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
        else:
            self.table.grant(role, "dynamodb:Query", "dynamodb:UpdateItem")
        _acknowledge_wildcards(role)
        return function

    def _native_action(self, stack: Stack, principals: dict[str, list[str]], actual_percent: float) -> None:
        assert self.deny_policy is not None
        role = iam.Role(
            self,
            "BudgetActionRole",
            assumed_by=iam.ServicePrincipal("budgets.amazonaws.com").with_conditions(
                {"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
            description="AWS Budgets applies and reverses the kill-switch deny policy with this role",
        )
        role.add_to_policy(_iam_statement(stack, principals, ("Attach", "Detach"), self.deny_policy))
        self.budget_action_role = role
        self.budget_action = budgets.CfnBudgetsAction(
            self,
            "BudgetAction",
            budget_name=self.budget_name,
            action_type="APPLY_IAM_POLICY",
            notification_type="ACTUAL",
            approval_model="AUTOMATIC",
            action_threshold=budgets.CfnBudgetsAction.ActionThresholdProperty(type="PERCENTAGE", value=actual_percent),
            definition=budgets.CfnBudgetsAction.DefinitionProperty(
                iam_action_definition=budgets.CfnBudgetsAction.IamActionDefinitionProperty(
                    policy_arn=self.deny_policy.managed_policy_arn,
                    groups=principals["group"] or None,
                    roles=principals["role"] or None,
                    users=principals["user"] or None,
                )
            ),
            execution_role_arn=role.role_arn,
            subscribers=[
                budgets.CfnBudgetsAction.SubscriberProperty(type="SNS", address=self.operator_topic.topic.topic_arn)
            ],
        )
        self.budget_action.node.add_dependency(role, self.budget)
        # Budgets publishes the action's outcome to the operator topic too.
        self.operator_topic.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PublisherBudgetsAction",
                principals=[iam.ServicePrincipal("budgets.amazonaws.com")],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )
        self.operator_topic.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="PublisherBudgetsAction",
                principals=[iam.ServicePrincipal("budgets.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.operator_topic.topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
            )
        )


# --------------------------------------------------------------------------------------------
# IAM: one statement per need, tag-conditioned where the API evaluates aws:ResourceTag.


def _arn(stack: Stack, service: str, resource: str, *, region: bool = True) -> str:
    """``arn:<partition>:<service>:<region>:<account>:<resource>`` (IAM ARNs have no region)."""
    return f"arn:{stack.partition}:{service}:{stack.region if region else ''}:{stack.account}:{resource}"


def _tagged(switch: BudgetKillSwitch) -> dict[str, dict[str, str]]:
    return {"StringEquals": {f"aws:ResourceTag/{switch.tag_key}": switch.tag_value}}


def _engage_statements(
    stack: Stack, switch: BudgetKillSwitch, actions: list[str], principals: dict[str, list[str]]
) -> list[iam.PolicyStatement]:
    out: list[iam.PolicyStatement] = []
    if set(actions) & {"lambda", "ecs", "ec2"}:
        out.append(iam.PolicyStatement(sid="FindTaggedResources", actions=["tag:GetResources"], resources=["*"]))
    if "lambda" in actions:
        out.append(
            iam.PolicyStatement(
                sid="ZeroTaggedFunctions",
                actions=["lambda:GetFunctionConcurrency", "lambda:PutFunctionConcurrency"],
                resources=[_arn(stack, "lambda", "function:*")],
                conditions=_tagged(switch),
            )
        )
    if "ecs" in actions:
        out.extend(_ecs_statements(stack, switch, describe_targets=True))
    if "ec2" in actions:
        out.append(iam.PolicyStatement(sid="ReadInstances", actions=["ec2:DescribeInstances"], resources=["*"]))
        out.append(
            iam.PolicyStatement(
                sid="StopTaggedInstances",
                actions=["ec2:StopInstances"],
                resources=[_arn(stack, "ec2", "instance/*")],
                conditions=_tagged(switch),
            )
        )
    if principals and switch.deny_policy is not None:
        out.append(_iam_statement(stack, principals, ("ListAttached",), None))
        out.append(_iam_statement(stack, principals, ("Attach",), switch.deny_policy))
    return out


def _restore_statements(
    stack: Stack, switch: BudgetKillSwitch, actions: list[str], principals: dict[str, list[str]]
) -> list[iam.PolicyStatement]:
    out: list[iam.PolicyStatement] = []
    if "lambda" in actions:
        out.append(
            iam.PolicyStatement(
                sid="RestoreTaggedFunctions",
                actions=["lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency"],
                resources=[_arn(stack, "lambda", "function:*")],
                conditions=_tagged(switch),
            )
        )
    if "ecs" in actions:
        out.extend(_ecs_statements(stack, switch, describe_targets=False))
    if "ec2" in actions:
        out.append(
            iam.PolicyStatement(
                sid="StartTaggedInstances",
                actions=["ec2:StartInstances"],
                resources=[_arn(stack, "ec2", "instance/*")],
                conditions=_tagged(switch),
            )
        )
    if principals and switch.deny_policy is not None:
        out.append(_iam_statement(stack, principals, ("Detach",), switch.deny_policy))
    return out


def _ecs_statements(stack: Stack, switch: BudgetKillSwitch, *, describe_targets: bool) -> list[iam.PolicyStatement]:
    scaling_actions = ["application-autoscaling:RegisterScalableTarget"]
    if describe_targets:
        scaling_actions.insert(0, "application-autoscaling:DescribeScalableTargets")
    return [
        iam.PolicyStatement(
            sid="UpdateTaggedServices",
            # Application Auto Scaling also checks the caller may describe and update the service.
            actions=["ecs:DescribeServices", "ecs:UpdateService"],
            resources=[_arn(stack, "ecs", "service/*")],
            conditions=_tagged(switch),
        ),
        iam.PolicyStatement(sid="HoldScalingBounds", actions=scaling_actions, resources=["*"]),
    ]


def _iam_statement(
    stack: Stack, principals: dict[str, list[str]], verbs: Sequence[str], policy: iam.ManagedPolicy | None
) -> iam.PolicyStatement:
    actions: list[str] = []
    resources: list[str] = []
    for type_, names in principals.items():
        if not names:
            continue
        actions.extend(
            f"iam:{verb}{type_.capitalize()}Policies"
            if verb == "ListAttached"
            else f"iam:{verb}{type_.capitalize()}Policy"
            for verb in verbs
        )
        resources.extend(_arn(stack, "iam", f"{type_}/{name}", region=False) for name in names)
    conditions = None if policy is None else {"ArnEquals": {"iam:PolicyARN": policy.managed_policy_arn}}
    sid = "".join(verbs) + "DenyPolicy"
    return iam.PolicyStatement(sid=sid, actions=actions, resources=resources, conditions=conditions)


def _acknowledge_wildcards(role: iam.Role) -> None:
    """The wildcards the APIs leave no way around, each explained (listed in docs/kill-switch.md)."""
    reasons = {
        "Action::kms:GenerateDataKey*": (
            "what SNS documents for publishers to an encrypted topic, on the operator topic's own key only"
        ),
        "Resource::*": (
            "tag:GetResources, ec2:DescribeInstances and application-autoscaling:Describe/RegisterScalableTarget "
            "have no resource-level permissions; ECS scalable targets are not tagged with the project tag"
        ),
        "Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:*": (
            "any function of this account and region, only when it carries the selecting tag (aws:ResourceTag)"
        ),
        "Resource::arn:<AWS::Partition>:ecs:<AWS::Region>:<AWS::AccountId>:service/*": (
            "any ECS service of this account and region, only when it carries the selecting tag (aws:ResourceTag)"
        ),
        "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*": (
            "any instance of this account and region, only when it carries the selecting tag (aws:ResourceTag)"
        ),
    }
    Validations.of(role).acknowledge(
        *(Acknowledgment(id=f"AwsSolutions-IAM5[{finding}]", reason=reason) for finding, reason in reasons.items())
    )


def _notification(
    kind: str, percent: float, emails: Sequence[str], *, topic_arn: str | None = None
) -> budgets.CfnBudget.NotificationWithSubscribersProperty:
    subscribers = [budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address=a) for a in emails]
    if topic_arn is not None:
        subscribers.insert(0, budgets.CfnBudget.SubscriberProperty(subscription_type="SNS", address=topic_arn))
    return budgets.CfnBudget.NotificationWithSubscribersProperty(
        notification=budgets.CfnBudget.NotificationProperty(
            notification_type=kind, comparison_operator="GREATER_THAN", threshold=percent, threshold_type="PERCENTAGE"
        ),
        subscribers=subscribers,
    )


def _validate(
    *,
    limit_usd: float,
    tag_key: str,
    tag_value: str,
    operator_emails: Sequence[str],
    budget_name: str | None,
    services: Sequence[str],
    forecast_percent: float,
    actual_percent: float,
    iam_groups: Sequence[str],
    iam_roles: Sequence[str],
    iam_users: Sequence[str],
    deny_actions: Sequence[str],
    max_workers: int,
    reserved_concurrency: int | None,
) -> None:
    if isinstance(limit_usd, bool) or not isinstance(limit_usd, int | float) or not 0 < limit_usd < 1e12:
        raise invalid("limit_usd", limit_usd, "a number of US dollars above 0")
    if not math.isfinite(limit_usd):
        raise invalid("limit_usd", limit_usd, "a finite number of US dollars above 0")
    if not isinstance(tag_key, str) or not 1 <= len(tag_key) <= 128 or tag_key.lower().startswith("aws:"):
        raise invalid("tag_key", tag_key, "a cost-allocation tag key of 1-128 characters, not starting with 'aws:'")
    if not isinstance(tag_value, str) or not 1 <= len(tag_value) <= 256:
        raise invalid("tag_value", tag_value, "1-256 characters (an empty value would select every resource)")
    if isinstance(operator_emails, str) or not 1 <= len(operator_emails) <= MAX_EMAILS:
        raise invalid("operator_emails", operator_emails, f"a list of 1 to {MAX_EMAILS} e-mail addresses")
    for address in operator_emails:
        if not isinstance(address, str) or not (Token.is_unresolved(address) or _EMAIL.match(address)):
            raise invalid("operator_emails", address, "an e-mail address such as 'ops@example.com'")
    if len(set(operator_emails)) != len(operator_emails):
        raise invalid("operator_emails", list(operator_emails), "distinct addresses")
    if budget_name is not None and not Token.is_unresolved(budget_name) and not _BUDGET_NAME.match(budget_name):
        raise invalid("budget_name", budget_name, "1-100 characters without ':' or '\\'")
    if isinstance(services, str) or any(not isinstance(s, str) or not s.strip() for s in services):
        raise invalid(
            "services",
            services,
            "a list of Cost Explorer service names, e.g. ['Amazon Elastic Compute Cloud - Compute']",
        )
    for prop, value in (("forecast_percent", forecast_percent), ("actual_percent", actual_percent)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= 1000:
            raise invalid(prop, value, "a percentage of the limit from 1 to 1000")
    for prop, names in (("iam_groups", iam_groups), ("iam_roles", iam_roles), ("iam_users", iam_users)):
        if isinstance(names, str):
            raise invalid(prop, names, "a list of names, not a string")
        for name in names:
            if Token.is_unresolved(name):
                continue  # e.g. group.group_name of a group in the same app
            if not isinstance(name, str) or not _IAM_NAME.match(name) or (prop == "iam_roles" and len(name) > 64):
                raise invalid(prop, name, "an IAM name without path: letters, digits and +=,.@_-")
        if len(set(names)) != len(names):
            raise invalid(prop, list(names), "distinct names")
    if isinstance(deny_actions, str) or not deny_actions or any(not _ACTION.match(a) for a in deny_actions):
        raise invalid("deny_actions", deny_actions, "a non-empty list of IAM actions such as 'ec2:RunInstances'")
    if isinstance(max_workers, bool) or not isinstance(max_workers, int) or not 1 <= max_workers <= 32:
        raise invalid("max_workers", max_workers, "an integer from 1 to 32")
    if reserved_concurrency is not None and (
        isinstance(reserved_concurrency, bool) or not isinstance(reserved_concurrency, int) or reserved_concurrency < 1
    ):
        raise invalid("reserved_concurrency", reserved_concurrency, "None or an integer of at least 1")
