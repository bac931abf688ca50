"""``BudgetKillSwitch``: an AWS Budget whose actual-cost breach stops the spending it measures.

Budgets -> alert topic (a :class:`~buttress.fanout.FanoutTopic`) -> engage function -> reserved
concurrency 0 / ECS desired count 0 with scaling held at 0 / EC2 stopped / deny policy attached,
each change recorded in DynamoDB first; a restore function puts back exactly what was recorded.
The runtime is ``lambda_src/kill_switch`` (see ``docs/kill-switch.md``); its configuration is the
asset's own :class:`~buttress._lambda_src.kill_switch.config.Config`, imported here.
"""

from __future__ import annotations

from collections.abc import Sequence

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

from buttress._lambda_src.kill_switch.config import EXEMPT_TAG_KEY, EXEMPT_TAG_VALUE, Kind
from buttress.errors import reports_errors
from buttress.fanout import FanoutTopic
from buttress.kill_switch import budget as budget_parts
from buttress.kill_switch import organizations
from buttress.kill_switch.chat import ChatChannel, build_chat
from buttress.kill_switch.checks import CheckedProps, check, check_partition
from buttress.kill_switch.functions import SwitchResources, restore_and_engage
from buttress.kill_switch.props import BudgetKillSwitchProps
from buttress.kill_switch.reach import Reach, check_reach
from buttress.kill_switch.stages import Stage
from buttress.kill_switch.tripwires import Tripwire, build_tripwires
from buttress.parts import metrics, nag
from buttress.rules import kill_switch as rules
from buttress.rules import props as prop_checks
from buttress.rules.kill_switch import DEFAULT_DENY_ACTIONS, KillSwitchProps

__all__ = ["EXEMPT_TAG", "BudgetKillSwitch"]

