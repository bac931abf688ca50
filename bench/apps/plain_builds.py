"""The nearest plain aws-cdk-lib build of each construct's job, as a team would write it without buttress.

Each makes the resources the construct makes with its defaults in ``construct_vs_plain.py`` (same
kinds and about the same counts: ``bench/construct_vs_plain.py`` reports both), with aws-cdk-lib's
L2s and patterns where they exist. No buttress import.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_ecs_patterns as patterns
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_wafv2 as wafv2

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "public.ecr.aws/nginx/nginx:stable"
CERTIFICATE = "arn:aws:acm:eu-west-1:111122223333:certificate/bench-0000"
METRICS = (
    "NumberOfMessagesPublished",
    "NumberOfNotificationsDelivered",
    "NumberOfNotificationsFilteredOut",
    "NumberOfNotificationsFilteredOut-NoMessageAttributes",
    "NumberOfNotificationsFilteredOut-InvalidAttributes",
    "NumberOfNotificationsFailed",
)


def network(stack: Any) -> None:
    """``Network()``: public, private and isolated subnets in 2 AZs, NAT per AZ, gateway endpoints, flow logs."""
    group = logs.LogGroup(stack, "FlowLogs", retention=logs.RetentionDays.ONE_MONTH)
    ec2.Vpc(
        stack,
        "Network",
        ip_addresses=ec2.IpAddresses.cidr("10.0.0.0/16"),
        max_azs=2,
        nat_gateways=2,
        restrict_default_security_group=True,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
            ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=20),
            ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24),
        ],
        gateway_endpoints={
            "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
            "DynamoDB": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.DYNAMODB),
        },
        flow_logs={"FlowLogs": ec2.FlowLogOptions(destination=ec2.FlowLogDestination.to_cloud_watch_logs(group))},
    )


def _topic_with_queues(stack: Any, id_: str, filters: dict[str, str]) -> tuple[sns.Topic, sqs.Queue]:
    """An encrypted TLS-only topic, encrypted queues with dead-letter queues, subscription DLQ, dashboard."""
    topic_key = kms.Key(stack, f"{id_}Key", enable_key_rotation=True)
    queue_key = kms.Key(stack, f"{id_}QueueKey", enable_key_rotation=True)
    topic = sns.Topic(stack, id_, master_key=topic_key, enforce_ssl=True)

    def queue(name: str, **kwargs: Any) -> sqs.Queue:
        return sqs.Queue(
            stack,
            name,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=queue_key,
            enforce_ssl=True,
            **kwargs,
        )

    subscription_dlq = queue(f"{id_}SubscriptionDlq", retention_period=Duration.days(14))
    for name, category in filters.items():
        dlq = queue(f"{name}Dlq", retention_period=Duration.days(14))
        target = queue(name, dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=5))
        topic.add_subscription(
            subs.SqsSubscription(
                target,
                raw_message_delivery=True,
                dead_letter_queue=subscription_dlq,
                filter_policy={"category": sns.SubscriptionFilter.string_filter(allowlist=[category])},
            )
        )
    cloudwatch.Dashboard(
        stack,
        f"{id_}Dashboard",
        widgets=[
            [
                cloudwatch.GraphWidget(left=[topic.metric(m, statistic="Sum") for m in METRICS[:5]], width=16),
                cloudwatch.GraphWidget(left=[topic.metric(METRICS[5], statistic="Sum")], width=8),
            ]
        ],
    )
    return topic, subscription_dlq


def fanout(stack: Any) -> None:
    """``FanoutTopic`` with three filtered queues."""
    _topic_with_queues(stack, "Orders", {"Lab": "lab-supplies", "Office": "office-supplies", "Tech": "tech-supplies"})


def alb_fargate(stack: Any) -> None:
    """``AlbFargateService``: the aws-cdk-lib pattern, HTTPS with redirect, access logs, WAF, CPU scaling."""
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    certificate = acm.Certificate.from_certificate_arn(stack, "Certificate", CERTIFICATE)
    logs_group = logs.LogGroup(stack, "Logs", retention=logs.RetentionDays.ONE_MONTH)
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc, enable_fargate_capacity_providers=True)
    service = patterns.ApplicationLoadBalancedFargateService(
        stack,
        "Shop",
        cluster=cluster,
        certificate=certificate,
        redirect_http=True,
        desired_count=2,
        task_image_options=patterns.ApplicationLoadBalancedTaskImageOptions(
            image=ecs.ContainerImage.from_registry(IMAGE),
            log_driver=ecs.LogDrivers.aws_logs(stream_prefix="shop", log_group=logs_group),
        ),
        capacity_provider_strategies=[ecs.CapacityProviderStrategy(capacity_provider="FARGATE", weight=1)],
        circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
    )
    service.target_group.configure_health_check(path="/", interval=Duration.seconds(15))
    bucket = s3.Bucket(
        stack,
        "AccessLogs",
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        removal_policy=RemovalPolicy.RETAIN,
    )
    service.load_balancer.log_access_logs(bucket)
    scaling = service.service.auto_scale_task_count(min_capacity=2, max_capacity=4)
    scaling.scale_on_cpu_utilization("Cpu", target_utilization_percent=70)
    acl = wafv2.CfnWebACL(
        stack,
        "WebAcl",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True, metric_name="shop", sampled_requests_enabled=True
        ),
        rules=[
            wafv2.CfnWebACL.RuleProperty(
                name=name,
                priority=index,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=name
                    )
                ),
                visibility_config=wafv2.CfnWebACL.VisibilityConfigProperty(
                    cloud_watch_metrics_enabled=True, metric_name=name, sampled_requests_enabled=True
                ),
            )
            for index, name in enumerate(["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"])
        ],
    )
    wafv2.CfnWebACLAssociation(
        stack, "WebAclAssociation", resource_arn=service.load_balancer.load_balancer_arn, web_acl_arn=acl.attr_arn
    )
    waf_logs = logs.LogGroup(stack, "WafLogs", log_group_name="aws-waf-logs-shop")
    wafv2.CfnLoggingConfiguration(
        stack, "WafLogging", resource_arn=acl.attr_arn, log_destination_configs=[waf_logs.log_group_arn]
    )


def codebuild_in_vpc(stack: Any) -> None:
    """``VpcCodeBuild``: a project in the VPC's private subnets, its own key and log group."""
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    key = kms.Key(stack, "BuildKey", enable_key_rotation=True)
    group = logs.LogGroup(stack, "BuildLogs", retention=logs.RetentionDays.ONE_MONTH)
    codebuild.Project(
        stack,
        "Build",
        vpc=vpc,
        subnet_selection=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        build_spec=codebuild.BuildSpec.from_object({"version": 0.2, "phases": {"build": {"commands": ["echo"]}}}),
        environment=codebuild.BuildEnvironment(build_image=codebuild.LinuxBuildImage.STANDARD_7_0),
        encryption_key=key,
        logging=codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=group)),
        timeout=Duration.minutes(60),
    )


