"""The load balancer's access logs: a bucket (created or given) and ELB's delivery into it, in any Region."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Aws, CfnCondition, CfnMapping, Fn, Stack, Token
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.region_info import RegionInfo
from constructs import Construct

from buttress.parts.log_buckets import log_delivery_bucket

if TYPE_CHECKING:
    from buttress.fargate.checks import CdkProps

#: Service principal of ELB access-log delivery in Regions opened since August 2022.
_ELB_LOG_DELIVERY = "logdelivery.elasticloadbalancing.amazonaws.com"


def access_logs(
    scope: Construct, load_balancer: elbv2.ApplicationLoadBalancer, cdk: CdkProps, prefix: str
) -> s3.IBucket:
    """The access-logs bucket (the one given, or a new log-delivery bucket), receiving the load balancer's logs."""
    bucket = cdk.access_logs_bucket or log_delivery_bucket(
        scope,
        "AccessLogs",
        removal_policy=cdk.removal_policy,
        receives="load balancer access logs written by ELB",
        expiration=cdk.access_log_expiration,
    )
    _log_access(load_balancer, bucket, prefix)
    return bucket


def _log_access(load_balancer: elbv2.ApplicationLoadBalancer, bucket: s3.IBucket, prefix: str) -> None:
    stack = Stack.of(load_balancer)
    if not Token.is_unresolved(stack.region):
        load_balancer.log_access_logs(bucket, prefix)
        return
    # aws-cdk-lib needs a concrete region to pick the ELB log-delivery principal; an
    # environment-agnostic stack looks it up at deploy time instead.
    load_balancer.set_attribute("access_logs.s3.enabled", "true")
    load_balancer.set_attribute("access_logs.s3.bucket", bucket.bucket_name)
    load_balancer.set_attribute("access_logs.s3.prefix", prefix)
    objects = bucket.arn_for_objects(f"{prefix}/AWSLogs/{Aws.ACCOUNT_ID}/*")
    bucket.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["s3:PutObject"],
            principals=[iam.ArnPrincipal(f"arn:{Aws.PARTITION}:iam::{_elb_account(stack)}:root")],
            resources=[objects],
        )
    )
    bucket.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["s3:PutObject"], principals=[iam.ServicePrincipal(_ELB_LOG_DELIVERY)], resources=[objects]
        )
    )
    if bucket.policy is not None:
        load_balancer.node.add_dependency(bucket.policy)


def _elb_account(stack: Stack) -> str:
    """The Region's ELB account, looked up at deploy time; this account itself where there is none.

    Regions opened before August 2022 deliver access logs from an ELB-owned account; newer ones
    use the log-delivery service principal (granted separately). Naming the stack's own account
    there grants nothing IAM does not already allow, and keeps the policy valid in every Region.
    """
    mapping = stack.node.try_find_child("ButtressElbAccounts")
    condition = stack.node.try_find_child("ButtressRegionHasElbAccount")
    if not isinstance(mapping, CfnMapping) or not isinstance(condition, CfnCondition):
        partitions = stack.node.try_get_context("@aws-cdk/core:target-partitions") or ["aws"]
        mapping = CfnMapping(
            stack,
            "ButtressElbAccounts",
            mapping={
                region.name: {"account": region.elbv2_account or "none"}
                for region in RegionInfo.regions
                if region.partition in partitions
            },
        )
        condition = CfnCondition(
            stack,
            "ButtressRegionHasElbAccount",
            expression=Fn.condition_not(Fn.condition_equals(mapping.find_in_map(Aws.REGION, "account"), "none")),
        )
    return Token.as_string(
        Fn.condition_if(condition.logical_id, mapping.find_in_map(Aws.REGION, "account"), Aws.ACCOUNT_ID)
    )
