"""``BudgetKillSwitch``: an AWS Budget whose actual-cost breach stops the spending it measures.

Budgets -> alert topic (a :class:`~buttress.fanout.FanoutTopic`) -> engage function -> reserved
concurrency 0 / ECS desired count 0 with scaling held at 0 / EC2 stopped / deny policy attached,
each change recorded in DynamoDB first; a restore function puts back exactly what was recorded.
The runtime is ``lambda_src/kill_switch`` (see ``docs/kill-switch.md``); its configuration is the
asset's own :class:`~buttress._lambda_src.kill_switch.config.Config`, imported here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from aws_cdk import Duration, Names, RemovalPolicy, Stack, Tags
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from buttress._lambda_src.kill_switch.config import EXEMPT_TAG_KEY, EXEMPT_TAG_VALUE, Config, Kind
from buttress.errors import reports_errors
from buttress.fanout import FanoutTopic
from buttress.parts import nag
from buttress.parts.functions import python_function
from buttress.parts.keys import optional_key
from buttress.parts.nag import acknowledge_wildcards
from buttress.rules import kill_switch as rules
from buttress.rules.kill_switch import DEFAULT_DENY_ACTIONS, MAX_EMAILS, KillSwitchProps

__all__ = ["DEFAULT_DENY_ACTIONS", "EXEMPT_TAG", "MAX_EMAILS", "BudgetKillSwitch"]

#: The tag that keeps a resource out of the switch's reach (the switch tags its own resources with it).
EXEMPT_TAG = (EXEMPT_TAG_KEY, EXEMPT_TAG_VALUE)
#: Records-table permissions of each function: engage records before it changes, restore reads them back.
_ENGAGE_TABLE_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem")
_RESTORE_TABLE_ACTIONS = ("dynamodb:Query", "dynamodb:UpdateItem")


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
        account. Default: the construct path's unique id, then the account and the region
        (``<id>-<account>-<region>``, CloudFormation references when the stack is env-agnostic),
        so the same stack in two regions or accounts does not collide.
    :param services: Cost Explorer service names for the cost filter, e.g.
        ``["Amazon Elastic Compute Cloud - Compute"]`` (checked against
        ``buttress/data/cost-explorer-services.json``; ``"EC2"`` is refused with the right name
        suggested). Default: all services.
    :param forecast_percent: forecast warning threshold, percent of the limit (1-1000). Default 80.
    :param actual_percent: breach threshold that engages the switch (1-1000), at least
        ``forecast_percent``. Default 100.
    :param lambda_functions: set tagged functions' reserved concurrency to 0. Default ``True``.
    :param ecs_services: stop tagged ECS services. Default ``True``.
    :param ec2_instances: stop tagged EC2 instances. Default ``True``.
    :param rds_databases: stop tagged RDS DB instances and Aurora clusters (Aurora members go with
        their cluster), and stop them again daily while engaged, since AWS starts a stopped
        database after seven days. Default ``True``.
    :param auto_scaling_groups: set tagged EC2 Auto Scaling groups' min/desired/max to 0 with the
        processes that would launch or replace instances suspended. Default ``True``.
    :param sagemaker_notebooks: stop tagged SageMaker notebook instances. Default ``True``.
    :param eks_node_groups: scale tagged EKS managed node groups to 0 (min and desired; EKS keeps
        max at least 1). Default ``True``.
    :param app_runner_services: pause tagged App Runner services. Default ``True``.
    :param ec2_instance_store: also stop instances whose instance-store volumes lose their data
        when stopped (otherwise reported and left alone); only with ``ec2_instances``. Default ``False``.
    :param regions: the regions whose tagged resources the switch acts in, e.g.
        ``["eu-west-1", "us-east-1"]``; the functions run in the stack's region and call the others;
        the records, topics and IAM (global: the deny policy is attached once) stay here.
        Default: the stack's region only.
    :param iam_groups: IAM group names (no path) that get the deny policy. Default none.
    :param iam_roles: IAM role names (no path). Default none.
    :param iam_users: IAM user names (no path). Default none.
    :param deny_actions: actions the deny policy denies, each ``service:Action`` of a known IAM
        service prefix (``*``/``?`` wildcards in the action). Default ``ec2:RunInstances``,
        ``ec2:StartInstances``.
    :param native_iam_action: let AWS Budgets attach the deny policy. Default ``False``.
    :param dry_run: record and change nothing, report only. Default ``False``.
    :param max_workers: resources handled in parallel by one invocation (1-32). Default 8.
    :param reserved_concurrency: reserve concurrency for the engage function so that a runaway
        function cannot starve it (the account must have 100 unreserved left). Default none.
    :param removal_policy: of the records table and the functions' log groups. Default
        ``RETAIN`` (the records are what restore needs).
    :param log_retention: of the functions' logs. Default one year.
    :param table_key: customer-managed KMS key of the records table ($1/month plus requests).
        Default ``None``: DynamoDB's AWS-managed key.
    :param log_key: customer-managed KMS key of the functions' log groups (its policy is extended
        to let CloudWatch Logs use it). Default ``None``: CloudWatch Logs' own encryption.
    :param alarm_action: what every alarm the switch creates notifies (the engage function's
        errors, the two topics' delivery failures). Default: ``operator_topic``, for every one of
        them (a Budgets -> switch delivery that fails is seen).

    Attributes: ``budget``, ``alert_topic``, ``operator_topic``, ``table``, ``engage_function``,
    ``restore_function``, ``deny_policy`` (or ``None``), ``budget_action`` and
    ``budget_action_role`` (or ``None``), ``errors_alarm``, ``restore_command``.
    Grants: :meth:`grant_drill` (publish the drill), :meth:`grant_restore` (invoke the restore).
    Metrics: :meth:`metric_engage_errors`.
    """

    @reports_errors
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
        rds_databases: bool = True,
        auto_scaling_groups: bool = True,
        sagemaker_notebooks: bool = True,
        eks_node_groups: bool = True,
        app_runner_services: bool = True,
        ec2_instance_store: bool = False,
        regions: Sequence[str] | None = None,
        iam_groups: Sequence[str] = (),
        iam_roles: Sequence[str] = (),
        iam_users: Sequence[str] = (),
        deny_actions: Sequence[str] = DEFAULT_DENY_ACTIONS,
        native_iam_action: bool = False,
        dry_run: bool = False,
        max_workers: int = 8,
        reserved_concurrency: int | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        alarm_action: cloudwatch.IAlarmAction | None = None,
        table_key: kms.IKey | None = None,
        log_key: kms.IKey | None = None,
    ) -> None:
        checked = rules.check(
            limit_usd=limit_usd,
            tag_key=tag_key,
            tag_value=tag_value,
            operator_emails=operator_emails,
            budget_name=budget_name,
            services=services,
            forecast_percent=forecast_percent,
            actual_percent=actual_percent,
            lambda_functions=lambda_functions,
            ecs_services=ecs_services,
            ec2_instances=ec2_instances,
            rds_databases=rds_databases,
            auto_scaling_groups=auto_scaling_groups,
            sagemaker_notebooks=sagemaker_notebooks,
            eks_node_groups=eks_node_groups,
            app_runner_services=app_runner_services,
            ec2_instance_store=ec2_instance_store,
            regions=regions,
            iam_groups=iam_groups,
            iam_roles=iam_roles,
            iam_users=iam_users,
            deny_actions=deny_actions,
            native_iam_action=native_iam_action,
            dry_run=dry_run,
            max_workers=max_workers,
            reserved_concurrency=reserved_concurrency,
        )
        rules.check_cdk_props(
            removal_policy=removal_policy,
            removal_policy_type=RemovalPolicy,
            log_retention=log_retention,
            log_retention_type=logs.RetentionDays,
            alarm_action=alarm_action,
        )
        keys = (optional_key("table_key", table_key), optional_key("log_key", log_key))
        super().__init__(scope, id_)
        self.tag_key, self.tag_value, self.dry_run = checked.tag_key, checked.tag_value, checked.dry_run
        Tags.of(self).add(*EXEMPT_TAG)

        self.table = self._table(removal_policy, keys[0])
        self._log_key = keys[1]
        self.alert_topic, self.operator_topic = self._topics(checked.operator_emails, alarm_action)
        self.deny_policy = self._deny_policy(checked)
        #: A name known at synth: the engage function matches it in the notification text, and a
        #: Ref to the budget would make the function depend on the budget that depends on its topic.
        self.budget_name = checked.budget_name or rules.default_budget_name(
            Names.unique_id(self), Stack.of(self).account, Stack.of(self).region
        )
        self.budget = self._budget(checked)
        self.restore_function, self.engage_function = self._functions(checked, log_retention, removal_policy)
        self.alert_topic.add_function("Engage", self.engage_function)
        self.restop_rule = self._restop_rule(checked)
        self.errors_alarm = self._errors_alarm(alarm_action)
        self.budget_action_role, self.budget_action = self._native_action(checked)
        self.restore_command = (
            f"aws lambda invoke --function-name {self.restore_function.function_name} "
            '--cli-binary-format raw-in-base64-out --payload \'{"confirm": "restore"}\' restore.json'
        )

    # ------------------------------------------------------------------------------------------
    # grants, metrics

    @reports_errors
    def grant_drill(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` publish the drill message to the alert topic (publish + the topic key)."""
        return self.alert_topic.grant_publish(grantee)

    @reports_errors
    def grant_restore(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` run the restore command: ``lambda:InvokeFunction`` on the restore function's ARN only.

        Not ``Function.grant_invoke``, which adds ``<function ARN>:*`` (every version and alias): a
        cdk-nag AwsSolutions-IAM5 finding on the grantee, for versions the switch never publishes.
        """
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=["lambda:InvokeFunction"], resource_arns=[self.restore_function.function_arn]
        )

    @reports_errors
    def metric_engage_errors(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Failed or timed-out engage invocations (Sum); default period 5 minutes."""
        return self.engage_function.metric_errors(period=period or Duration.minutes(5), statistic="Sum")

    # ------------------------------------------------------------------------------------------
    # builders, in the order the constructor calls them

    def _table(self, removal_policy: RemovalPolicy, key: kms.IKey | None) -> dynamodb.Table:
        table = dynamodb.Table(
            self,
            "Records",
            partition_key=dynamodb.Attribute(name="switch", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="resource", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED if key else dynamodb.TableEncryption.AWS_MANAGED,
            encryption_key=key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            removal_policy=removal_policy,
        )
        nag.acknowledge_rule(
            table,
            "DynamoDBInBackupPlan",
            "Point-in-time recovery is on (continuous backups, 35 days); the table holds only the records a "
            "restore needs, so an AWS Backup plan would add a second copy of the same history.",
        )
        return table

    def _topics(
        self, emails: Sequence[str], alarm_action: cloudwatch.IAlarmAction | None
    ) -> tuple[FanoutTopic, FanoutTopic]:
        """The operator topic first: by default every alarm of the switch notifies it, its own included."""
        operator = FanoutTopic(
            self, "OperatorTopic", service_publishers=["cloudwatch.amazonaws.com"], alarm_action=alarm_action
        )
        self._alarm_action = alarm_action or cloudwatch_actions.SnsAction(operator.topic)
        if alarm_action is None:
            # A failed e-mail delivery of the operator topic can only be announced on the topic itself
            # (the e-mail may still reach the others); alarm_action gives it a second path.
            operator.failed_alarm.add_alarm_action(self._alarm_action)
        alert = FanoutTopic(
            self, "AlertTopic", service_publishers=["budgets.amazonaws.com"], alarm_action=self._alarm_action
        )
        for index, address in enumerate(emails):
            operator.add_email(f"Operator{index}", address)
        if alarm_action is None:
            for alarm in operator.dead_letter_alarms.values():
                alarm.add_alarm_action(self._alarm_action)
        return alert, operator

    def _deny_policy(self, checked: KillSwitchProps) -> iam.ManagedPolicy | None:
        if not checked.has_iam:
            return None
        return iam.ManagedPolicy(
            self,
            "DenyPolicy",
            description=f"Attached by the budget kill-switch {self.node.path} when the budget is breached",
            statements=[
                iam.PolicyStatement(effect=iam.Effect.DENY, actions=list(checked.deny_actions), resources=["*"])
            ],
        )

    def _budget(self, checked: KillSwitchProps) -> budgets.CfnBudget:
        budget = budgets.CfnBudget(
            self,
            "Budget",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=self.budget_name,
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=checked.limit_usd, unit="USD"),
                cost_filters={
                    "TagKeyValue": [f"user:{checked.tag_key}${checked.tag_value}"],
                    **({"Service": list(checked.services)} if checked.services else {}),
                },
            ),
            notifications_with_subscribers=[
                _notification("FORECASTED", checked.forecast_percent, checked.operator_emails),
                _notification(
                    "ACTUAL",
                    checked.actual_percent,
                    checked.operator_emails,
                    topic_arn=self.alert_topic.topic.topic_arn,
                ),
            ],
        )
        # Budgets checks at creation that it may publish to the topic: policies first.
        budget.node.add_dependency(self.alert_topic.topic, self.alert_topic.key)
        return budget

    def _config(self, checked: KillSwitchProps) -> Config:
        """What both functions are told, in the asset's own dataclass (defaults live there)."""
        return Config(
            switch_id=self.node.addr,
            budget_name=self.budget_name,
            account_id=Stack.of(self).account,
            table_name=self.table.table_name,
            summary_topic_arn=self.operator_topic.topic.topic_arn,
            tag_key=checked.tag_key,
            tag_value=checked.tag_value,
            exempt_tag_key=EXEMPT_TAG_KEY,
            exempt_tag_value=EXEMPT_TAG_VALUE,
            actions=tuple(Kind.parse(kind) for kind in checked.function_actions),
            iam_groups=checked.iam_groups,
            iam_roles=checked.iam_roles,
            iam_users=checked.iam_users,
            deny_policy_arn=self.deny_policy.managed_policy_arn if self.deny_policy else "",
            dry_run=checked.dry_run,
            max_workers=checked.max_workers,
            ec2_instance_store=checked.ec2_instance_store,
            regions=checked.regions,
        )

    def _functions(
        self, checked: KillSwitchProps, log_retention: logs.RetentionDays, removal_policy: RemovalPolicy
    ) -> tuple[lambda_.Function, lambda_.Function]:
        """The restore function, then the engage function (which must never throttle the restore)."""
        config = self._config(checked)
        self._kinds = set(checked.function_actions)
        self._regions = checked.regions
        statements = _Statements(Stack.of(self), self, checked)
        restore = self._function(
            "Restore",
            "restore",
            config,
            statements.restore(),
            table_actions=_RESTORE_TABLE_ACTIONS,
            log_retention=log_retention,
            removal_policy=removal_policy,
            description="buttress kill-switch: restore what the switch recorded (invoke on purpose)",
        )
        engage = self._function(
            "Engage",
            "engage",
            replace(config, protected_functions=(restore.function_name,)),
            statements.engage(),
            table_actions=_ENGAGE_TABLE_ACTIONS,
            log_retention=log_retention,
            removal_policy=removal_policy,
            description="buttress kill-switch: engage on this budget's ACTUAL breach or a drill",
            reserved_concurrency=checked.reserved_concurrency,
        )
        return restore, engage

    def _function(
        self,
        id_: str,
        module: str,
        config: Config,
        statements: list[iam.PolicyStatement],
        *,
        table_actions: Sequence[str],
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        description: str,
        reserved_concurrency: int | None = None,
    ) -> lambda_.Function:
        function = python_function(
            self,
            id_,
            asset="kill_switch",
            handler=f"kill_switch.{module}.handler",
            description=description,
            role_description=f"{description} (least privilege; see docs/kill-switch.md)",
            # The 15-minute ceiling: the deadline guard defers what does not fit and the retry resumes.
            timeout=Duration.minutes(15),
            log_retention=log_retention,
            removal_policy=removal_policy,
            statements=statements,
            environment=config.to_environment(Stack.of(self).to_json_string),
            reserved_concurrency=reserved_concurrency,
            json_logs=True,
            log_key=self._log_key,
        )
        role = function.role
        assert role is not None  # python_function always gives the function its own role
        self.operator_topic.grant_publish(role)
        self.table.grant(role, *table_actions)
        _acknowledge_wildcards(role, self._kinds, self._regions)
        return function

    def _restop_rule(self, checked: KillSwitchProps) -> events.Rule | None:
        """Daily, while engaged: stop again the databases AWS started after seven days stopped."""
        if not checked.rds_databases:
            return None
        rule = events.Rule(
            self,
            "RestopSchedule",
            description="buttress kill-switch: stop again the databases AWS restarted while the switch is engaged",
            schedule=events.Schedule.rate(Duration.days(1)),
        )
        message = {"buttressKillSwitch": "restop", "budgetName": self.budget_name}
        rule.add_target(
            events_targets.LambdaFunction(self.engage_function, event=events.RuleTargetInput.from_object(message))
        )
        nag.acknowledge_rule(
            rule,
            "EventBusDLQ",
            "A daily schedule: a re-stop that EventBridge could not deliver is simply made by the next day's "
            "event (AWS restarts a stopped database only after seven days), and a failing re-stop raises the "
            "engage function's errors alarm; a dead-letter queue would hold nothing to act on.",
        )
        return rule

    def _errors_alarm(self, alarm_action: cloudwatch.IAlarmAction | None) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            "EngageErrorsAlarm",
            alarm_description="The kill-switch engage function failed or ran out of time (retried from its records)",
            metric=self.metric_engage_errors(),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._alarm_action)
        return alarm

    def _native_action(self, checked: KillSwitchProps) -> tuple[iam.Role | None, budgets.CfnBudgetsAction | None]:
        """With ``native_iam_action``: AWS Budgets attaches the deny policy itself, with this role."""
        if not checked.native_iam_action or self.deny_policy is None:
            return None, None
        stack = Stack.of(self)
        role = iam.Role(
            self,
            "BudgetActionRole",
            assumed_by=iam.ServicePrincipal("budgets.amazonaws.com").with_conditions(
                {"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
            description="AWS Budgets applies and reverses the kill-switch deny policy with this role",
        )
        role.add_to_policy(_iam_statement(stack, checked.principals, ("Attach", "Detach"), self.deny_policy))
        nag.acknowledge_rule(
            role,
            "IAMNoInlinePolicy",
            "The Budgets action's own role with one statement: attach and detach this switch's deny policy on "
            "the named principals only; a customer-managed policy would be a reusable object nothing else "
            "should attach.",
        )
        action = budgets.CfnBudgetsAction(
            self,
            "BudgetAction",
            budget_name=self.budget_name,
            action_type="APPLY_IAM_POLICY",
            notification_type="ACTUAL",
            approval_model="AUTOMATIC",
            action_threshold=budgets.CfnBudgetsAction.ActionThresholdProperty(
                type="PERCENTAGE", value=checked.actual_percent
            ),
            definition=budgets.CfnBudgetsAction.DefinitionProperty(
                iam_action_definition=budgets.CfnBudgetsAction.IamActionDefinitionProperty(
                    policy_arn=self.deny_policy.managed_policy_arn,
                    groups=list(checked.iam_groups) or None,
                    roles=list(checked.iam_roles) or None,
                    users=list(checked.iam_users) or None,
                )
            ),
            execution_role_arn=role.role_arn,
            subscribers=[
                budgets.CfnBudgetsAction.SubscriberProperty(type="SNS", address=self.operator_topic.topic.topic_arn)
            ],
        )
        action.node.add_dependency(role, self.budget)
        # Budgets publishes the action's outcome to the operator topic too.
        self.operator_topic.allow_service_publisher("budgets.amazonaws.com")
        return role, action


# --------------------------------------------------------------------------------------------
# IAM: one statement per need, tag-conditioned where the API evaluates aws:ResourceTag.


def _arn(stack: Stack, service: str, resource: str, *, region: bool | str = True) -> str:
    """``arn:<partition>:<service>:<region>:<account>:<resource>``: ``region`` True for the stack's,
    a region name for another, False for none (IAM)."""
    where = stack.region if region is True else (region or "")
    return f"arn:{stack.partition}:{service}:{where}:{stack.account}:{resource}"


def _arns(stack: Stack, regions: Sequence[str], service: str, resource: str) -> list[str]:
    """The ARN pattern in each region the switch acts in (the stack's own when none are given)."""
    return [_arn(stack, service, resource, region=region) for region in regions or (True,)]


#: The Auto Scaling group ARN pattern (``autoScalingGroup:<uuid>:autoScalingGroupName/<name>``).
_ASG_ARN = "autoScalingGroup:*:autoScalingGroupName/*"
_ASG_ACTIONS = ("autoscaling:SuspendProcesses", "autoscaling:UpdateAutoScalingGroup", "autoscaling:ResumeProcesses")
#: kind, statement id, read action (engage), engage actions, restore actions, service, resource.
_MORE_KINDS: tuple[tuple[str, str, str, tuple[str, ...], tuple[str, ...], str, str], ...] = (
    (
        "rds",
        "TaggedDatabases",
        "rds:DescribeDBInstances",
        ("rds:StopDBInstance",),
        ("rds:StartDBInstance",),
        "rds",
        "db:*",
    ),
    (
        "rds-cluster",
        "TaggedClusters",
        "rds:DescribeDBClusters",
        ("rds:StopDBCluster",),
        ("rds:StartDBCluster",),
        "rds",
        "cluster:*",
    ),
    (
        "asg",
        "TaggedGroups",
        "autoscaling:DescribeAutoScalingGroups",
        _ASG_ACTIONS,
        _ASG_ACTIONS,
        "autoscaling",
        _ASG_ARN,
    ),
    (
        "sagemaker",
        "TaggedNotebooks",
        "sagemaker:DescribeNotebookInstance",
        ("sagemaker:StopNotebookInstance",),
        ("sagemaker:StartNotebookInstance",),
        "sagemaker",
        "notebook-instance/*",
    ),
    (
        "eks-nodegroup",
        "TaggedNodeGroups",
        "eks:DescribeNodegroup",
        ("eks:UpdateNodegroupConfig",),
        ("eks:UpdateNodegroupConfig",),
        "eks",
        "nodegroup/*",
    ),
    (
        "apprunner",
        "TaggedAppRunnerServices",
        "apprunner:DescribeService",
        ("apprunner:PauseService",),
        ("apprunner:ResumeService",),
        "apprunner",
        "service/*",
    ),
)


class _Statements:
    """The engage and restore functions' policy statements, for the kinds the functions act on."""

    def __init__(self, stack: Stack, switch: BudgetKillSwitch, checked: KillSwitchProps) -> None:
        self._stack = stack
        self._kinds = set(checked.function_actions)
        self._tagged = {"StringEquals": {f"aws:ResourceTag/{checked.tag_key}": checked.tag_value}}
        self._policy = switch.deny_policy if "iam" in self._kinds else None
        self._principals = checked.principals
        self._regions = checked.regions

    def _tag_conditioned(self, sid: str, actions: list[str], service: str, resource: str) -> iam.PolicyStatement:
        return iam.PolicyStatement(
            sid=sid,
            actions=actions,
            resources=_arns(self._stack, self._regions, service, resource),
            conditions=self._tagged,
        )

    def engage(self) -> list[iam.PolicyStatement]:
        out: list[iam.PolicyStatement] = []
        if self._kinds & {"lambda", "ecs", "ec2", "rds", "rds-cluster", "sagemaker", "apprunner"}:
            out.append(iam.PolicyStatement(sid="FindTaggedResources", actions=["tag:GetResources"], resources=["*"]))
        if "lambda" in self._kinds:
            lambda_actions = ["lambda:GetFunctionConcurrency", "lambda:PutFunctionConcurrency"]
            out.append(self._tag_conditioned("ZeroTaggedFunctions", lambda_actions, "lambda", "function:*"))
        if "ecs" in self._kinds:
            out.extend(self._ecs(describe_targets=True))
        if "ec2" in self._kinds:
            reads = ["ec2:DescribeInstances", "ec2:DescribeInstanceTypes"]
            out.append(iam.PolicyStatement(sid="ReadInstances", actions=reads, resources=["*"]))
            out.append(self._tag_conditioned("StopTaggedInstances", ["ec2:StopInstances"], "ec2", "instance/*"))
        out.extend(self._more(engage=True))
        if "eks-nodegroup" in self._kinds:
            # Node groups are found through the EKS API (ListClusters has no resource-level permissions).
            out.append(
                iam.PolicyStatement(
                    sid="FindNodeGroups", actions=["eks:ListClusters", "eks:ListNodegroups"], resources=["*"]
                )
            )
        if self._policy is not None:
            out.append(_iam_statement(self._stack, self._principals, ("ListAttached",), None))
            out.append(_iam_statement(self._stack, self._principals, ("Attach",), self._policy))
        return out

    def restore(self) -> list[iam.PolicyStatement]:
        out: list[iam.PolicyStatement] = []
        if "lambda" in self._kinds:
            lambda_actions = ["lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency"]
            out.append(self._tag_conditioned("RestoreTaggedFunctions", lambda_actions, "lambda", "function:*"))
        if "ecs" in self._kinds:
            out.extend(self._ecs(describe_targets=False))
        if "ec2" in self._kinds:
            out.append(self._tag_conditioned("StartTaggedInstances", ["ec2:StartInstances"], "ec2", "instance/*"))
        out.extend(self._more(engage=False))
        if self._policy is not None:
            out.append(_iam_statement(self._stack, self._principals, ("Detach",), self._policy))
        return out

    def _more(self, *, engage: bool) -> list[iam.PolicyStatement]:
        """RDS, Aurora, Auto Scaling groups, SageMaker: reads by resource type (engage, which also
        re-stops), changes by resource type and the tag condition."""
        out: list[iam.PolicyStatement] = []
        for kind, sid, read, stop, start, service, resource in _MORE_KINDS:
            if kind not in self._kinds:
                continue
            if engage:
                # DescribeAutoScalingGroups has no resource-level permissions; the others take the type.
                scope = ["*"] if kind == "asg" else _arns(self._stack, self._regions, service, resource)
                out.append(iam.PolicyStatement(sid=f"Read{sid}", actions=[read], resources=scope))
            actions = list(stop if engage else start)
            out.append(self._tag_conditioned(("Stop" if engage else "Start") + sid, actions, service, resource))
        return out

    def _ecs(self, *, describe_targets: bool) -> list[iam.PolicyStatement]:
        out = [
            # Application Auto Scaling also checks the caller may describe and update the service,
            # so the tag condition here bounds RegisterScalableTarget below to the tagged services.
            self._tag_conditioned(
                "UpdateTaggedServices", ["ecs:DescribeServices", "ecs:UpdateService"], "ecs", "service/*"
            ),
            iam.PolicyStatement(
                sid="HoldScalingBounds",
                actions=["application-autoscaling:RegisterScalableTarget"],
                resources=_arns(self._stack, self._regions, "application-autoscaling", "scalable-target/*"),
            ),
        ]
        if describe_targets:
            out.append(
                iam.PolicyStatement(
                    sid="ReadScalingBounds",
                    actions=["application-autoscaling:DescribeScalableTargets"],
                    resources=["*"],
                )
            )
        return out


def _iam_statement(
    stack: Stack, principals: dict[str, tuple[str, ...]], verbs: Sequence[str], policy: iam.ManagedPolicy | None
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


def _acknowledge_wildcards(role: iam.IRole, kinds: set[str], regions: Sequence[str]) -> None:
    """The wildcards the APIs leave no way around, each explained (listed in docs/kill-switch.md).

    Each resource is the very token the statements hold, so the finding id matches with an
    explicit environment as well as without one.
    """
    stack = Stack.of(role)
    acknowledge_wildcards(
        role,
        resources={
            "*": (
                "tag:GetResources, ec2:DescribeInstances, ec2:DescribeInstanceTypes, "
                "application-autoscaling:DescribeScalableTargets, autoscaling:DescribeAutoScalingGroups, "
                "eks:ListClusters and eks:ListNodegroups are reads without resource-level permissions"
            ),
            **{
                arn: reason
                for (service, resource), reason in _type_wildcards(kinds).items()
                for arn in _arns(stack, regions, service, resource)
            },
        },
    )


def _type_wildcards(kinds: set[str]) -> dict[tuple[str, str], str]:
    """``(service, resource pattern)`` -> why that pattern is allowed, for the kinds enabled."""
    tagged = "of the regions the switch acts in, only when it carries the selecting tag (aws:ResourceTag)"
    out = {
        (service, resource): f"any {resource.split(':')[0].split('/')[0]} {tagged}; reads by resource type"
        for kind, _, _, _, _, service, resource in _MORE_KINDS
        if kind in kinds
    }
    out[("application-autoscaling", "scalable-target/*")] = (
        "scalable targets of the regions the switch acts in; they do not carry the project tag, but Application "
        "Auto Scaling also requires ecs:UpdateService on the service, which is tag-conditioned"
    )
    out[("lambda", "function:*")] = f"any function {tagged}"
    out[("ecs", "service/*")] = f"any ECS service {tagged}"
    out[("ec2", "instance/*")] = f"any instance {tagged}"
    return out


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
