"""Every prop of ``AlbFargateService`` checked in one call, :func:`check`, before any resource exists.

CDK-typed props are type-checked here; the plain ones and the rules between them are
``buttress.rules.fargate``'s; placement, domain and WAF checks are in ``checks_placement``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_s3 as s3

from buttress.errors import invalid
from buttress.fargate import checks_placement as placement
from buttress.fargate.checks_task import (
    Durations,
    TaskProps,
    check_deployment,
    check_durations,
    check_secrets,
    check_sidecars,
    check_task_props,
    whole_seconds,
)
from buttress.fargate.existing_listener import Existing, check_existing
from buttress.fargate.existing_listener import check_route as check_existing_route
from buttress.fargate.existing_listener import listener_props as existing_listener_props
from buttress.fargate.extra_ports import CheckedExtraPort
from buttress.fargate.extra_ports import check as check_extra_ports
from buttress.fargate.image_parameter import check as check_image_parameter
from buttress.fargate.props import AlbFargateServiceProps, LoadBalancerSettings
from buttress.fargate.service_connect import ServiceConnectSpec
from buttress.fargate.service_connect import check as check_service_connect
from buttress.fargate.task import Sidecar, main_image
from buttress.fargate.waf import Waf
from buttress.network import VpcInput, vpc_input
from buttress.options import ListenerProtocol
from buttress.parts.keys import optional_key
from buttress.rules import fargate as rules
from buttress.rules import props as checks
from buttress.rules.fargate.image_parameter import ImageParameterSpec

if TYPE_CHECKING:
    from buttress.fargate.service import AlbFargateService

T = TypeVar("T")


@dataclass(frozen=True)
class CdkProps:
    """The CDK-typed props, type-checked, with defaults resolved."""

    network: VpcInput
    image: str | ecs.ContainerImage | None
    docker_directory: Path | None
    secrets: dict[str, ecs.Secret]
    sidecars: list[Sidecar]
    sidecar_specs: list[rules.ContainerSpec]
    certificate: acm.ICertificate | None
    ssl_policy: elbv2.SslPolicy | None
    durations: Durations
    cluster: ecs.ICluster | None
    task_subnets: ec2.SubnetSelection | None
    load_balancer_subnets: ec2.SubnetSelection | None
    log_retention: logs.RetentionDays
    access_logs_bucket: s3.IBucket | None
    access_log_expiration: Duration
    log_key: kms.IKey | None
    removal_policy: RemovalPolicy
    hosted_zone: route53.IHostedZone | None
    waf: Waf | None
    load_balancer_of: AlbFargateService | None
    idle_timeout: Duration | None


@dataclass(frozen=True)
class Checked:
    """Every prop checked: the plain ones, the CDK ones, and what was resolved from both."""

    plain: rules.FargateProps
    cdk: CdkProps
    task: TaskProps
    image: ecs.ContainerImage
    task_subnets: ec2.SubnetSelection
    load_balancer_subnets: ec2.SubnetSelection
    domain: rules.DomainSpec
    waf: Waf
    route: rules.RouteSpec | None
    deployment: rules.DeploymentSpec
    #: The load balancer or listener the service goes on without having made it (``existing_*``), or ``None``.
    existing: Existing | None = None
    #: With ``image_tag_parameter``: the repository and the SSM parameter of the tag (``image`` is built in scope).
    image_parameter: ImageParameterSpec | None = None
    #: ``extra_ports``, checked.
    extra_ports: tuple[CheckedExtraPort, ...] = ()
    #: ``service_connect``, checked.
    service_connect: ServiceConnectSpec | None = None

    @property
    def ssl_policy(self) -> elbv2.SslPolicy:
        """The HTTPS listener's TLS policy: the one given, else :data:`DEFAULT_SSL_POLICY`."""
        return self.cdk.ssl_policy or DEFAULT_SSL_POLICY

    def load_balancer_settings(self) -> LoadBalancerSettings:
        """What a service sharing this one's load balancer inherits."""
        plain = self.plain
        return LoadBalancerSettings(
            internal=plain.internal,
            dual_stack=plain.dual_stack,
            ingress_cidrs=tuple(plain.ingress_cidrs),
            protocol=plain.protocol,
            listener_port=plain.listener_port,
            redirect_http=plain.redirect_http,
        )


#: The TLS policy of an HTTPS listener when ``ssl_policy`` is not given.
DEFAULT_SSL_POLICY = elbv2.SslPolicy.TLS13_12_PQ


def props_protocol(value: object) -> ListenerProtocol:
    """The ``protocol`` prop as the enum (the checks that need it before ``rules.check_props``)."""
    return checks.option("protocol", value, ListenerProtocol)