def kill_switch(stack: Any) -> None:
    """``BudgetKillSwitch``: budget -> alert topic -> engage function; restore function, records, alarms."""
    operator, operator_dlq = _topic_with_queues(stack, "Operator", {})
    operator.add_subscription(subs.EmailSubscription("ops@example.com", dead_letter_queue=operator_dlq))
    alert, alert_dlq = _topic_with_queues(stack, "Alert", {})
    for name, metric in {
        "OperatorFailed": operator.metric_number_of_notifications_failed(),
        "OperatorDlq": operator_dlq.metric_approximate_number_of_messages_visible(),
        "AlertFailed": alert.metric_number_of_notifications_failed(),
        "AlertDlq": alert_dlq.metric_approximate_number_of_messages_visible(),
    }.items():
        cloudwatch.Alarm(
            stack,
            name,
            metric=metric,
            threshold=0,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        ).add_alarm_action(actions.SnsAction(operator))
    table = dynamodb.Table(
        stack,
        "Records",
        partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
    )
    code = lambda_.Code.from_asset(str(ROOT / "lambda_src"), exclude=["procurement", "**/__pycache__"])
    functions = {}
    for name in ("Restore", "Engage"):
        group = logs.LogGroup(stack, f"{name}Logs", retention=logs.RetentionDays.ONE_YEAR)
        function = lambda_.Function(
            stack,
            name,
            runtime=lambda_.Runtime.PYTHON_3_13,
            handler=f"kill_switch.{name.lower()}.handler",
            code=code,
            memory_size=256,
            timeout=Duration.minutes(15),
            log_group=group,
            environment={"TABLE": table.table_name, "TAG_KEY": "Project", "TAG_VALUE": "Beta"},
        )
        table.grant_read_write_data(function)
        functions[name] = function
    alert.add_subscription(subs.LambdaSubscription(functions["Engage"], dead_letter_queue=alert_dlq))
    events.Rule(
        stack,
        "Restop",
        schedule=events.Schedule.rate(Duration.days(1)),
        targets=[targets.LambdaFunction(functions["Engage"])],
    )
    cloudwatch.Alarm(
        stack,
        "EngageErrors",
        metric=functions["Engage"].metric_errors(),
        threshold=0,
        evaluation_periods=1,
        comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    ).add_alarm_action(actions.SnsAction(operator))
    budgets.CfnBudget(
        stack,
        "Budget",
        budget=budgets.CfnBudget.BudgetDataProperty(
            budget_type="COST",
            time_unit="MONTHLY",
            budget_limit=budgets.CfnBudget.SpendProperty(amount=25, unit="USD"),
            cost_filters={"TagKeyValue": ["user:Project$Beta"]},
        ),
        notifications_with_subscribers=[
            budgets.CfnBudget.NotificationWithSubscribersProperty(
                notification=budgets.CfnBudget.NotificationProperty(
                    comparison_operator="GREATER_THAN", notification_type="ACTUAL", threshold=100
                ),
                subscribers=[
                    budgets.CfnBudget.SubscriberProperty(subscription_type="SNS", address=alert.topic_arn),
                    budgets.CfnBudget.SubscriberProperty(subscription_type="EMAIL", address="ops@example.com"),
                ],
            )
        ],
    )


PLAIN: dict[str, Callable[[Any], None]] = {
    "network": network,
    "fanout": fanout,
    "alb_fargate": alb_fargate,
    "codebuild": codebuild_in_vpc,
    "kill_switch": kill_switch,
}
