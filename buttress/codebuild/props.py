"""The props of a :class:`~buttress.VpcCodeBuild`: as given (:class:`VpcCodeBuildProps`) and checked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs

from buttress.network import Network, VpcInput
from buttress.options import BuildCache
from buttress.parts.log_buckets import DEFAULT_LOG_EXPIRATION
from buttress.rules.codebuild import BuildImageFacts, BuildProps

#: How long uploaded artifacts are kept by default. The checks tell it from a value the user gave
#: by identity (``artifact_expiration`` is an error without ``artifacts``, unless left at this).
DEFAULT_ARTIFACT_EXPIRATION = Duration.days(90)


@dataclass(frozen=True)
class VpcCodeBuildProps:
    """The keyword arguments of :class:`~buttress.VpcCodeBuild` as given, unchecked (documented there).

    The fields are exactly the keyword-only parameters of ``VpcCodeBuild.__init__``, with the
    same defaults (a test holds them together); the construct builds this object in one place.
    """

    vpc: Network | ec2.IVpc
    build_spec: Mapping[str, Any] | str | None = None
    source: codebuild.ISource | None = None
    connection_arn: str | None = None
    subnet_type: ec2.SubnetType = ec2.SubnetType.PRIVATE_WITH_EGRESS
    build_image: codebuild.IBuildImage | None = None
    compute_type: codebuild.ComputeType = codebuild.ComputeType.SMALL
    fleet_capacity: int | None = None
    fleet_max_capacity: int | None = None
    fleet_overflow: codebuild.FleetOverflowBehavior | None = None
    privileged: bool = False
    timeout: Duration | None = None
    concurrent_build_limit: int | None = None
    batch: bool = False
    batch_max_builds: int | None = None
    batch_compute_types: Sequence[codebuild.ComputeType] | None = None
    batch_timeout: Duration | None = None
    cache: BuildCache | str = BuildCache.NONE
    local_cache_modes: Sequence[codebuild.LocalCacheMode] | None = None
    environment_variables: Mapping[str, str] | None = None
    parameter_store_variables: Mapping[str, str] | None = None
    secrets_manager_variables: Mapping[str, str] | None = None
    build_services: Sequence[str] = ()
    artifacts: bool = False
    artifact_expiration: Duration | None = DEFAULT_ARTIFACT_EXPIRATION
    reports: Mapping[str, Mapping[str, Any]] | None = None
    secondary_sources: Sequence[codebuild.ISource] = ()
    secondary_artifacts: Sequence[str] = ()
    queued_timeout: Duration | None = None
    auto_retry_limit: int | None = None
    alarm_action: cloudwatch.IAlarmAction | None = None
    encryption_key: kms.IKey | None = None
    role: iam.IRole | None = None
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    access_log_expiration: Duration = DEFAULT_LOG_EXPIRATION
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    description: str | None = None


@dataclass(frozen=True)
class CheckedProps:
    """A :class:`~buttress.VpcCodeBuild`'s props, checked: the plain ones (:class:`BuildProps`), the CDK-typed ones.

    Made by :func:`buttress.codebuild.checks.check` only; every builder takes this.
    """

    plain: BuildProps
    vpc: VpcInput
    subnet_type: ec2.SubnetType
    source: codebuild.ISource | None
    #: ``source.type``, ``"NO_SOURCE"`` without a source.
    source_type: str
    connection_arn: str | None
    #: IAM prefix of the connection's actions, ``"*"`` for both when the ARN is a token.
    connection_service: str | None
    image: codebuild.IBuildImage
    image_facts: BuildImageFacts
    compute_type: codebuild.ComputeType
    fleet_overflow: codebuild.FleetOverflowBehavior | None
    timeout: Duration
    batch_timeout: Duration | None
    queued_timeout: Duration | None
    secondary_sources: list[codebuild.ISource]
    alarm_action: cloudwatch.IAlarmAction | None
    artifact_expiration: Duration | None
    encryption_key: kms.IKey | None
    role: iam.IRole | None
    log_retention: logs.RetentionDays
    access_log_expiration: Duration
    removal_policy: RemovalPolicy
