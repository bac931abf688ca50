"""``AlbFargateServiceProps``: the keyword arguments of ``AlbFargateService``, as given, in one typed object."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_s3 as s3

from buttress.fargate.deployment import Deployment
from buttress.fargate.extra_ports import ExtraPort
from buttress.fargate.service_connect import ServiceConnect
from buttress.fargate.task import Sidecar
from buttress.fargate.waf import Waf
from buttress.network import Network
from buttress.options import CpuArchitecture, ListenerProtocol
from buttress.parts.log_buckets import DEFAULT_LOG_EXPIRATION

if TYPE_CHECKING:
    from buttress.fargate.service import AlbFargateService

# Defaults of the duration props, shared by the signature of ``AlbFargateService`` and the fields below
# (module-level: a call in a signature would run once anyway).
HEALTH_CHECK_INTERVAL = Duration.seconds(15)
HEALTH_CHECK_TIMEOUT = Duration.seconds(5)
HEALTH_CHECK_GRACE_PERIOD = Duration.seconds(60)
DEREGISTRATION_DELAY = Duration.seconds(30)
#: What a cooldown given as ``None`` (not given) means.
SCALE_IN_COOLDOWN = Duration.seconds(300)
SCALE_OUT_COOLDOWN = Duration.seconds(60)


@dataclass(frozen=True)
class LoadBalancerSettings:
    """The checked settings of a service's own load balancer and listener, which a service sharing it inherits."""

    internal: bool
    dual_stack: bool
    ingress_cidrs: tuple[str, ...]
    protocol: ListenerProtocol
    listener_port: int
    redirect_http: bool

    @property
    def https(self) -> bool:
        """Whether the listener serves HTTPS."""
        return self.protocol is ListenerProtocol.HTTPS


@dataclass(frozen=True, kw_only=True)
class AlbFargateServiceProps:
    """Every keyword argument of :class:`~buttress.fargate.AlbFargateService`, unchecked, with the same defaults.

    ``AlbFargateService.__init__`` builds it in one call; the checks (``buttress.fargate.checks``) read it
    and resolve it into checked values. ``tests/fargate/test_props.py`` keeps the fields and the
    constructor's keyword-only parameters in agreement.
    """

    vpc: Network | ec2.IVpc
    image: str | ecs.ContainerImage | None = None
    docker_directory: str | Path | None = None
    image_tag_parameter: str | None = None
    container_name: str = "app"
    container_port: int = 80
    command: Sequence[str] | None = None
    cpu: int = 256
    memory_mib: int = 512
    cpu_architecture: CpuArchitecture | str = CpuArchitecture.X86_64
    spot: bool = False
    on_demand_base: int | None = None
    environment: Mapping[str, str] | None = None
    secrets: Mapping[str, ecs.Secret] | None = None
    sidecars: Sequence[Sidecar] = ()
    internal: bool = False
    ingress_cidrs: Sequence[str] | None = None
    protocol: ListenerProtocol | str = ListenerProtocol.HTTPS
    certificate: acm.ICertificate | None = None
    listener_port: int | None = None
    redirect_http: bool | None = None
    ssl_policy: elbv2.SslPolicy | None = None
    domain_name: str | None = None
    hosted_zone: route53.IHostedZone | None = None
    waf: Waf | None = None
    load_balancer_of: AlbFargateService | None = None
    existing_load_balancer: elbv2.IApplicationLoadBalancer | None = None
    existing_listener: elbv2.IApplicationListener | None = None
    extra_ports: Sequence[ExtraPort] = ()
    service_connect: ServiceConnect | None = None
    priority: int | None = None
    path_patterns: Sequence[str] | None = None
    host_headers: Sequence[str] | None = None
    deployment: Deployment | None = None
    container_health_check: ecs.HealthCheck | None = None
    user: str | None = None
    read_only_root_filesystem: bool = False
    writable_paths: Sequence[str] = ()
    idle_timeout: Duration | None = None
    enable_exec: bool = False
    dual_stack: bool = False
    health_check_path: str = "/"
    health_check_codes: str = "200-399"
    health_check_interval: Duration = HEALTH_CHECK_INTERVAL
    health_check_timeout: Duration = HEALTH_CHECK_TIMEOUT
    healthy_threshold: int = 2
    unhealthy_threshold: int = 3
    health_check_grace_period: Duration = HEALTH_CHECK_GRACE_PERIOD
    deregistration_delay: Duration = DEREGISTRATION_DELAY
    min_capacity: int = 2
    max_capacity: int = 4
    scale_on_cpu_percent: float | None = 70
    scale_on_memory_percent: float | None = None
    scale_on_requests_per_target: int | None = None
    scale_in_cooldown: Duration | None = None
    scale_out_cooldown: Duration | None = None
    cluster: ecs.ICluster | None = None
    task_subnets: ec2.SubnetSelection | None = None
    load_balancer_subnets: ec2.SubnetSelection | None = None
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    access_logs_bucket: s3.IBucket | None = None
    access_logs_prefix: str | None = None
    access_log_expiration: Duration = DEFAULT_LOG_EXPIRATION
    log_key: kms.IKey | None = None
    deletion_protection: bool = False
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN

    def load_balancer_props(self) -> tuple[tuple[str, object, object], ...]:
        """The props that configure the load balancer and its listener: ``(name, value, default)`` each.

        With ``load_balancer_of`` the shared load balancer's settings apply, so none may differ from its default.
        """
        default = AlbFargateServiceProps
        return (
            ("internal", self.internal, default.internal),
            ("ingress_cidrs", self.ingress_cidrs, default.ingress_cidrs),
            ("protocol", self.protocol, default.protocol),
            ("certificate", self.certificate, default.certificate),
            ("listener_port", self.listener_port, default.listener_port),
            ("redirect_http", self.redirect_http, default.redirect_http),
            ("ssl_policy", self.ssl_policy, default.ssl_policy),
            ("load_balancer_subnets", self.load_balancer_subnets, default.load_balancer_subnets),
            ("access_logs_bucket", self.access_logs_bucket, default.access_logs_bucket),
            ("access_logs_prefix", self.access_logs_prefix, default.access_logs_prefix),
            ("deletion_protection", self.deletion_protection, default.deletion_protection),
            ("domain_name", self.domain_name, default.domain_name),
            ("hosted_zone", self.hosted_zone, default.hosted_zone),
            ("waf", self.waf, default.waf),
            ("idle_timeout", self.idle_timeout, default.idle_timeout),
            ("dual_stack", self.dual_stack, default.dual_stack),
        )

    def route_props(self) -> tuple[tuple[str, object], ...]:
        """The props of a listener rule on a shared load balancer (only with ``load_balancer_of``): name, value."""
        return (
            ("priority", self.priority),
            ("path_patterns", self.path_patterns),
            ("host_headers", self.host_headers),
        )