#: The tag that keeps a resource out of the switch's reach (the switch tags its own resources with it).
EXEMPT_TAG = (EXEMPT_TAG_KEY, EXEMPT_TAG_VALUE)


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
    :param budget_name: the start of the budget's name (1-91 characters, no ``:`` or ``\\``),
        unique in the account; the budget is named ``<budget_name>-<8 hex>``, the digest of its
        notification settings (thresholds, e-mails, the alert topic), which CloudFormation can only
        replace: a change gives the budget a new name, so the update replaces it instead of
        failing. ``budget_name`` (the attribute) is the full name. Default: the construct path's
        unique id, then the account and the region (``<id>-<account>-<region>``, CloudFormation
        references when the stack is env-agnostic), so the same stack in two regions or accounts
        does not collide.
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
    :param tripwires: CloudWatch alarms that engage the switch within minutes instead of Budgets'
        hours: ``Tripwire.lambda_invocations(...)``, ``lambda_concurrency``, ``nat_gateway_bytes``,
        ``ecs_running_tasks``, ``ec2_running_instances(family=...)``, ``estimated_charges`` (us-east-1
        only) or ``Tripwire.metric(...)``; each engages through the alert topic and is recorded as
        ``tripwire:<name>``. Default none.
    :param stages: escalating thresholds (``Stage(percent, kinds=[...])``), each stopping its own
        kinds and recorded with its name; one restore puts back the last stage first. Forecast
        stages only notify. They replace ``forecast_percent`` and ``actual_percent``. Default none
        (one stage, everything).
    :param period: ``"MONTHLY"`` or ``"DAILY"`` (the limit is per day; no forecast warning, which
        Budgets does not offer for daily budgets). Default ``"MONTHLY"``.
    :param scp_targets: account ids and OU ids that get a deny-all service control policy on engage
        (detached on restore where the switch attached it); the stack must be in the Organizations
        management or delegated administrator account. Default none.
    :param break_glass_role: the role name the service control policy never denies; required with
        ``scp_targets``.
    :param chat: ``ChatChannel.slack(workspace_id=..., channel_id=...)`` or
        ``ChatChannel.teams(team_id=..., tenant_id=..., channel_id=...)``: an AWS Chatbot (Amazon Q
        Developer in chat applications) channel subscribed to the operator topic, with a guardrail
        policy that denies invoking the restore function unless ``allow_restore=True``. Default none.
    :param alarm_action: what every alarm the switch creates notifies (the engage function's
        errors, the two topics' delivery failures). Default: ``operator_topic``, for every one of
        them (a Budgets -> switch delivery that fails is seen).
    :param include_credits: count credits in the budget's spend (net of credits). Default
        ``False``: the switch watches gross spend; Budgets' own default counts them, and spend
        covered by credits would then never reach the limit.
    :param include_refunds: count refunds in the budget's spend. Default ``False`` (gross spend:
        a refund does not lower the spend the switch watches).

    Attributes: ``budget``, ``budget_name``, ``alert_topic``, ``operator_topic``, ``table``,
    ``engage_function``, ``restore_function``, ``deny_policy`` (or ``None``), ``restop_rule`` (the
    daily re-stop of databases, or ``None`` without ``rds_databases``), ``budget_action`` and
    ``budget_action_role`` (or ``None``), ``errors_alarm``, ``restore_command``; ``tag_key``,
    ``tag_value`` and ``dry_run`` as checked; ``tripwire_alarms`` (one per tripwire) and
    ``scp_policy``, ``chat_channel`` and ``chat_guardrail`` (or ``None``).
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
        include_credits: bool = False,
        include_refunds: bool = False,
        tripwires: Sequence[Tripwire] = (),
        stages: Sequence[Stage] = (),
        period: str = "MONTHLY",
        scp_targets: Sequence[str] = (),
        break_glass_role: str | None = None,
        chat: ChatChannel | None = None,
    ) -> None:
        given = BudgetKillSwitchProps(
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
            removal_policy=removal_policy,
            log_retention=log_retention,
            alarm_action=alarm_action,
            table_key=table_key,
            log_key=log_key,
            include_credits=include_credits,
            include_refunds=include_refunds,
            tripwires=tripwires,
            stages=stages,
            period=period,
            scp_targets=scp_targets,
            break_glass_role=break_glass_role,
            chat=chat,
        )
        checked = check(given)
        plain = checked.plain
        reach = check_reach(given, plain, Stack.of(scope))
        super().__init__(scope, id_)
        check_partition(self, plain.regions)
        self.tag_key, self.tag_value, self.dry_run = plain.tag_key, plain.tag_value, plain.dry_run
        Tags.of(self).add(*EXEMPT_TAG)

        self.table = self._table(checked.removal_policy, checked.table_key)
        self.alert_topic, self.operator_topic, self._alarm_action = self._topics(
            plain.operator_emails, checked.alarm_action
        )
        self.deny_policy = self._deny_policy(plain)
        #: A name known at synth: the engage function matches it in the notification text, and a
        #: Ref to the budget would make the function depend on the budget that depends on its topic.
        #: It ends with the digest of the notification settings, which cannot be updated in place.
        notifications = reach.notifications(plain, self.alert_topic.topic.topic_arn)
        self.budget_name = budget_parts.replaceable_name(
            self,
            plain.budget_name
            or rules.default_budget_name(Names.unique_id(self), Stack.of(self).account, Stack.of(self).region),
            notifications,
        )
        self.budget = budget_parts.budget(
            self, plain, self.budget_name, self.alert_topic, notifications=notifications, time_unit=reach.period
        )
        self.scp_policy = (
            organizations.scp_policy(self, name=self.budget_name, break_glass_role=reach.break_glass_role)
            if reach.scp_targets and reach.break_glass_role
            else None
        )
        self.restore_function, self.engage_function = self._functions(checked, reach)
        if self.scp_policy is not None:
            organizations.grant(self.engage_function, self.restore_function, self.scp_policy, reach.scp_targets)
        self.tripwire_alarms = build_tripwires(
            self, reach.tripwires, alert_topic=self.alert_topic, budget_name=self.budget_name
        )
        self.chat_channel, self.chat_guardrail = build_chat(
            self, reach.chat, name=self.budget_name, operator_topic=self.operator_topic, restore=self.restore_function
        )
        self.alert_topic.add_function("Engage", self.engage_function)
        self.restop_rule = self._restop_rule(plain)
        self.errors_alarm = self._errors_alarm()
        self.budget_action_role, self.budget_action = self._native_action(plain)
        self.restore_command = restore_command(self.restore_function)

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
        checked: iam.IGrantable = prop_checks.interface(
            "grantee", grantee, ("grant_principal",), "an iam.IGrantable (a role, user, group or function)"
        )
        return iam.Grant.add_to_principal(
            grantee=checked, actions=["lambda:InvokeFunction"], resource_arns=[self.restore_function.function_arn]
        )

    @reports_errors
    def metric_engage_errors(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Failed or timed-out engage invocations (Sum); default period 5 minutes."""
        return self.engage_function.metric_errors(period=metrics.period(period), statistic="Sum")

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
    ) -> tuple[FanoutTopic, FanoutTopic, cloudwatch.IAlarmAction]:
        """The alert and operator topics, and what the switch's alarms notify (``alarm_action`` or the
        operator topic). The operator topic first: by default every alarm of the switch notifies it,
        its own included."""
        operator = FanoutTopic(
            self, "OperatorTopic", service_publishers=["cloudwatch.amazonaws.com"], alarm_action=alarm_action
        )
        notify = alarm_action or cloudwatch_actions.SnsAction(operator.topic)
        if alarm_action is None:
            # A failed e-mail delivery of the operator topic can only be announced on the topic itself
            # (the e-mail may still reach the others); alarm_action gives it a second path. The topic's
            # alarms (its dead-letter queues' too) are created with this action.
            operator.add_alarm_action(notify)
        alert = FanoutTopic(self, "AlertTopic", service_publishers=["budgets.amazonaws.com"], alarm_action=notify)
        for index, address in enumerate(emails):
            operator.add_email(f"Operator{index}", address)
        return alert, operator, notify

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

    def _functions(self, checked: CheckedProps, reach: Reach) -> tuple[lambda_.Function, lambda_.Function]:
        """The restore function, then the engage function (``functions.restore_and_engage``)."""
        resources = SwitchResources(
            budget_name=self.budget_name,
            table=self.table,
            operator_topic=self.operator_topic,
            deny_policy=self.deny_policy,
        )
        actions = tuple(Kind.parse(kind) for kind in checked.plain.function_actions)
        more = reach.runtime(budget_name=self.budget_name, actions=actions, scp_policy=self.scp_policy)
        return restore_and_engage(self, checked, resources, more)

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

    def _errors_alarm(self) -> cloudwatch.Alarm:
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
        """With ``native_iam_action``: AWS Budgets attaches the deny policy itself (``budget.native_action``)."""
        return budget_parts.native_action(
            self,
            checked,
            budget=self.budget,
            budget_name=self.budget_name,
            deny_policy=self.deny_policy,
            operator_topic=self.operator_topic,
        )


def restore_command(restore_function: lambda_.IFunction) -> str:
    """The CLI command that runs the restore (the function refuses a payload without the confirmation)."""
    return (
        f"aws lambda invoke --function-name {restore_function.function_name} "
        '--cli-binary-format raw-in-base64-out --payload \'{"confirm": "restore"}\' restore.json'
    )