def check(id_: str, props: AlbFargateServiceProps, region: str | None) -> Checked:
    """Check every prop: types first, then the rules between them (``region``: the stack's, when known)."""
    cdk = check_cdk_props(props)
    task = check_task_props(props, cdk.sidecars)
    owner = cdk.load_balancer_of
    route = None
    existing = check_existing(props)
    if existing is not None:
        listener_props = existing_listener_props(props, existing)
        route = check_existing_route(props, existing)
        domain = rules.DomainSpec(None, creates_certificate=False, creates_records=False)
        has_certificate = existing.listener is not None or cdk.certificate is not None
    elif owner is None:
        for prop, value in props.route_props():
            if value is not None:
                raise invalid(prop, value, "only with load_balancer_of: a load balancer of its own sends it everything")
        https = props_protocol(props.protocol) is ListenerProtocol.HTTPS
        domain = placement.check_domain(props.domain_name, cdk, https=https, region=region)
        has_certificate = cdk.certificate is not None or domain.creates_certificate
        listener_props = props
    else:
        route, shared = _check_shared(props, owner)
        domain = rules.DomainSpec(None, creates_certificate=False, creates_records=False)
        has_certificate = shared.https
        # The listener props are the shared load balancer's (none was given: _check_shared).
        listener_props = replace(
            props,
            internal=shared.internal,
            dual_stack=shared.dual_stack,
            ingress_cidrs=shared.ingress_cidrs,
            protocol=shared.protocol,
            listener_port=shared.listener_port,
            redirect_http=shared.redirect_http if shared.https else None,
        )
    plain = _check_plain(id_, listener_props, cdk, has_certificate=has_certificate)
    placement.check_cluster(cdk.cluster, spot=plain.spot)
    image = main_image(cdk.image, cdk.docker_directory, plain.cpu_architecture)
    task_subnets, load_balancer_subnets = placement.check_subnets(cdk, internal=plain.internal)
    if plain.dual_stack and owner is None:
        placement.check_ipv6(cdk.network)
    waf = placement.check_waf(cdk.waf, internal=plain.internal, region=region)
    deployment = check_deployment(task.deployment, plain, shared=owner is not None)
    resolved = (plain, cdk, task, image, task_subnets, load_balancer_subnets, domain, waf, route, deployment)
    return _with_estate(props, Checked(*resolved), existing)


def _with_estate(props: AlbFargateServiceProps, checked: Checked, existing: Existing | None) -> Checked:
    """``checked`` with what fits the service into an existing estate: an existing listener, CI's image tag,
    extra ports (issue 26)."""
    if (existing is not None or props.extra_ports) and checked.deployment.shifts_traffic:
        raise invalid(
            "deployment",
            checked.deployment.strategy,
            "a rolling deployment with existing_load_balancer/existing_listener/extra_ports (ECS shifts the "
            "traffic of one target group, on a listener buttress made)",
        )
    sidecar_ports = [(s.name, s.port) for s in checked.cdk.sidecar_specs]
    return replace(
        checked,
        existing=existing,
        image_parameter=check_image_parameter(props),
        extra_ports=check_extra_ports(props, checked.plain.health, sidecar_ports, checked.route),
        service_connect=check_service_connect(props.service_connect),
    )


def _check_shared(
    props: AlbFargateServiceProps, owner: AlbFargateService
) -> tuple[rules.RouteSpec, LoadBalancerSettings]:
    """With ``load_balancer_of``: the owner lends its load balancer, no load-balancer prop is given, the route."""
    checks.interface(
        "load_balancer_of", owner, ("reserve_rule_priority", "load_balancer_settings"), "an AlbFargateService"
    )
    if owner.listener_rule is not None:
        raise invalid(
            "load_balancer_of",
            owner.node.path,
            "a service with a load balancer of its own (this one shares another's: pass that one)",
        )
    for prop, value, default in props.load_balancer_props():
        if value is not default and value != default:
            raise invalid(
                prop,
                value,
                f"not given with load_balancer_of: the shared load balancer of {owner.node.path} sets it",
            )
    route = rules.check_route(
        priority=props.priority,
        path_patterns=props.path_patterns,
        host_headers=props.host_headers,
        taken=owner.rule_priorities,
    )
    return route, owner.load_balancer_settings


