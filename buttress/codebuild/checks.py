"""Every prop of a :class:`~buttress.VpcCodeBuild` checked before anything is built.

The CDK-typed props are type-checked here (:mod:`buttress.rules.props`); the plain ones go to
:func:`buttress.rules.codebuild.check_props` as plain values, so their rules stay testable
without synthesizing.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import Duration, RemovalPolicy, Token
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs

from buttress.codebuild.props import DEFAULT_ARTIFACT_EXPIRATION, CheckedProps, VpcCodeBuildProps
from buttress.errors import invalid
from buttress.network import GATEWAY_ENDPOINTS, KNOWN_INTERFACE_ENDPOINTS, vpc_input
from buttress.rules import props
from buttress.rules.codebuild import BuildImageFacts, BuildProps, Span, check_props
from buttress.rules.codebuild_batch import COMPUTE_TYPES
from buttress.rules.codebuild_sources import check_connection, check_source_type

#: Endpoint names ``build_services`` may hold: the ones a :class:`~buttress.Network` knows.
KNOWN_SERVICES = frozenset(KNOWN_INTERFACE_ENDPOINTS) | frozenset(GATEWAY_ENDPOINTS)
_SOURCE = ("type", "bind")
_SOURCE_WHAT = "a codebuild.ISource (codebuild.Source...)"


def check(given: VpcCodeBuildProps) -> CheckedProps:
    """Check every prop before anything is built: the CDK-typed ones here, the plain ones in the rules."""
    subnet_type = props.instance("subnet_type", given.subnet_type, ec2.SubnetType, "an ec2.SubnetType")
    source, source_type, connection_service = _check_source(given)
    image, facts = _check_image(given.build_image)
    timeout = _duration("timeout", given.timeout) or Duration.hours(1)
    compute_type = props.instance("compute_type", given.compute_type, codebuild.ComputeType, "a codebuild.ComputeType")
    overflow = None
    if given.fleet_overflow is not None:
        overflow = props.instance(
            "fleet_overflow", given.fleet_overflow, codebuild.FleetOverflowBehavior, "a codebuild.FleetOverflowBehavior"
        )
    expiration = _duration("artifact_expiration", given.artifact_expiration)
    batch_timeout = _duration("batch_timeout", given.batch_timeout)
    queued_timeout = _duration("queued_timeout", given.queued_timeout)
    secondary_sources = _secondary_sources(given.secondary_sources)
    plain = _check_plain(
        given,
        subnet_type=subnet_type,
        has_source=source is not None,
        image=facts,
        timeout=timeout,
        artifact_expiration=expiration,
        batch_timeout=batch_timeout,
        queued_timeout=queued_timeout,
        secondary_sources=secondary_sources,
        compute_type=compute_type,
        fleet_overflow_given=overflow is not None,
    )
    return CheckedProps(
        plain=plain,
        vpc=vpc_input("vpc", given.vpc),
        subnet_type=subnet_type,
        source=source,
        source_type=source_type,
        connection_arn=None if connection_service is None else str(given.connection_arn),
        connection_service=connection_service,
        image=image,
        image_facts=facts,
        compute_type=compute_type,
        fleet_overflow=overflow,
        timeout=timeout,
        batch_timeout=batch_timeout,
        queued_timeout=queued_timeout,
        secondary_sources=secondary_sources,
        alarm_action=props.interface(
            "alarm_action", given.alarm_action, ("bind",), "a cloudwatch.IAlarmAction", optional=True
        ),
        artifact_expiration=expiration,
        encryption_key=props.interface(
            "encryption_key", given.encryption_key, ("key_arn",), "a kms.IKey", optional=True
        ),
        role=props.interface("role", given.role, ("role_arn", "grant_principal"), "an iam.IRole", optional=True),
        log_retention=props.instance("log_retention", given.log_retention, logs.RetentionDays, "a logs.RetentionDays"),
        access_log_expiration=props.instance(
            "access_log_expiration", given.access_log_expiration, Duration, "a Duration (e.g. Duration.days(365))"
        ),
        removal_policy=props.instance("removal_policy", given.removal_policy, RemovalPolicy, "a RemovalPolicy"),
    )


def _check_plain(
    given: VpcCodeBuildProps,
    *,
    subnet_type: ec2.SubnetType,
    has_source: bool,
    image: BuildImageFacts,
    timeout: Duration,
    artifact_expiration: Duration | None,
    batch_timeout: Duration | None,
    queued_timeout: Duration | None,
    secondary_sources: list[codebuild.ISource],
    compute_type: codebuild.ComputeType,
    fleet_overflow_given: bool,
) -> BuildProps:
    """The plain props, in plain values, through the rules (:func:`buttress.rules.codebuild.check_props`)."""
    return check_props(
        subnet_type=subnet_type.name,
        has_source=has_source,
        image=image,
        timeout=_span(timeout),
        build_spec=given.build_spec,
        concurrent_build_limit=given.concurrent_build_limit,
        cache=given.cache,
        local_cache_modes=_cache_modes(given.local_cache_modes),
        privileged=given.privileged,
        environment_variables=given.environment_variables,
        parameter_store_variables=given.parameter_store_variables,
        secrets_manager_variables=given.secrets_manager_variables,
        build_services=given.build_services,
        known_services=KNOWN_SERVICES,
        artifacts=given.artifacts,
        artifact_expiration=None if artifact_expiration is None else _span(artifact_expiration),
        artifact_expiration_given=given.artifact_expiration is not DEFAULT_ARTIFACT_EXPIRATION,
        description=given.description,
        batch=given.batch,
        batch_max_builds=given.batch_max_builds,
        batch_compute_types=_compute_types(given.batch_compute_types),
        batch_timeout=None if batch_timeout is None else _span(batch_timeout),
        reports=given.reports,
        queued_timeout=None if queued_timeout is None else _span(queued_timeout),
        auto_retry_limit=given.auto_retry_limit,
        secondary_sources=[(s.type, s.identifier, False) for s in secondary_sources],
        secondary_artifacts=given.secondary_artifacts,
        compute_type=compute_type.name,
        fleet_capacity=given.fleet_capacity,
        fleet_max_capacity=given.fleet_max_capacity,
        fleet_overflow_given=fleet_overflow_given,
    )


def _check_source(given: VpcCodeBuildProps) -> tuple[codebuild.ISource | None, str, str | None]:
    """The source, its type, and the IAM prefix of ``connection_arn`` (``None`` without one)."""
    source = props.interface("source", given.source, _SOURCE, _SOURCE_WHAT, optional=True)
    source_type = source.type if source is not None else "NO_SOURCE"
    check_source_type(source_type)
    connection_service = check_connection(
        given.connection_arn,
        source_type=source_type,
        token=isinstance(given.connection_arn, str) and Token.is_unresolved(given.connection_arn),
    )
    return source, source_type, connection_service


def _check_image(value: object) -> tuple[codebuild.IBuildImage, BuildImageFacts]:
    image = props.interface(
        "build_image", value, ("image_id", "type"), "a codebuild.IBuildImage (LinuxBuildImage...)", optional=True
    )
    image = image or codebuild.LinuxBuildImage.STANDARD_7_0
    facts = BuildImageFacts(
        image.image_id, image.type, from_ecr_repository=getattr(image, "repository", None) is not None
    )
    return image, facts


def _duration(prop: str, value: object) -> Duration | None:
    if value is None:
        return None
    return props.instance(prop, value, Duration, "a Duration (e.g. Duration.hours(1)) or None")


def _span(duration: Duration) -> Span:
    seconds = duration.to_seconds()
    return Span(None if Token.is_unresolved(seconds) else seconds, duration.to_human_string())


def _secondary_sources(value: object) -> list[codebuild.ISource]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise invalid("secondary_sources", value, f"a list of codebuild.ISource, not {type(value).__name__}")
    for index, source in enumerate(value):
        props.interface(f"secondary_sources[{index}]", source, _SOURCE, _SOURCE_WHAT)
    return list(value)


def _compute_types(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise invalid(
            "batch_compute_types", value, f"a list of codebuild.ComputeType members, not {type(value).__name__}"
        )
    for index, kind in enumerate(value):
        props.instance(f"batch_compute_types[{index}]", kind, codebuild.ComputeType, "a codebuild.ComputeType")
    return [COMPUTE_TYPES[kind.name] for kind in value]


def _cache_modes(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise invalid(
            "local_cache_modes", value, f"a list of codebuild.LocalCacheMode members, not {type(value).__name__}"
        )
    for index, mode in enumerate(value):
        props.instance(f"local_cache_modes[{index}]", mode, codebuild.LocalCacheMode, "a codebuild.LocalCacheMode")
    return [mode.name for mode in value]
