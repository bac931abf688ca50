"""Delivery-status logging of a ``FanoutTopic``: the role SNS logs with and the topic's logging configs.

SNS Developer Guide, "Amazon SNS message delivery status":
https://docs.aws.amazon.com/sns/latest/dg/msg-status-topics.html
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import ArnFormat, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from constructs import Construct

from buttress.parts import nag
from buttress.rules.fanout import DELIVERY_STATUS_PROTOCOLS


def delivery_status_role(scope: Construct, topic_name: str | None) -> iam.Role:
    """The role SNS writes delivery-status logs with: only the log groups SNS names after this topic."""
    stack = Stack.of(scope)
    # SNS names them sns/<region>/<account>/<topic>[/Failure]. The topic's name, when generated, is
    # known only once the topic exists, and the topic names this role: a name prefix would be a
    # cycle, so a generated name gets every SNS delivery-status group of the account and region.
    name = topic_name if topic_name and not Token.is_unresolved(topic_name) else ""
    groups = stack.format_arn(
        service="logs",
        resource="log-group",
        resource_name=f"sns/{stack.region}/{stack.account}/{name}*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
    role = iam.Role(
        scope,
        "DeliveryStatusRole",
        assumed_by=iam.ServicePrincipal("sns.amazonaws.com"),
        description=f"SNS delivery-status logging of {scope.node.path}",
    )
    role.add_to_policy(
        iam.PolicyStatement(
            actions=[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:PutMetricFilter",
                "logs:PutRetentionPolicy",
            ],
            resources=[groups],
        )
    )
    nag.acknowledge_wildcards(
        role,
        resources={
            groups: "SNS creates the delivery-status log groups (sns/<region>/<account>/<topic> and its "
            "/Failure group) and their streams itself; the wildcard covers those names and their streams only"
        },
    )
    return role


def logging_configs(rates: Mapping[str, int], role: iam.IRole | None) -> list[sns.LoggingConfig]:
    """One logging config per protocol: ``rates`` maps it to the percentage of successes logged."""
    return [
        sns.LoggingConfig(
            protocol=sns.LoggingProtocol(DELIVERY_STATUS_PROTOCOLS[protocol]),
            failure_feedback_role=role,
            success_feedback_role=role,
            success_feedback_sample_rate=rate,
        )
        for protocol, rate in rates.items()
    ]