def _check_plain(
    id_: str, props: AlbFargateServiceProps, cdk: CdkProps, *, has_certificate: bool
) -> rules.FargateProps:
    """The plain props (and the rules between them), by ``buttress.rules.fargate``."""
    return rules.check_props(
        id_=id_,
        container_name=props.container_name,
        container_port=props.container_port,
        command=props.command,
        cpu=props.cpu,
        memory_mib=props.memory_mib,
        cpu_architecture=props.cpu_architecture,
        spot=props.spot,
        on_demand_base=props.on_demand_base,
        environment=props.environment,
        secret_names=list(cdk.secrets),
        sidecars=cdk.sidecar_specs,
        internal=props.internal,
        dual_stack=props.dual_stack,
        ingress_cidrs=props.ingress_cidrs,
        protocol=props.protocol,
        has_certificate=has_certificate,
        ssl_policy=cdk.ssl_policy,
        listener_port=props.listener_port,
        redirect_http=props.redirect_http,
        health_check_path=props.health_check_path,
        health_check_codes=props.health_check_codes,
        healthy_threshold=props.healthy_threshold,
        unhealthy_threshold=props.unhealthy_threshold,
        durations=cdk.durations.seconds,
        min_capacity=props.min_capacity,
        max_capacity=props.max_capacity,
        scale_on_cpu_percent=props.scale_on_cpu_percent,
        scale_on_memory_percent=props.scale_on_memory_percent,
        scale_on_requests_per_target=props.scale_on_requests_per_target,
        access_logs_prefix=props.access_logs_prefix,
        deletion_protection=props.deletion_protection,
    )


def _check_image(props: AlbFargateServiceProps) -> None:
    image = props.image
    if image is not None and not isinstance(image, str | ecs.ContainerImage):
        raise invalid(
            "image", image, f"a registry image name (str) or an ecs.ContainerImage, not {type(image).__name__}"
        )
    if (image is None) == (props.docker_directory is None):
        raise invalid(
            "image",
            image,
            "exactly one of image (a registry name or ecs.ContainerImage) and docker_directory (a Dockerfile folder)",
        )


def check_cdk_props(props: AlbFargateServiceProps) -> CdkProps:
    """Type-check the CDK-typed props of the infrastructure; the plain ones are ``rules.check_props``'s."""
    _check_image(props)
    durations = check_durations(props)
    sidecars, specs = check_sidecars(props.sidecars)
    if props.idle_timeout is not None:
        idle = checks.instance("idle_timeout", props.idle_timeout, Duration, "a Duration")
        rules.check_idle_timeout(whole_seconds("idle_timeout", idle))
    return CdkProps(
        network=vpc_input("vpc", props.vpc),
        image=props.image,
        docker_directory=None
        if props.docker_directory is None
        else rules.check_docker_directory(props.docker_directory),
        secrets=check_secrets("secrets", props.secrets),
        sidecars=sidecars,
        sidecar_specs=specs,
        certificate=checks.interface(
            "certificate", props.certificate, ("certificate_arn",), "an acm.ICertificate", optional=True
        ),
        ssl_policy=_optional("ssl_policy", props.ssl_policy, elbv2.SslPolicy, "an elbv2.SslPolicy"),
        durations=durations,
        cluster=checks.interface(
            "cluster", props.cluster, ("cluster_name", "cluster_arn"), "an ecs.ICluster", optional=True
        ),
        task_subnets=_optional("task_subnets", props.task_subnets, ec2.SubnetSelection, "an ec2.SubnetSelection"),
        load_balancer_subnets=_optional(
            "load_balancer_subnets", props.load_balancer_subnets, ec2.SubnetSelection, "an ec2.SubnetSelection"
        ),
        log_retention=checks.instance("log_retention", props.log_retention, logs.RetentionDays, "a logs.RetentionDays"),
        access_logs_bucket=checks.interface(
            "access_logs_bucket",
            props.access_logs_bucket,
            ("bucket_name", "bucket_arn"),
            "an s3.IBucket",
            optional=True,
        ),
        access_log_expiration=checks.instance(
            "access_log_expiration", props.access_log_expiration, Duration, "a Duration (e.g. Duration.days(365))"
        ),
        log_key=optional_key("log_key", props.log_key),
        removal_policy=checks.instance("removal_policy", props.removal_policy, RemovalPolicy, "a RemovalPolicy"),
        hosted_zone=checks.interface(
            "hosted_zone", props.hosted_zone, ("hosted_zone_id",), "a route53.IHostedZone", optional=True
        ),
        waf=_optional("waf", props.waf, Waf, "a buttress.Waf (Waf.managed(), Waf.existing(arn), Waf.none(reason))"),
        idle_timeout=_optional("idle_timeout", props.idle_timeout, Duration, "a Duration such as Duration.minutes(5)"),
        load_balancer_of=props.load_balancer_of,
    )


def _optional(prop: str, value: object, kind: type[T], what: str) -> T | None:
    return None if value is None else checks.instance(prop, value, kind, what)
