"""``AlbFargateService``: a Fargate service behind an Application Load Balancer, secure by default."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    Annotations,
    ArnFormat,
    Aws,
    CfnCondition,
    CfnMapping,
    Duration,
    Fn,
    Names,
    RemovalPolicy,
    Stack,
    Token,
)
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_wafv2 as wafv2
from aws_cdk.region_info import RegionInfo
from constructs import Construct
from jsii.errors import JSIIError

from buttress.errors import invalid, reports_errors
from buttress.network import Network, VpcInput, vpc_input
from buttress.options import CpuArchitecture, DeploymentStrategy, ListenerProtocol, WafMode
from buttress.parts import nag
from buttress.parts.keys import optional_key
from buttress.parts.log_buckets import DEFAULT_LOG_EXPIRATION, log_delivery_bucket
from buttress.parts.log_groups import log_group
from buttress.rules import fargate as rules
from buttress.rules import props as checks

#: Id of the synth-time warning a plain-HTTP service adds; acknowledge it with
#: ``Annotations.of(scope).acknowledge_warning(PLAIN_HTTP_WARNING, reason)`` once the choice is deliberate.
PLAIN_HTTP_WARNING = "buttress:plainHttp"

#: Service principal of ELB access-log delivery in Regions opened since August 2022.
_ELB_LOG_DELIVERY = "logdelivery.elasticloadbalancing.amazonaws.com"

# Defaults of duration props (module-level: a call in a signature would run once anyway).
_FIVE_SECONDS = Duration.seconds(5)
_FIFTEEN_SECONDS = Duration.seconds(15)
_THIRTY_SECONDS = Duration.seconds(30)
_ONE_MINUTE = Duration.seconds(60)
_FIVE_MINUTES = Duration.seconds(300)
_TEN_MINUTES = Duration.minutes(10)

#: The TLS policy of an HTTPS listener when ``ssl_policy`` is not given.
DEFAULT_SSL_POLICY = elbv2.SslPolicy.TLS13_12_PQ

#: Key of the load balancer's template metadata recording its WAF choice (and the reason for none).
WAF_METADATA = "buttress:waf"

#: AWS managed rule groups of the web ACL built by default, in evaluation order (no subscription fee).
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)

#: Props the construct checks itself (CDK types, domain, WAF, routing); the rest go to ``rules.check_props``.
_CDK_PROPS = frozenset(
    {
        "vpc",
        "image",
        "docker_directory",
        "secrets",
        "sidecars",
        "certificate",
        "ssl_policy",
        "health_check_interval",
        "health_check_timeout",
        "health_check_grace_period",
        "deregistration_delay",
        "scale_in_cooldown",
        "scale_out_cooldown",
        "cluster",
        "task_subnets",
        "load_balancer_subnets",
        "log_retention",
        "access_logs_bucket",
        "access_log_expiration",
        "log_key",
        "removal_policy",
        "domain_name",
        "hosted_zone",
        "waf",
        "load_balancer_of",
        "priority",
        "path_patterns",
        "host_headers",
        "container_health_check",
        "deployment",
        "idle_timeout",
        "user",
        "read_only_root_filesystem",
        "writable_paths",
        "enable_exec",
    }
)
#: Priority of the catch-all production rule a traffic-shifting deployment needs on its own listener
#: (the last one, so rules of services sharing the load balancer match first).
_PRODUCTION_RULE_PRIORITY = 50_000
#: Props that configure the load balancer and its listener: with ``load_balancer_of`` the shared
#: load balancer's settings apply, so giving any of them (other than its default) is an error.
_LOAD_BALANCER_PROPS = (
    "internal",
    "ingress_cidrs",
    "protocol",
    "certificate",
    "listener_port",
    "redirect_http",
    "ssl_policy",
    "load_balancer_subnets",
    "access_logs_bucket",
    "access_logs_prefix",
    "deletion_protection",
    "domain_name",
    "hosted_zone",
    "waf",
    "idle_timeout",
    "dual_stack",
)
#: Props of a listener rule, only with ``load_balancer_of``.
_ROUTE_PROPS = ("priority", "path_patterns", "host_headers")
#: Names in ``locals()`` at the top of ``__init__`` that are not props.
_NOT_PROPS = frozenset({"self", "scope", "id_", "__class__"})


@dataclass(frozen=True)
class Sidecar:
    """A container that runs next to the main one in every task and shares its localhost.

    :param name: container name, unique in the task.
    :param image: registry image name (``"public.ecr.aws/..."``) or an ``ecs.ContainerImage``.
    :param port: TCP port it listens on (reachable from the main container at ``localhost:port``),
        or ``None``. No two containers of a task may use the same port.
    :param essential: stop the task when this container stops. Default ``True``.
    :param environment: plain environment variables.
    :param secrets: variables from SSM Parameter Store or Secrets Manager (``ecs.Secret``).
    :param command: command override.
    :param cpu: CPU units reserved for it, or ``None``.
    :param memory_reservation_mib: soft memory reservation, or ``None``.
    :param health_check: an ``ecs.HealthCheck`` (checked like ``AlbFargateService``'s
        ``container_health_check``), or ``None``.
    """

    name: str
    image: str | ecs.ContainerImage
    port: int | None = None
    essential: bool = True
    environment: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, ecs.Secret] = field(default_factory=dict)
    command: Sequence[str] | None = None
    cpu: int | None = None
    memory_reservation_mib: int | None = None
    health_check: ecs.HealthCheck | None = None


@dataclass(frozen=True)
class Waf:
    """How AWS WAF protects the load balancer: :meth:`managed` (the default of an internet-facing
    service), :meth:`existing` or :meth:`none` (with the reason).

    Build it with the class methods; the fields are what they record.
    """

    mode: WafMode
    rate_limit: int | None = None
    web_acl_arn: str | None = None
    reason: str | None = None

    @classmethod
    def managed(cls, *, rate_limit: int = rules.DEFAULT_RATE_LIMIT) -> Waf:
        """A web ACL built for this load balancer: AWS managed rule groups (IP reputation, common rule
        set, known bad inputs), a rate-based rule blocking a client IP above ``rate_limit`` requests per
        5 minutes (10 to 2,000,000,000; default 2000), logged to a CloudWatch log group ``aws-waf-logs-*``."""
        return cls(WafMode.MANAGED, rate_limit=rate_limit)

    @classmethod
    def existing(cls, web_acl_arn: str) -> Waf:
        """An existing REGIONAL web ACL (its ARN), e.g. one shared by many load balancers."""
        return cls(WafMode.EXISTING, web_acl_arn=web_acl_arn)

    @classmethod
    def none(cls, reason: str) -> Waf:
        """No web ACL; ``reason`` (a sentence) is recorded in the template metadata of the load balancer."""
        return cls(WafMode.NONE, reason=reason)


@dataclass(frozen=True)
class Deployment:
    """How a new revision is rolled out: :meth:`rolling` (the default), :meth:`blue_green`, :meth:`canary`
    or :meth:`linear` (ECS-native traffic shifting between two target groups).

    Build it with the class methods; the fields are what they record.
    """

    strategy: DeploymentStrategy
    bake_time: Duration | None = None
    percent: float | None = None
    step_bake_time: Duration | None = None
    test_listener_port: int | None = None
    rollback_on_5xx: int | None = None
    rollback_alarms: Sequence[cloudwatch.IAlarm] = ()

    @classmethod
    def rolling(cls, *, rollback_alarms: Sequence[cloudwatch.IAlarm] = ()) -> Deployment:
        """Replace tasks in place, the circuit breaker rolling back a revision whose tasks fail;
        ``rollback_alarms`` roll it back too when one goes off during the deployment."""
        return cls(DeploymentStrategy.ROLLING, rollback_alarms=tuple(rollback_alarms))

    @classmethod
    def blue_green(
        cls,
        *,
        bake_time: Duration = _TEN_MINUTES,
        test_listener_port: int | None = None,
        rollback_on_5xx: int | None = 10,
        rollback_alarms: Sequence[cloudwatch.IAlarm] = (),
    ) -> Deployment:
        """Start the new revision beside the old, shift all traffic, keep the old one for ``bake_time``
        (0-1440 min) to roll back to. ``test_listener_port``: a listener that reaches the new revision
        before production does. ``rollback_on_5xx``: roll back when the tasks return at least this many 5xx
        responses in each of two consecutive minutes (``None``: no such alarm)."""
        return cls(
            DeploymentStrategy.BLUE_GREEN,
            bake_time=bake_time,
            test_listener_port=test_listener_port,
            rollback_on_5xx=rollback_on_5xx,
            rollback_alarms=tuple(rollback_alarms),
        )

    @classmethod
    def canary(
        cls,
        *,
        percent: float = 10.0,
        step_bake_time: Duration = _FIVE_MINUTES,
        bake_time: Duration = _TEN_MINUTES,
        test_listener_port: int | None = None,
        rollback_on_5xx: int | None = 10,
        rollback_alarms: Sequence[cloudwatch.IAlarm] = (),
    ) -> Deployment:
        """Shift ``percent`` (0.1-100, multiples of 0.1) of the traffic first, wait ``step_bake_time``, then
        shift the rest; otherwise as :meth:`blue_green`."""
        return cls(
            DeploymentStrategy.CANARY,
            bake_time=bake_time,
            percent=percent,
            step_bake_time=step_bake_time,
            test_listener_port=test_listener_port,
            rollback_on_5xx=rollback_on_5xx,
            rollback_alarms=tuple(rollback_alarms),
        )

    @classmethod
    def linear(
        cls,
        *,
        step_percent: float = 25.0,
        step_bake_time: Duration = _FIVE_MINUTES,
        bake_time: Duration = _TEN_MINUTES,
        test_listener_port: int | None = None,
        rollback_on_5xx: int | None = 10,
        rollback_alarms: Sequence[cloudwatch.IAlarm] = (),
    ) -> Deployment:
        """Shift ``step_percent`` (3-100) of the traffic per step, waiting ``step_bake_time`` after each;
        otherwise as :meth:`blue_green`."""
        return cls(
            DeploymentStrategy.LINEAR,
            bake_time=bake_time,
            percent=step_percent,
            step_bake_time=step_bake_time,
            test_listener_port=test_listener_port,
            rollback_on_5xx=rollback_on_5xx,
            rollback_alarms=tuple(rollback_alarms),
        )


@dataclass(frozen=True)
class _CdkProps:
    """The CDK-typed props, checked by :func:`_check_cdk_props`, with defaults resolved."""

    network: VpcInput
    image: str | ecs.ContainerImage | None
    docker_directory: Path | None
    secrets: dict[str, ecs.Secret]
    sidecars: list[Sidecar]
    sidecar_specs: list[rules.ContainerSpec]
    certificate: acm.ICertificate | None
    ssl_policy: elbv2.SslPolicy | None
    durations: dict[str, Duration]
    seconds: rules.Durations
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
    container_health_check: ecs.HealthCheck | None
    sidecar_health_checks: list[ecs.HealthCheck | None]
    deployment: Deployment
    idle_timeout: Duration | None
    user: str | None
    read_only_root_filesystem: bool
    writable_paths: list[str]
    enable_exec: bool


@dataclass(frozen=True)
class _Checked:
    """Every prop checked: the plain ones, the CDK ones, and what was resolved from both."""

    props: rules.FargateProps
    cdk: _CdkProps
    image: ecs.ContainerImage
    task_subnets: ec2.SubnetSelection
    load_balancer_subnets: ec2.SubnetSelection
    domain: rules.DomainSpec
    waf: Waf
    route: rules.RouteSpec | None
    deployment: rules.DeploymentSpec


@jsii.implements(ec2.IConnectable)
class AlbFargateService(Construct):
    """A Fargate service behind an Application Load Balancer, with the safe choices made.

    Defaults that hold without asking:

    * the load balancer in public subnets (``internal=True``: private subnets), tasks in private
      subnets without public IPs; the task security group admits only the load balancer's
      security group on the container port; the load balancer admits ``ingress_cidrs`` (the
      internet for a public service, nobody for an internal one) plus whatever ``allow_from`` opens;
    * an HTTPS listener with ``certificate`` and an HTTP to HTTPS redirect; plain HTTP only with
      ``protocol="HTTP"``, which adds the synth-time warning :data:`PLAIN_HTTP_WARNING`;
    * CPU/memory checked against the Fargate size table, circuit breaker with rollback,
      100 %/200 % deployment bounds, a 30 s deregistration delay, a health-check grace period;
    * ``min_capacity`` to ``max_capacity`` tasks, target tracking on CPU (and optionally memory and
      requests per target);
    * Container Insights (on a cluster it creates), a log group with retention, access logs to
      an SSE-S3, TLS-only, private bucket, invalid HTTP header fields dropped.

    Every bad prop, a mistyped one included, raises :class:`~buttress.errors.ButtressError` at
    synth, starting with this construct's path. A prop that has no effect in the chosen mode is an
    error too (``ssl_policy`` with ``protocol="HTTP"``, ``on_demand_base`` without ``spot``).

    :param vpc: the VPC: a :class:`~buttress.Network` or any ``ec2.IVpc`` (imported ones too).
    :param image: container image: a registry name (``"public.ecr.aws/nginx/nginx:stable"``) or an
        ``ecs.ContainerImage``. Exactly one of ``image`` and ``docker_directory``.
    :param docker_directory: a folder with a ``Dockerfile``; staged at synth, built and pushed to
        ECR by ``cdk deploy`` for ``cpu_architecture``.
    :param container_name: name of the main container. Default ``"app"``.
    :param container_port: port the main container serves HTTP on, 1-65535. Default 80.
    :param command: command override of the main container (a list of strings). Default: the image's.
    :param cpu: task CPU units. Default 256.
    :param memory_mib: task memory (MiB), a valid Fargate pair with ``cpu``. Default 512.
    :param cpu_architecture: :class:`~buttress.CpuArchitecture` or its string, ``"X86_64"`` or
        ``"ARM64"`` (Graviton). Default ``X86_64``.
    :param spot: run tasks above ``on_demand_base`` on Fargate Spot. Default ``False``.
    :param on_demand_base: tasks kept on regular Fargate; only with ``spot=True``. Default 1
        (``None``: not given).
    :param environment: plain environment variables of the main container (string values). Default none.
    :param secrets: variables from SSM Parameter Store or Secrets Manager, e.g.
        ``{"DB_PASSWORD": ecs.Secret.from_secrets_manager(secret)}``; the execution role may read
        exactly these parameters/secrets. Default none.
    :param sidecars: :class:`Sidecar` containers sharing the task's localhost. Default none.
    :param internal: internal load balancer in private subnets. Default ``False``.
    :param ingress_cidrs: IPv4 CIDRs the load balancer admits (a list). Default ``["0.0.0.0/0"]`` for a
        public service, ``[]`` for an internal one (an internet-wide CIDR there is an error).
    :param protocol: :class:`~buttress.ListenerProtocol` or its string: ``"HTTPS"`` (needs
        ``certificate``) or ``"HTTP"`` (explicit opt-in, warns). Default ``HTTPS``.
    :param certificate: ACM certificate of the HTTPS listener.
    :param listener_port: listener port. Default 443 for HTTPS, 80 for HTTP.
    :param redirect_http: with HTTPS, also listen on 80 and redirect to HTTPS; an error with
        ``protocol="HTTP"``. Default ``True`` with HTTPS (``None``: not given).
    :param ssl_policy: TLS policy of the HTTPS listener; an error with ``protocol="HTTP"``. Default
        :data:`DEFAULT_SSL_POLICY`, ``elbv2.SslPolicy.TLS13_12_PQ`` (TLS 1.3 and 1.2 with post-quantum
        key exchange; what aws-cdk-lib's ``usePostQuantumTlsPolicy`` flag picks) (``None``: not given).
    :param domain_name: the name callers use (``www.example.com``); :attr:`url` becomes
        ``https://<domain_name>``. With ``hosted_zone``: alias records to the load balancer and, unless
        ``certificate`` is given, a DNS-validated ACM certificate for it. A given certificate must cover
        it (checked when the certificate's names are known). Default none.
    :param hosted_zone: the Route 53 zone of ``domain_name`` (``domain_name`` must be in it; a private
        zone needs ``certificate``: ACM validates through public DNS). Only with ``domain_name``.
    :param waf: :class:`Waf`: ``Waf.managed(rate_limit=2000)``, ``Waf.existing(web_acl_arn)`` or
        ``Waf.none(reason)``. Default: ``Waf.managed()`` for an internet-facing load balancer, none for
        an internal one.
    :param load_balancer_of: another ``AlbFargateService`` whose load balancer, listener, WAF and access
        logs this service shares; requests matching ``path_patterns``/``host_headers`` go to this
        service's target group through a listener rule of ``priority``. The load balancer props
        (``internal``, ``protocol``, ``certificate``, ``waf``, ``domain_name``...) are then the other
        service's and giving them is an error. Default none: a load balancer of its own.
    :param priority: the listener rule's priority, 1-50000, unique on the listener (lower wins). Only with
        ``load_balancer_of``.
    :param path_patterns: e.g. ``["/docs/*"]``: at most 3, each at most 128 characters (ALB limits).
    :param host_headers: e.g. ``["docs.example.com"]``: at most 3; with ``path_patterns`` at most 5
        values and 5 wildcards in all.
    :param deployment: :class:`Deployment`: ``Deployment.rolling()`` (default: circuit breaker with
        rollback, 100 %/200 %), or ECS-native ``Deployment.blue_green(...)``, ``Deployment.canary(percent=10,
        ...)``, ``Deployment.linear(step_percent=25, ...)``: a second (alternate) target group, a catch-all
        production listener rule ECS shifts traffic on, bake time, an optional test listener, and rollback
        when the construct's 5xx alarm or any of ``rollback_alarms`` goes off.
    :param container_health_check: the main container's own health check, an ``ecs.HealthCheck``:
        ``command`` ``["CMD-SHELL", "curl -f http://localhost/ || exit 1"]`` or ``["CMD", exe, args...]``
        (the tool must exist in the image), ``interval`` 5-300 s (default 30), ``timeout`` 2-120 s and
        shorter than the interval (default 5), ``retries`` 1-10 (default 3), ``start_period`` 0-300 s
        (default 0), whole seconds. ECS replaces a task whose essential container turns unhealthy.
        Default none (the load balancer's health check still applies).
    :param user: the main container's user (``"1000"``, ``"app:app"``); root is an error. Default: the image's.
    :param read_only_root_filesystem: mount the main container's root filesystem read-only. Default ``False``.
    :param writable_paths: with ``read_only_root_filesystem``, the paths the container writes to
        (``["/tmp"]``), each an ephemeral task volume (gone with the task). Default none.
    :param idle_timeout: the load balancer's connection idle timeout, 1-4000 s. Default: ALB's 60 s.
    :param enable_exec: ECS Exec (``aws ecs execute-command``) into the tasks, the sessions encrypted and
        logged to a KMS-encrypted log group (``exec_log_group``, ``exec_key``); only with a cluster the
        construct creates (the logging is a cluster setting). Default ``False``.
    :param dual_stack: an IPv4 and IPv6 load balancer (``ingress_cidrs`` may hold IPv6 CIDRs; a public
        service admits ``::/0`` too by default; an AAAA alias record with ``domain_name``). The VPC
        must have IPv6: an error for an ``ec2.Vpc`` (or ``Network``) without it; an imported VPC is not
        checked at synth (ELB refuses it at deploy). Default ``False``.
    :param health_check_path: target health-check path. Default ``"/"``.
    :param health_check_codes: healthy HTTP codes. Default ``"200-399"``.
    :param health_check_interval: 5-300 s. Default 15 s.
    :param health_check_timeout: 2-120 s, shorter than the interval. Default 5 s.
    :param healthy_threshold: 2-10 checks. Default 2.
    :param unhealthy_threshold: 2-10 checks. Default 3.
    :param health_check_grace_period: time ECS ignores failing health checks of a new task; must
        leave room inside CloudFormation's ~3 h wait to detect a failure. Default 60 s.
    :param deregistration_delay: connection draining, 0-3600 s. Default 30 s (target groups: 300 s).
    :param min_capacity: fewest tasks. Default 2 (one per AZ).
    :param max_capacity: most tasks. Default 4.
    :param scale_on_cpu_percent: target CPU utilization, or ``None``. Default 70.
    :param scale_on_memory_percent: target memory utilization, or ``None``. Default ``None``.
    :param scale_on_requests_per_target: target requests per task per minute, or ``None``. Default ``None``.
    :param scale_in_cooldown: wait after a scale-in; only with a scaling policy. Default 300 s
        (``None``: not given).
    :param scale_out_cooldown: wait after a scale-out; only with a scaling policy. Default 60 s
        (``None``: not given).
    :param cluster: ECS cluster to run in. Default: a new cluster with Container Insights.
    :param task_subnets: where tasks run. Default: the private subnets with egress (public
        subnets are an error: tasks never get public IPs).
    :param load_balancer_subnets: where the load balancer runs. Default: public subnets, or the
        private ones with egress when ``internal``.
    :param log_retention: retention of the container log group. Default one month.
    :param access_logs_bucket: bucket for the load balancer's access logs. Default: a new bucket.
        An imported bucket must already allow ELB log delivery.
    :param access_logs_prefix: key prefix of the access logs. Default: this construct's id.
    :param access_log_expiration: how long access logs are kept in a bucket created here.
        Default one year.
    :param log_key: customer-managed KMS key of the container log group (its policy is extended to
        let CloudWatch Logs use it); $1/month per key plus requests. Default ``None``: CloudWatch
        Logs' own encryption.
    :param deletion_protection: deletion protection of the load balancer. Default ``False``.
    :param removal_policy: of the log group and of a bucket created here (what holds data).
        Default ``RemovalPolicy.RETAIN``.
    """

    @reports_errors
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        vpc: Network | ec2.IVpc,
        image: str | ecs.ContainerImage | None = None,
        docker_directory: str | Path | None = None,
        container_name: str = "app",
        container_port: int = 80,
        command: Sequence[str] | None = None,
        cpu: int = 256,
        memory_mib: int = 512,
        cpu_architecture: CpuArchitecture | str = CpuArchitecture.X86_64,
        spot: bool = False,
        on_demand_base: int | None = None,
        environment: Mapping[str, str] | None = None,
        secrets: Mapping[str, ecs.Secret] | None = None,
        sidecars: Sequence[Sidecar] = (),
        internal: bool = False,
        ingress_cidrs: Sequence[str] | None = None,
        protocol: ListenerProtocol | str = ListenerProtocol.HTTPS,
        certificate: acm.ICertificate | None = None,
        listener_port: int | None = None,
        redirect_http: bool | None = None,
        ssl_policy: elbv2.SslPolicy | None = None,
        domain_name: str | None = None,
        hosted_zone: route53.IHostedZone | None = None,
        waf: Waf | None = None,
        load_balancer_of: AlbFargateService | None = None,
        priority: int | None = None,
        path_patterns: Sequence[str] | None = None,
        host_headers: Sequence[str] | None = None,
        deployment: Deployment | None = None,
        container_health_check: ecs.HealthCheck | None = None,
        user: str | None = None,
        read_only_root_filesystem: bool = False,
        writable_paths: Sequence[str] = (),
        idle_timeout: Duration | None = None,
        enable_exec: bool = False,
        dual_stack: bool = False,
        health_check_path: str = "/",
        health_check_codes: str = "200-399",
        health_check_interval: Duration = _FIFTEEN_SECONDS,
        health_check_timeout: Duration = _FIVE_SECONDS,
        healthy_threshold: int = 2,
        unhealthy_threshold: int = 3,
        health_check_grace_period: Duration = _ONE_MINUTE,
        deregistration_delay: Duration = _THIRTY_SECONDS,
        min_capacity: int = 2,
        max_capacity: int = 4,
        scale_on_cpu_percent: float | None = 70,
        scale_on_memory_percent: float | None = None,
        scale_on_requests_per_target: int | None = None,
        scale_in_cooldown: Duration | None = None,
        scale_out_cooldown: Duration | None = None,
        cluster: ecs.ICluster | None = None,
        task_subnets: ec2.SubnetSelection | None = None,
        load_balancer_subnets: ec2.SubnetSelection | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        access_logs_bucket: s3.IBucket | None = None,
        access_logs_prefix: str | None = None,
        access_log_expiration: Duration = DEFAULT_LOG_EXPIRATION,
        log_key: kms.IKey | None = None,
        deletion_protection: bool = False,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        # Every prop by name, all checked in one place before any resource exists.
        given = {name: value for name, value in locals().items() if name not in _NOT_PROPS}
        checked = _check(id_, given, _stack_region(scope))
        props, cdk = checked.props, checked.cdk
        super().__init__(scope, id_)
        self._props = props
        self._rule_priorities: dict[int, str] = {}
        self._ssl_policy = cdk.ssl_policy or DEFAULT_SSL_POLICY

        #: ``ListenerProtocol.HTTPS`` or ``ListenerProtocol.HTTP`` (equal to ``"HTTPS"``/``"HTTP"``).
        self.protocol = props.protocol
        #: The port callers connect to.
        self.listener_port = props.listener_port
        #: Whether the load balancer is internal.
        self.internal = props.internal
        vpc_ = cdk.network.vpc
        #: The KMS key and the log group of ECS Exec sessions (``enable_exec=True``; else ``None``).
        exec_logging = self._exec_logging(cdk) if cdk.enable_exec else None
        self.exec_key: kms.Key | None = None if exec_logging is None else exec_logging[0]
        self.exec_log_group: logs.LogGroup | None = None if exec_logging is None else exec_logging[1]
        #: The ECS cluster the service runs in.
        self.cluster = self._cluster(cdk.cluster, vpc_, spot=props.spot)
        #: Log group of every container of the task.
        self.log_group = log_group(
            self, "Logs", retention=cdk.log_retention, removal_policy=cdk.removal_policy, key=cdk.log_key
        )
        #: The task definition (awsvpc, Linux, ``cpu_architecture``).
        self.task_definition = self._task_definition(props)
        #: The main container.
        self.container = self._main_container(props, checked.image, cdk.secrets, cdk)
        #: Sidecar containers by name.
        self.sidecars = {
            sidecar.name: self._sidecar(sidecar, health)
            for sidecar, health in zip(cdk.sidecars, cdk.sidecar_health_checks, strict=True)
        }
        #: Security groups of the tasks (admit only the load balancer) and of the load balancer (shared
        #: with ``load_balancer_of`` when given).
        self.task_security_group, self.load_balancer_security_group = self._security_groups(vpc_, cdk.load_balancer_of)
        #: The ECS service.
        self.service = self._service(props, cdk, checked.task_subnets, checked.deployment)
        self._connections = self.service.connections
        self._acknowledge_exec_wildcards()
        if cdk.load_balancer_of is None:
            self._own_load_balancer(checked)
        else:
            self._shared_load_balancer(checked, cdk.load_balancer_of)
        #: Task-count scaling (``None`` when no scaling policy is set).
        self.scaling = self._scaling(props, cdk) if props.scales else None
        #: The alarm on the tasks' 5xx responses that rolls a traffic-shifting deployment back, if any.
        self.rollback_alarm = self._rollback_alarms(checked.deployment, cdk.deployment.rollback_alarms)

    def _own_load_balancer(self, checked: _Checked) -> None:
        """The load balancer, its listeners, certificate, DNS records, WAF and access logs."""
        props, cdk = checked.props, checked.cdk
        #: The Application Load Balancer.
        self.load_balancer = self._load_balancer(props, cdk, checked.load_balancer_subnets)
        #: The target group (IP targets: the tasks' network interfaces); with a traffic-shifting
        #: deployment, the alternate one ECS moves the new revision's tasks and the traffic to.
        self.target_group, self.alternate_target_group = self._target_groups(props, cdk, checked.deployment)
        #: The HTTPS listener's certificate: the one given, one issued for ``domain_name``, or ``None``.
        self.certificate = self._certificate(checked.domain, cdk)
        #: The listener callers use (HTTPS, or HTTP when opted in); the HTTP redirect listener, if any.
        self.listener, self.redirect_listener = self._listeners(props, cdk)
        #: The listener rule routing to this service (only with ``load_balancer_of``).
        self.listener_rule: elbv2.ApplicationListenerRule | None = None
        #: The rule ECS shifts production traffic on, and the test listener (traffic-shifting deployments).
        self.production_rule, self.test_listener = self._traffic_shifting(props, checked.deployment, None)
        self._ingress(props)
        #: Bucket of the load balancer's access logs.
        self.access_logs_bucket = self._access_logs(cdk, props.access_logs_prefix)
        #: Route 53 alias records of ``domain_name`` (empty without ``hosted_zone``).
        self.alias_records = self._alias_records(checked.domain, cdk.hosted_zone)
        #: The web ACL built here (``Waf.managed()``), its log group, and the ARN of the ACL in force, if any.
        self.web_acl, self.waf_log_group, self.web_acl_arn = self._waf(checked.waf, cdk)
        #: DNS name of the load balancer.
        self.dns_name = self.load_balancer.load_balancer_dns_name
        #: ``https://<domain_name>`` with a domain, else ``http(s)://<load balancer DNS name>`` (``:port``
        #: when not the protocol's standard port).
        self.url = rules.service_url(props.protocol, checked.domain.domain_name or self.dns_name, props.listener_port)
        self._acknowledge_compliance(checked)

    def _shared_load_balancer(self, checked: _Checked, owner: AlbFargateService) -> None:
        """A target group behind a listener rule on ``owner``'s listener; everything else is ``owner``'s."""
        props, cdk, route = checked.props, checked.cdk, checked.route
        assert route is not None  # checked: load_balancer_of comes with a route
        self.load_balancer = owner.load_balancer
        self.target_group, self.alternate_target_group = self._target_groups(props, cdk, checked.deployment)
        self.certificate = owner.certificate
        self.listener, self.redirect_listener = owner.listener, owner.redirect_listener
        conditions = [
            *([elbv2.ListenerCondition.host_headers(route.host_headers)] if route.host_headers else []),
            *([elbv2.ListenerCondition.path_patterns(route.path_patterns)] if route.path_patterns else []),
        ]
        self.listener_rule = elbv2.ApplicationListenerRule(
            self,
            "ListenerRule",
            listener=owner.listener,
            priority=route.priority,
            conditions=conditions,
            action=self._forward(),
        )
        owner._rule_priorities[route.priority] = self.node.path
        self.production_rule, self.test_listener = self._traffic_shifting(props, checked.deployment, self.listener_rule)
        self.access_logs_bucket = owner.access_logs_bucket
        self.alias_records = []
        self.web_acl, self.waf_log_group, self.web_acl_arn = owner.web_acl, owner.waf_log_group, owner.web_acl_arn
        self.dns_name = owner.dns_name
        exact_hosts = [host for host in route.host_headers if "*" not in host and "?" not in host]
        base = rules.service_url(props.protocol, exact_hosts[0], props.listener_port) if exact_hosts else owner.url
        self.url = base + route.url_suffix()
        self._acknowledge_task(checked)

    # -- builders -----------------------------------------------------------------------------

    def _cluster(self, cluster: ecs.ICluster | None, vpc: ec2.IVpc, *, spot: bool) -> ecs.ICluster:
        exec_config = (
            None
            if self.exec_log_group is None
            else ecs.ExecuteCommandConfiguration(
                kms_key=self.exec_key,
                logging=ecs.ExecuteCommandLogging.OVERRIDE,
                log_configuration=ecs.ExecuteCommandLogConfiguration(
                    cloud_watch_log_group=self.exec_log_group, cloud_watch_encryption_enabled=True
                ),
            )
        )
        built = cluster or ecs.Cluster(
            self,
            "Cluster",
            vpc=vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
            execute_command_configuration=exec_config,
        )
        if spot and isinstance(built, ecs.Cluster):
            built.enable_fargate_capacity_providers()
        return built

    def _acknowledge_exec_wildcards(self) -> None:
        """IAM5 on the task role for the two wildcards aws-cdk-lib's ECS Exec grant needs, and nothing else."""
        if self.exec_log_group is None:
            return
        streams = Stack.of(self).format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"{self.exec_log_group.log_group_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        nag.acknowledge_wildcards(
            self.task_definition.task_role,
            resources={
                "*": "ECS Exec: the ssmmessages channel actions have no resource type (they only accept '*'), and "
                "logs:DescribeLogGroups lists groups, which has no narrower resource.",
                streams: "ECS Exec writes session logs to streams it names per session, in this one log group.",
            },
        )

    def _exec_logging(self, cdk: _CdkProps) -> tuple[kms.Key, logs.LogGroup]:
        key = kms.Key(
            self,
            "ExecKey",
            description=f"{self.node.path}: ECS Exec sessions and their log group",
            enable_key_rotation=True,
            removal_policy=cdk.removal_policy,
        )
        log_group = logs.LogGroup(
            self, "ExecLogs", retention=cdk.log_retention, removal_policy=cdk.removal_policy, encryption_key=key
        )
        # CloudWatch Logs encrypts the group with the key only if the key policy lets it, for this group.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": Stack.of(self).format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    }
                },
            )
        )
        return key, log_group

    def _task_definition(self, props: rules.FargateProps) -> ecs.FargateTaskDefinition:
        return ecs.FargateTaskDefinition(
            self,
            "TaskDefinition",
            cpu=props.cpu,
            memory_limit_mib=props.memory_mib,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.of(props.cpu_architecture.value),
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )

    def _main_container(
        self,
        props: rules.FargateProps,
        image: ecs.ContainerImage,
        secrets: dict[str, ecs.Secret],
        cdk: _CdkProps,
    ) -> ecs.ContainerDefinition:
        health_check = cdk.container_health_check
        container = self.task_definition.add_container(
            "Container",
            container_name=props.container_name,
            image=image,
            essential=True,
            command=props.command,
            environment=props.environment or None,
            secrets=secrets or None,
            port_mappings=[ecs.PortMapping(container_port=props.container_port, protocol=ecs.Protocol.TCP)],
            logging=ecs.LogDrivers.aws_logs(stream_prefix=props.container_name, log_group=self.log_group),
            health_check=health_check,
            user=cdk.user,
            readonly_root_filesystem=cdk.read_only_root_filesystem or None,
        )
        for index, path in enumerate(cdk.writable_paths):
            # A task volume with no host or EFS source is Fargate ephemeral storage, gone with the task.
            volume = f"writable-{index}"
            self.task_definition.add_volume(name=volume)
            container.add_mount_points(ecs.MountPoint(container_path=path, source_volume=volume, read_only=False))
        return container

    def _sidecar(self, sidecar: Sidecar, health_check: ecs.HealthCheck | None) -> ecs.ContainerDefinition:
        return self.task_definition.add_container(
            f"Sidecar{sidecar.name}",
            container_name=sidecar.name,
            image=_image(sidecar.image),
            essential=sidecar.essential,
            command=list(sidecar.command) if sidecar.command is not None else None,
            environment=dict(sidecar.environment) or None,
            secrets=dict(sidecar.secrets) or None,
            cpu=sidecar.cpu,
            memory_reservation_mib=sidecar.memory_reservation_mib,
            port_mappings=[ecs.PortMapping(container_port=sidecar.port)] if sidecar.port is not None else None,
            logging=ecs.LogDrivers.aws_logs(stream_prefix=sidecar.name, log_group=self.log_group),
            health_check=health_check,
        )

    def _security_groups(
        self, vpc: ec2.IVpc, owner: AlbFargateService | None
    ) -> tuple[ec2.SecurityGroup, ec2.SecurityGroup]:
        tasks = ec2.SecurityGroup(
            self,
            "TaskSecurityGroup",
            vpc=vpc,
            description=f"{self.node.path} tasks: only the load balancer, on the container port",
            allow_all_outbound=True,
        )
        if owner is not None:
            return tasks, owner.load_balancer_security_group
        load_balancer = ec2.SecurityGroup(
            self,
            "LoadBalancerSecurityGroup",
            vpc=vpc,
            description=f"{self.node.path} load balancer",
            allow_all_outbound=False,
        )
        return tasks, load_balancer

    def _service(
        self, props: rules.FargateProps, cdk: _CdkProps, subnets: ec2.SubnetSelection, spec: rules.DeploymentSpec
    ) -> ecs.FargateService:
        return ecs.FargateService(
            self,
            "Service",
            cluster=self.cluster,
            task_definition=self.task_definition,
            assign_public_ip=False,
            vpc_subnets=subnets,
            security_groups=[self.task_security_group],
            # With auto scaling, leaving the count out keeps a deployment from resetting it.
            desired_count=None if props.scales else props.min_capacity,
            min_healthy_percent=100,
            max_healthy_percent=200,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            health_check_grace_period=cdk.durations["health_check_grace_period"],
            capacity_provider_strategies=_capacity_strategy(props.spot, props.on_demand_base),
            platform_version=ecs.FargatePlatformVersion.LATEST,
            enable_ecs_managed_tags=True,
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
            enable_execute_command=cdk.enable_exec or None,
            **_strategy(spec),
        )

    def _load_balancer(
        self, props: rules.FargateProps, cdk: _CdkProps, subnets: ec2.SubnetSelection
    ) -> elbv2.ApplicationLoadBalancer:
        return elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=cdk.network.vpc,
            internet_facing=not props.internal,
            vpc_subnets=subnets,
            security_group=self.load_balancer_security_group,
            drop_invalid_header_fields=True,
            deletion_protection=props.deletion_protection,
            idle_timeout=cdk.idle_timeout,
            ip_address_type=elbv2.IpAddressType.DUAL_STACK if props.dual_stack else None,
        )

    def _target_groups(
        self, props: rules.FargateProps, cdk: _CdkProps, spec: rules.DeploymentSpec
    ) -> tuple[elbv2.ApplicationTargetGroup, elbv2.ApplicationTargetGroup | None]:
        """The target group; with a traffic-shifting deployment also the alternate one, and the tasks
        registered later (by :meth:`_traffic_shifting`, once the production rule exists)."""
        if not spec.shifts_traffic:
            return self._target_group(props, cdk, "TargetGroup", register=True), None
        return (
            self._target_group(props, cdk, "TargetGroup", register=False),
            self._target_group(props, cdk, "AlternateTargetGroup", register=False),
        )

    def _forward(self) -> elbv2.ListenerAction:
        """Forward to the target group; with an alternate one, weighted 100/0 for ECS to shift."""
        if self.alternate_target_group is None:
            return elbv2.ListenerAction.forward([self.target_group])
        return elbv2.ListenerAction.weighted_forward(
            [
                elbv2.WeightedTargetGroup(target_group=self.target_group, weight=100),
                elbv2.WeightedTargetGroup(target_group=self.alternate_target_group, weight=0),
            ]
        )

    def _traffic_shifting(
        self,
        props: rules.FargateProps,
        spec: rules.DeploymentSpec,
        production_rule: elbv2.ApplicationListenerRule | None,
    ) -> tuple[elbv2.ApplicationListenerRule | None, elbv2.ApplicationListener | None]:
        """The production rule (a catch-all on an own listener), the test listener, and the tasks registered."""
        green = self.alternate_target_group
        if green is None:
            return None, None
        if production_rule is None:
            production_rule = elbv2.ApplicationListenerRule(
                self,
                "ProductionRule",
                listener=self.listener,
                priority=_PRODUCTION_RULE_PRIORITY,
                conditions=[elbv2.ListenerCondition.path_patterns(["/*"])],
                action=self._forward(),
            )
            self._rule_priorities[_PRODUCTION_RULE_PRIORITY] = production_rule.node.path
        test_listener, test_rule = self._test_listener(props, spec.test_listener_port)
        alternate = ecs.AlternateTarget(
            "AlternateTarget",
            alternate_target_group=green,
            production_listener=ecs.ListenerRuleConfiguration.application_listener_rule(production_rule),
            test_listener=None
            if test_rule is None
            else ecs.ListenerRuleConfiguration.application_listener_rule(test_rule),
        )
        self.target_group.add_target(
            self.service.load_balancer_target(
                container_name=props.container_name, container_port=props.container_port, alternate_target=alternate
            )
        )
        self._acknowledge_traffic_role()
        return production_rule, test_listener

    def _acknowledge_traffic_role(self) -> None:
        """IAM4 on the role ECS shifts traffic with, for exactly its AWS managed policy."""
        role = self.service.node.try_find_child("AlternateTargetRole")
        resource = None if role is None else role.node.default_child
        if role is None or not isinstance(resource, iam.CfnRole):
            return
        arns = Stack.of(self).resolve(resource.managed_policy_arns) or []
        nag.acknowledge(
            role,
            "AwsSolutions-IAM4",
            "The role ECS assumes to shift traffic between the two target groups of a blue/green, canary or "
            "linear deployment carries AWS's purpose-built AmazonECSInfrastructureRolePolicyForLoadBalancers "
            "(listener rules and target registration only), kept current by AWS as ECS deployments evolve.",
            findings=[f"Policy::{nag.flatten_reference(arn)}" for arn in arns],
        )

    def _test_listener(
        self, props: rules.FargateProps, port: int | None
    ) -> tuple[elbv2.ApplicationListener | None, elbv2.ApplicationListenerRule | None]:
        if port is None:
            return None, None
        listener = self.load_balancer.add_listener(
            "TestListener",
            port=port,
            protocol=elbv2.ApplicationProtocol.HTTPS if props.https else elbv2.ApplicationProtocol.HTTP,
            certificates=[elbv2.ListenerCertificate.from_certificate_manager(self.certificate)]
            if self.certificate
            else None,
            ssl_policy=self._ssl_policy if props.https else None,
            open=False,
            default_action=self._forward(),
        )
        rule = elbv2.ApplicationListenerRule(
            self,
            "TestRule",
            listener=listener,
            priority=1,
            conditions=[elbv2.ListenerCondition.path_patterns(["/*"])],
            action=self._forward(),
        )
        return listener, rule

    def _rollback_alarms(
        self, spec: rules.DeploymentSpec, alarms: Sequence[cloudwatch.IAlarm]
    ) -> cloudwatch.Alarm | None:
        names = [alarm.alarm_name for alarm in alarms]
        built = None
        if spec.rollback_on_5xx is not None and self.alternate_target_group is not None:
            minute = Duration.minutes(1)
            built = cloudwatch.Alarm(
                self,
                "Deployment5xxAlarm",
                alarm_description=f"{self.node.path}: the tasks return 5xx; rolls a deployment back",
                metric=cloudwatch.MathExpression(
                    expression="FILL(blue, 0) + FILL(green, 0)",
                    using_metrics={
                        name: group.metrics.http_code_target(
                            elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=minute, statistic="Sum"
                        )
                        for name, group in (("blue", self.target_group), ("green", self.alternate_target_group))
                    },
                    period=minute,
                    label="5xx responses of the tasks (both target groups)",
                ),
                threshold=spec.rollback_on_5xx,
                evaluation_periods=2,
                datapoints_to_alarm=2,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            names.append(built.alarm_name)
            nag.acknowledge_rule(
                built,
                "CloudWatchAlarmAction",
                "This alarm's action is the rollback: ECS watches it during a deployment and rolls back when it "
                "fires (the service's deployment alarms); it is not meant to page anyone.",
                guard=["cloudwatch_alarm_action_check"],
            )
        if names:
            self.service.enable_deployment_alarms(names, behavior=ecs.AlarmBehavior.ROLLBACK_ON_ALARM)
        return built

    def _target_group(
        self, props: rules.FargateProps, cdk: _CdkProps, id_: str, *, register: bool
    ) -> elbv2.ApplicationTargetGroup:
        health = props.health
        return elbv2.ApplicationTargetGroup(
            self,
            id_,
            vpc=cdk.network.vpc,
            port=props.container_port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.IP,
            deregistration_delay=cdk.durations["deregistration_delay"],
            health_check=elbv2.HealthCheck(
                enabled=True,
                path=health.path,
                healthy_http_codes=health.codes,
                interval=cdk.durations["health_check_interval"],
                timeout=cdk.durations["health_check_timeout"],
                healthy_threshold_count=health.healthy_threshold,
                unhealthy_threshold_count=health.unhealthy_threshold,
            ),
            targets=[
                self.service.load_balancer_target(
                    container_name=props.container_name, container_port=props.container_port
                )
            ]
            if register
            else None,
        )

    def _listeners(
        self, props: rules.FargateProps, cdk: _CdkProps
    ) -> tuple[elbv2.ApplicationListener, elbv2.ApplicationListener | None]:
        certificate = self.certificate
        listener = self.load_balancer.add_listener(
            "Listener",
            port=props.listener_port,
            protocol=elbv2.ApplicationProtocol.HTTPS if props.https else elbv2.ApplicationProtocol.HTTP,
            certificates=[elbv2.ListenerCertificate.from_certificate_manager(certificate)] if certificate else None,
            ssl_policy=(cdk.ssl_policy or DEFAULT_SSL_POLICY) if props.https else None,
            open=False,
            default_target_groups=[self.target_group],
        )
        if not props.redirect_http:
            return listener, None
        redirect = self.load_balancer.add_redirect(
            source_port=80,
            source_protocol=elbv2.ApplicationProtocol.HTTP,
            target_port=props.listener_port,
            target_protocol=elbv2.ApplicationProtocol.HTTPS,
            open=False,
        )
        return listener, redirect

    def _ingress(self, props: rules.FargateProps) -> None:
        open_ports = [props.listener_port, *([80] if props.redirect_http else [])]
        for cidr in props.ingress_cidrs:
            peer = ec2.Peer.ipv6(cidr) if ":" in cidr else ec2.Peer.ipv4(cidr)
            for open_port in open_ports:
                self.load_balancer_security_group.add_ingress_rule(
                    peer, ec2.Port.tcp(open_port), f"from {cidr} on {open_port}"
                )
        if not props.internal and {"0.0.0.0/0", "::/0"} & set(props.ingress_cidrs):
            nag.acknowledge(
                self.load_balancer_security_group,
                "AwsSolutions-EC23",
                "Internet-facing load balancer of a public web service: admitting 0.0.0.0/0 on its "
                f"listener ports ({', '.join(map(str, open_ports))}) is its purpose; the tasks behind it admit "
                "only this load balancer's security group.",
            )
        if not props.https:
            Annotations.of(self).add_warning_v2(
                PLAIN_HTTP_WARNING,
                f"{self.node.path} serves plain HTTP (protocol='HTTP'): traffic to the load balancer is not "
                "encrypted. Give a certificate for HTTPS, or acknowledge this warning where plain HTTP is deliberate.",
            )

    def _certificate(self, domain: rules.DomainSpec, cdk: _CdkProps) -> acm.ICertificate | None:
        if not domain.creates_certificate:
            return cdk.certificate
        assert cdk.hosted_zone is not None and domain.domain_name is not None  # checked
        return acm.Certificate(
            self,
            "Certificate",
            domain_name=domain.domain_name,
            validation=acm.CertificateValidation.from_dns(cdk.hosted_zone),
        )

    def _alias_records(self, domain: rules.DomainSpec, zone: route53.IHostedZone | None) -> list[route53.RecordSet]:
        if zone is None or domain.domain_name is None:
            return []
        target = route53.RecordTarget.from_alias(route53_targets.LoadBalancerTarget(self.load_balancer))
        # A trailing dot: the name as given, never with the zone name appended again.
        name = f"{domain.domain_name}."
        records: list[route53.RecordSet] = [
            route53.ARecord(self, "AliasRecord", zone=zone, record_name=name, target=target)
        ]
        if self._props.dual_stack:
            records.append(route53.AaaaRecord(self, "AliasRecordIpv6", zone=zone, record_name=name, target=target))
        return records

    def _waf(self, waf: Waf, cdk: _CdkProps) -> tuple[wafv2.CfnWebACL | None, logs.LogGroup | None, str | None]:
        load_balancer = self.load_balancer.node.default_child
        assert isinstance(load_balancer, elbv2.CfnLoadBalancer)
        record: dict[str, str] = {"mode": waf.mode.value}
        acl: wafv2.CfnWebACL | None = None
        log_group: logs.LogGroup | None = None
        arn: str | None = None
        if waf.mode is WafMode.NONE:
            record["reason"] = waf.reason or ""
        elif waf.mode is WafMode.EXISTING:
            arn = waf.web_acl_arn
        else:
            acl, log_group = self._web_acl(waf.rate_limit or rules.DEFAULT_RATE_LIMIT, cdk)
            arn = acl.attr_arn
        load_balancer.add_metadata(WAF_METADATA, record)
        if arn is not None:
            wafv2.CfnWebACLAssociation(
                self, "WebAclAssociation", resource_arn=self.load_balancer.load_balancer_arn, web_acl_arn=arn
            )
        return acl, log_group, arn

    def _web_acl(self, rate_limit: int, cdk: _CdkProps) -> tuple[wafv2.CfnWebACL, logs.LogGroup]:
        metric_prefix = Names.unique_id(self)[-100:]
        acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            description=f"{self.node.path}: AWS managed rules and a per-IP rate limit",
            rules=_waf_rules(rate_limit, metric_prefix),
            visibility_config=_visibility(metric_prefix, "WebAcl"),
        )
        # WAF only logs to log groups whose name starts with aws-waf-logs-.
        waf_logs = log_group(
            self,
            "WafLogs",
            log_group_name=f"aws-waf-logs-{Names.unique_id(self)[-200:]}",
            retention=cdk.log_retention,
            removal_policy=cdk.removal_policy,
            key=cdk.log_key,
        )
        destination = Stack.of(self).format_arn(
            service="logs",
            resource="log-group",
            resource_name=waf_logs.log_group_name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        wafv2.CfnLoggingConfiguration(
            self,
            "WafLogging",
            log_destination_configs=[destination],
            resource_arn=acl.attr_arn,
            # Credentials and sessions stay out of the logs.
            redacted_fields=[
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": "authorization"}),
                wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": "cookie"}),
            ],
        )
        return acl, waf_logs

    def _access_logs(self, cdk: _CdkProps, prefix: str) -> s3.IBucket:
        bucket = cdk.access_logs_bucket or log_delivery_bucket(
            self,
            "AccessLogs",
            removal_policy=cdk.removal_policy,
            receives="load balancer access logs written by ELB",
            expiration=cdk.access_log_expiration,
        )
        self._log_access(bucket, prefix)
        return bucket

    def _acknowledge_compliance(self, checked: _Checked) -> None:
        """The compliance rules this service legitimately does not meet, each on its resource with the reason."""
        self._acknowledge_task(checked)
        self._acknowledge_load_balancer(checked)

    def _acknowledge_task(self, checked: _Checked) -> None:
        """Task-level rules: also on a service that shares another's load balancer."""
        cdk = checked.cdk
        if self.task_definition.execution_role is not None:
            nag.acknowledge_rule(
                self.task_definition.execution_role,
                "IAMNoInlinePolicy",
                "aws-cdk-lib's task execution role with one policy: pull this task's images, write its log group, "
                "read its secrets; a customer-managed policy would be a reusable object nothing else should attach.",
            )
        nag.acknowledge_rule(
            self.task_definition,
            "",
            "On Fargate the task's memory (memory_mib) is the hard limit its containers share and ECS enforces; "
            "a per-container limit would only split it.",
            guard=["ecs_task_definition_memory_hard_limit_check"],
        )
        image_dependent = [
            *([] if cdk.user else ["ecs_task_definition_nonroot_user_check"]),
            *([] if cdk.read_only_root_filesystem else ["ecs_containers_readonly_access_check"]),
        ]
        if image_dependent:
            nag.acknowledge_rule(
                self.task_definition,
                "",
                "Whether a container can run as a non-root user with a read-only root filesystem depends on its "
                "image (nginx binds port 80 as root); set `user` and `read_only_root_filesystem` (with "
                "`writable_paths`) for images that support it.",
                guard=image_dependent,
            )

    def _acknowledge_load_balancer(self, checked: _Checked) -> None:
        """Load-balancer rules: only on the service that owns the load balancer."""
        props = checked.props
        if self.redirect_listener is not None:
            nag.acknowledge_rule(
                self.redirect_listener,
                "ELBv2ACMCertificateRequired",
                "This listener answers plain HTTP only with a permanent redirect to the HTTPS listener, which "
                "uses the ACM certificate; it forwards nothing.",
            )
        if self.web_acl_arn is None:
            nag.acknowledge_rule(
                self.load_balancer,
                "ALBWAFEnabled",
                "An internal load balancer is reachable only from inside the VPC; a WAF web ACL is for internet "
                "traffic."
                if props.internal
                else f"No WAF by explicit choice (waf=Waf.none): {checked.waf.reason}",
            )
        if not props.deletion_protection:
            nag.acknowledge_rule(
                self.load_balancer,
                "ELBDeletionProtectionEnabled",
                "deletion_protection is off by default so the stack can be torn down; the load balancer holds no "
                "data (re-creating it changes its DNS name). Turn it on for long-lived environments.",
                guard=["elbv2_deletion_protection_enabled_check"],
            )

    def _scaling(self, props: rules.FargateProps, cdk: _CdkProps) -> ecs.ScalableTaskCount:
        scaling = self.service.auto_scale_task_count(min_capacity=props.min_capacity, max_capacity=props.max_capacity)
        scale_in, scale_out = cdk.durations["scale_in_cooldown"], cdk.durations["scale_out_cooldown"]
        if props.scale_on_cpu_percent is not None:
            scaling.scale_on_cpu_utilization(
                "CpuScaling",
                target_utilization_percent=props.scale_on_cpu_percent,
                scale_in_cooldown=scale_in,
                scale_out_cooldown=scale_out,
            )
        if props.scale_on_memory_percent is not None:
            scaling.scale_on_memory_utilization(
                "MemoryScaling",
                target_utilization_percent=props.scale_on_memory_percent,
                scale_in_cooldown=scale_in,
                scale_out_cooldown=scale_out,
            )
        if props.scale_on_requests_per_target is not None:
            scaling.scale_on_request_count(
                "RequestScaling",
                requests_per_target=props.scale_on_requests_per_target,
                target_group=self.target_group,
                scale_in_cooldown=scale_in,
                scale_out_cooldown=scale_out,
            )
        return scaling

    # -- wiring -------------------------------------------------------------------------------

    # -- wiring -------------------------------------------------------------------------------

    @reports_errors
    def allow_from(self, other: ec2.IConnectable, description: str | None = None) -> None:
        """Let ``other`` (another service, a CodeBuild project, ...) reach the listener port.

        The tasks keep admitting only the load balancer. When ``other`` is in another stack,
        the ingress rule is created in ``other``'s stack, so that stack depends on this one
        (it usually needs :attr:`url` anyway) and no dependency cycle arises.
        """
        _interface("other", other, ("connections",), "an ec2.IConnectable (a service, project or security group)")
        if description is not None:
            checks.string("description", description)
        port = ec2.Port.tcp(self.listener_port)
        text = description or f"to {self.node.path} on {self.listener_port}"
        groups = list(other.connections.security_groups)
        if not groups:
            self.load_balancer.connections.allow_from(other, port, text)
            return
        here = Stack.of(self).node.path
        for group in groups:
            self.load_balancer_security_group.add_ingress_rule(
                group, port, text, remote_rule=Stack.of(group).node.path != here
            )
            if not group.allow_all_outbound:
                group.add_egress_rule(self.load_balancer_security_group, port, text)

    @property
    def connections(self) -> ec2.Connections:
        """Connections of the tasks, to let them reach e.g. a database.

        ``db.connections.allow_default_port_from(service)`` opens the database to the tasks.

        Callers reach the service through the load balancer: use :meth:`allow_from`, not these.
        """
        return self._connections

    @property
    def task_role(self) -> iam.IRole:
        """The role the containers run as (grant it what the application needs)."""
        return self.task_definition.task_role

    # -- grants and metrics -------------------------------------------------------------------

    @reports_errors
    def grant_read_logs(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read the containers' logs: list the streams of :attr:`log_group` and read their events.

        Nothing else: no other log group, no writes, no ``logs:DescribeLogGroups`` on ``*``.
        """
        _interface("grantee", grantee, ("grant_principal",), "an iam.IGrantable (a role, user or group)")
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["logs:DescribeLogStreams", "logs:GetLogEvents", "logs:FilterLogEvents"],
            resource_arns=[self.log_group.log_group_arn],
        )

    @reports_errors
    def metric_target_response_time(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Average response time of the tasks, as the load balancer sees it (per ``period``, default five minutes)."""
        return self.target_group.metrics.target_response_time(period=_period(period))

    @reports_errors
    def metric_target_5xx_count(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """5xx responses returned by the tasks (sum per ``period``, default five minutes)."""
        return self.target_group.metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=_period(period))

    # -- access logs --------------------------------------------------------------------------

    def _log_access(self, bucket: s3.IBucket, prefix: str) -> None:
        stack = Stack.of(self)
        if not Token.is_unresolved(stack.region):
            self.load_balancer.log_access_logs(bucket, prefix)
            return
        # aws-cdk-lib needs a concrete region to pick the ELB log-delivery principal; an
        # environment-agnostic stack looks it up at deploy time instead.
        self.load_balancer.set_attribute("access_logs.s3.enabled", "true")
        self.load_balancer.set_attribute("access_logs.s3.bucket", bucket.bucket_name)
        self.load_balancer.set_attribute("access_logs.s3.prefix", prefix)
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
            self.load_balancer.node.add_dependency(bucket.policy)


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


def _image(image: str | ecs.ContainerImage) -> ecs.ContainerImage:
    return ecs.ContainerImage.from_registry(image) if isinstance(image, str) else image


def _visibility(prefix: str, name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=f"{prefix}-{name}", sampled_requests_enabled=True
    )


def _waf_rules(rate_limit: int, metric_prefix: str) -> list[wafv2.CfnWebACL.RuleProperty]:
    """The AWS managed rule groups (their own actions), then the per-IP rate rule (block)."""
    rules_ = [
        wafv2.CfnWebACL.RuleProperty(
            name=group,
            priority=index,
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=group
                )
            ),
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            visibility_config=_visibility(metric_prefix, group),
        )
        for index, group in enumerate(MANAGED_RULE_GROUPS)
    ]
    rules_.append(
        wafv2.CfnWebACL.RuleProperty(
            name="RateLimitPerIp",
            priority=len(rules_),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    aggregate_key_type="IP", limit=rate_limit
                )
            ),
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            visibility_config=_visibility(metric_prefix, "RateLimitPerIp"),
        )
    )
    return rules_


def _strategy(spec: rules.DeploymentSpec) -> dict[str, Any]:
    """The ``FargateService`` props of a traffic-shifting deployment (none for a rolling one)."""
    if not spec.shifts_traffic:
        return {}
    shift = (
        None
        if spec.percent is None
        else ecs.TrafficShiftConfig(
            step_percent=spec.percent,
            step_bake_time=None if spec.step_bake_minutes is None else Duration.minutes(spec.step_bake_minutes),
        )
    )
    return {
        "deployment_strategy": ecs.DeploymentStrategy[spec.strategy],
        "bake_time": None if spec.bake_minutes is None else Duration.minutes(spec.bake_minutes),
        "canary_configuration": shift if spec.strategy == "CANARY" else None,
        "linear_configuration": shift if spec.strategy == "LINEAR" else None,
    }


def _capacity_strategy(spot: bool, on_demand_base: int) -> list[ecs.CapacityProviderStrategy] | None:
    if not spot:
        return None
    return [
        ecs.CapacityProviderStrategy(capacity_provider="FARGATE", base=on_demand_base, weight=0),
        ecs.CapacityProviderStrategy(capacity_provider="FARGATE_SPOT", weight=1),
    ]


def _period(period: Duration | None) -> Duration:
    return _FIVE_MINUTES if period is None else checks.instance("period", period, Duration, "a Duration")


def _interface(prop: str, value: object, attributes: tuple[str, ...], what: str) -> Any:
    """``value`` if it offers ``attributes`` (jsii interfaces are not runtime-checkable), else an error."""
    if not all(hasattr(value, attribute) for attribute in attributes):
        raise invalid(prop, value, f"{what}, not {type(value).__name__}")
    return value


def _optional(prop: str, value: object, kind: type[Any], what: str) -> Any:
    return None if value is None else checks.instance(prop, value, kind, what)


def _check(id_: str, given: Mapping[str, Any], stack_region: str | None) -> _Checked:
    """Check every prop (``given``: each by name): types first, then the rules between them."""
    cdk = _check_cdk_props(given)
    owner = cdk.load_balancer_of
    route = None
    if owner is None:
        for prop in _ROUTE_PROPS:
            if given[prop] is not None:
                raise invalid(
                    prop, given[prop], "only with load_balancer_of: a load balancer of its own sends it everything"
                )
        https = props_protocol(given["protocol"]) is ListenerProtocol.HTTPS
        domain = _check_domain(given["domain_name"], cdk, https=https, stack_region=stack_region)
        has_certificate = cdk.certificate is not None or domain.creates_certificate
        listener_props = given
    else:
        _check_not_given_when_shared(given, owner)
        route = rules.check_route(
            priority=given["priority"],
            path_patterns=given["path_patterns"],
            host_headers=given["host_headers"],
            taken=owner._rule_priorities,
        )
        domain = rules.DomainSpec(None, creates_certificate=False, creates_records=False)
        shared = owner._props
        has_certificate = shared.https
        listener_props = {
            **given,
            "internal": shared.internal,
            "dual_stack": shared.dual_stack,
            "ingress_cidrs": shared.ingress_cidrs,
            "protocol": shared.protocol,
            "listener_port": shared.listener_port,
            "redirect_http": shared.redirect_http if shared.https else None,
        }
    props = rules.check_props(
        id_=id_,
        **{name: value for name, value in listener_props.items() if name not in _CDK_PROPS},
        secret_names=list(cdk.secrets),
        sidecars=cdk.sidecar_specs,
        has_certificate=has_certificate,
        ssl_policy=cdk.ssl_policy,
        durations=cdk.seconds,
    )
    _check_cluster(cdk.cluster, spot=props.spot)
    image = _main_image(cdk.image, cdk.docker_directory, props.cpu_architecture)
    task_subnets, load_balancer_subnets = _check_subnets(cdk, internal=props.internal)
    if props.dual_stack and owner is None:
        _check_ipv6(cdk.network)
    waf = _check_waf(cdk.waf, internal=props.internal, stack_region=stack_region)
    deployment = _check_deployment(cdk.deployment, props, shared=owner is not None)
    return _Checked(props, cdk, image, task_subnets, load_balancer_subnets, domain, waf, route, deployment)


def props_protocol(value: object) -> ListenerProtocol:
    """The ``protocol`` prop as the enum (the checks that need it before ``rules.check_props``)."""
    return checks.option("protocol", value, ListenerProtocol)


def _stack_region(scope: Construct) -> str | None:
    """The region of the stack ``scope`` is in, ``None`` when the stack is environment-agnostic."""
    region = Stack.of(scope).region
    return None if Token.is_unresolved(region) else region


@cache
def _signature_defaults() -> dict[str, Any]:
    parameters = inspect.signature(AlbFargateService.__init__).parameters
    return {name: parameter.default for name, parameter in parameters.items()}


def _check_not_given_when_shared(given: Mapping[str, Any], owner: object) -> None:
    """With ``load_balancer_of``, the load balancer props are the shared load balancer's: none may be given."""
    if not isinstance(owner, AlbFargateService):
        raise invalid("load_balancer_of", owner, f"an AlbFargateService, not {type(owner).__name__}")
    if owner.listener_rule is not None:
        raise invalid(
            "load_balancer_of",
            owner.node.path,
            "a service with a load balancer of its own (this one shares another's: pass that one)",
        )
    defaults = _signature_defaults()
    for prop in _LOAD_BALANCER_PROPS:
        value, default = given[prop], defaults[prop]
        if value is not default and value != default:
            raise invalid(
                prop,
                value,
                f"not given with load_balancer_of: the shared load balancer of {owner.node.path} sets it",
            )


def _check_domain(domain_name: object, cdk: _CdkProps, *, https: bool, stack_region: str | None) -> rules.DomainSpec:
    zone = cdk.hosted_zone
    domain = rules.check_domain(
        domain_name=domain_name,
        has_hosted_zone=zone is not None,
        zone_name=None if zone is None else _zone_name(zone),
        zone_is_private=isinstance(zone, route53.PrivateHostedZone),
        has_certificate=cdk.certificate is not None,
        https=https,
    )
    if cdk.certificate is not None:
        _check_certificate(cdk.certificate, domain.domain_name, stack_region)
    return domain


def _zone_name(zone: route53.IHostedZone) -> str | None:
    """The zone's name when known at synth (a zone imported by id alone has none)."""
    try:
        name = zone.zone_name
    except (JSIIError, RuntimeError):  # from_hosted_zone_id: "Cannot reference zoneName ..."
        return None
    return None if Token.is_unresolved(name) else name


def _check_certificate(certificate: acm.ICertificate, domain_name: str | None, stack_region: str | None) -> None:
    """The certificate's region and names against the stack and ``domain_name``, where known at synth."""
    arn = certificate.certificate_arn
    if not Token.is_unresolved(arn):
        rules.check_certificate_arn(arn, stack_region)
    elif isinstance(certificate, acm.Certificate):
        home = _stack_region(certificate)
        if home is not None and stack_region is not None and home != stack_region:
            raise invalid(
                "certificate",
                certificate.node.path,
                f"a certificate in the stack's region ({stack_region}), not {home}: a load balancer can only "
                "use ACM certificates of its own region",
            )
    if domain_name is None or not isinstance(certificate, acm.Certificate):
        return
    resource = certificate.node.default_child
    if not isinstance(resource, acm.CfnCertificate):
        return
    names = [resource.domain_name, *(resource.subject_alternative_names or [])]
    if all(isinstance(name, str) and not Token.is_unresolved(name) for name in names):
        rules.check_certificate_domain(names, domain_name)


def _check_waf(waf: Waf | None, *, internal: bool, stack_region: str | None) -> Waf:
    """The WAF choice (default: managed when internet-facing, none when internal), checked."""
    if waf is None:
        if internal:
            return Waf.none("internal load balancer: reachable only from inside the VPC (the default)")
        return Waf.managed()
    mode = checks.option("waf.mode", waf.mode, WafMode)
    rules.check_waf(
        mode=mode.value,
        web_acl_arn=waf.web_acl_arn,
        rate_limit=waf.rate_limit,
        reason=waf.reason,
        stack_region=stack_region,
        arn_known=not (isinstance(waf.web_acl_arn, str) and Token.is_unresolved(waf.web_acl_arn)),
    )
    return Waf(mode, rate_limit=waf.rate_limit, web_acl_arn=waf.web_acl_arn, reason=waf.reason)


def _check_cdk_props(given: Mapping[str, Any]) -> _CdkProps:
    """Type-check the CDK-typed props (``given``: every prop by name); the rest is ``rules.check_props``'s."""
    image = given["image"]
    if image is not None and not isinstance(image, str | ecs.ContainerImage):
        raise invalid(
            "image", image, f"a registry image name (str) or an ecs.ContainerImage, not {type(image).__name__}"
        )
    docker_directory = given["docker_directory"]
    if (image is None) == (docker_directory is None):
        raise invalid(
            "image",
            image,
            "exactly one of image (a registry name or ecs.ContainerImage) and docker_directory (a Dockerfile folder)",
        )
    durations = _check_durations(given)
    sidecars, specs = _check_sidecars(given["sidecars"])
    if given["idle_timeout"] is not None:
        rules.check_idle_timeout(
            _whole_seconds(
                "idle_timeout", checks.instance("idle_timeout", given["idle_timeout"], Duration, "a Duration")
            )
        )
    return _CdkProps(
        network=vpc_input("vpc", given["vpc"]),
        image=image,
        docker_directory=None if docker_directory is None else rules.check_docker_directory(docker_directory),
        secrets=_check_secrets("secrets", given["secrets"]),
        sidecars=sidecars,
        sidecar_specs=specs,
        certificate=None
        if given["certificate"] is None
        else _interface("certificate", given["certificate"], ("certificate_arn",), "an acm.ICertificate"),
        ssl_policy=_optional("ssl_policy", given["ssl_policy"], elbv2.SslPolicy, "an elbv2.SslPolicy"),
        durations={prop: duration for prop, (duration, _) in durations.items()},
        seconds=rules.Durations(**_seconds(durations)),
        cluster=None
        if given["cluster"] is None
        else _interface("cluster", given["cluster"], ("cluster_name", "cluster_arn"), "an ecs.ICluster"),
        task_subnets=_optional("task_subnets", given["task_subnets"], ec2.SubnetSelection, "an ec2.SubnetSelection"),
        load_balancer_subnets=_optional(
            "load_balancer_subnets", given["load_balancer_subnets"], ec2.SubnetSelection, "an ec2.SubnetSelection"
        ),
        log_retention=checks.instance(
            "log_retention", given["log_retention"], logs.RetentionDays, "a logs.RetentionDays"
        ),
        access_logs_bucket=None
        if given["access_logs_bucket"] is None
        else _interface(
            "access_logs_bucket", given["access_logs_bucket"], ("bucket_name", "bucket_arn"), "an s3.IBucket"
        ),
        access_log_expiration=checks.instance(
            "access_log_expiration", given["access_log_expiration"], Duration, "a Duration (e.g. Duration.days(365))"
        ),
        log_key=optional_key("log_key", given["log_key"]),
        removal_policy=checks.instance("removal_policy", given["removal_policy"], RemovalPolicy, "a RemovalPolicy"),
        **_check_production_props(given, sidecars),
    )


def _check_production_props(given: Mapping[str, Any], sidecars: Sequence[Sidecar]) -> dict[str, Any]:
    """Domain, WAF, sharing, deployment and task-hardening props of ``_CdkProps``, type-checked."""
    return {
        "hosted_zone": None
        if given["hosted_zone"] is None
        else _interface("hosted_zone", given["hosted_zone"], ("hosted_zone_id",), "a route53.IHostedZone"),
        "waf": _optional(
            "waf", given["waf"], Waf, "a buttress.Waf (Waf.managed(), Waf.existing(arn), Waf.none(reason))"
        ),
        "idle_timeout": _optional(
            "idle_timeout", given["idle_timeout"], Duration, "a Duration such as Duration.minutes(5)"
        ),
        "user": rules.check_user(given["user"]),
        "enable_exec": _check_exec(given["enable_exec"], given["cluster"]),
        "read_only_root_filesystem": checks.boolean("read_only_root_filesystem", given["read_only_root_filesystem"]),
        "writable_paths": rules.check_writable_paths(
            given["writable_paths"],
            read_only_root_filesystem=given["read_only_root_filesystem"] is True,
        ),
        "deployment": Deployment.rolling()
        if given["deployment"] is None
        else checks.instance(
            "deployment", given["deployment"], Deployment, "a buttress.Deployment (Deployment.canary(), ...)"
        ),
        "load_balancer_of": given["load_balancer_of"],
        "container_health_check": _check_container_health_check(
            "container_health_check", given["container_health_check"]
        ),
        "sidecar_health_checks": [
            _check_container_health_check(f"sidecars[{index}].health_check", sidecar.health_check)
            for index, sidecar in enumerate(sidecars)
        ],
    }


#: Duration props -> their effective default when given as ``None`` (only the cooldowns may be).
_DURATION_DEFAULTS: Mapping[str, Duration | None] = {
    "health_check_interval": None,
    "health_check_timeout": None,
    "health_check_grace_period": None,
    "deregistration_delay": None,
    "scale_in_cooldown": _FIVE_MINUTES,
    "scale_out_cooldown": _ONE_MINUTE,
}


def _check_durations(given: Mapping[str, Any]) -> dict[str, tuple[Duration, int | None]]:
    """Each duration prop: the ``Duration`` to build with and its whole seconds (``None``: a cooldown not given)."""
    checked: dict[str, tuple[Duration, int | None]] = {}
    for prop, default in _DURATION_DEFAULTS.items():
        value = given[prop]
        if value is None and default is not None:
            checked[prop] = (default, None)
            continue
        duration = checks.instance(prop, value, Duration, "a Duration such as Duration.seconds(30)")
        checked[prop] = (duration, _whole_seconds(prop, duration))
    return checked


def _seconds(durations: Mapping[str, tuple[Duration, int | None]]) -> dict[str, Any]:
    return {prop: seconds for prop, (_, seconds) in durations.items()}


def _check_secrets(prop: str, value: object) -> dict[str, ecs.Secret]:
    secrets = checks.mapping(prop, {} if value is None else value)
    for name, secret in secrets.items():
        checks.instance(
            f"{prop}[{name!r}]", secret, ecs.Secret, "an ecs.Secret (from_ssm_parameter, from_secrets_manager)"
        )
    return secrets


def _check_sidecars(value: object) -> tuple[list[Sidecar], list[rules.ContainerSpec]]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise invalid("sidecars", value, f"a list of buttress.Sidecar, not {type(value).__name__}")
    sidecars: list[Sidecar] = []
    specs: list[rules.ContainerSpec] = []
    for index, sidecar in enumerate(value):
        checks.instance(f"sidecars[{index}]", sidecar, Sidecar, "a buttress.Sidecar")
        image = sidecar.image
        if not isinstance(image, ecs.ContainerImage) and not (isinstance(image, str) and image.strip()):
            raise invalid(f"sidecars[{index}].image", image, "a registry image name (str) or an ecs.ContainerImage")
        secrets = _check_secrets(f"sidecars[{index}].secrets", sidecar.secrets)
        spec = rules.check_sidecar(
            index,
            name=sidecar.name,
            port=sidecar.port,
            essential=sidecar.essential,
            environment=sidecar.environment,
            secret_names=list(secrets),
            command=sidecar.command,
            cpu=sidecar.cpu,
            memory_reservation_mib=sidecar.memory_reservation_mib,
        )
        sidecars.append(sidecar)
        specs.append(spec)
    return sidecars, specs


def _check_container_health_check(prop: str, value: object) -> ecs.HealthCheck | None:
    """An ``ecs.HealthCheck`` within ECS's limits, returned with every default spelled out."""
    if value is None:
        return None
    given = checks.instance(prop, value, ecs.HealthCheck, "an ecs.HealthCheck(command=[...], ...)")
    seconds = {
        name: None
        if duration is None
        else _whole_seconds(f"{prop}.{name}", checks.instance(f"{prop}.{name}", duration, Duration, "a Duration"))
        for name, duration in (
            ("interval", given.interval),
            ("timeout", given.timeout),
            ("start_period", given.start_period),
        )
    }
    spec = rules.check_container_health_check(prop, command=given.command, retries=given.retries, **seconds)
    return ecs.HealthCheck(
        command=spec.command,
        interval=Duration.seconds(spec.interval),
        timeout=Duration.seconds(spec.timeout),
        retries=spec.retries,
        start_period=Duration.seconds(spec.start_period),
    )


def _check_deployment(deployment: Deployment, props: rules.FargateProps, *, shared: bool) -> rules.DeploymentSpec:
    strategy = checks.option("deployment.strategy", deployment.strategy, DeploymentStrategy)
    if strategy is not DeploymentStrategy.ROLLING and props.scale_on_requests_per_target is not None:
        raise invalid(
            "scale_on_requests_per_target",
            props.scale_on_requests_per_target,
            f"not given with deployment strategy {strategy.value}: ECS moves the traffic to the alternate "
            "target group, which a request-count policy does not follow; scale on CPU or memory",
        )
    if shared and deployment.test_listener_port is not None:
        raise invalid(
            "deployment.test_listener_port",
            deployment.test_listener_port,
            "not given with load_balancer_of: give the test listener to the service that owns the load balancer",
        )
    minutes = {
        name: None if value is None else _whole_minutes(f"deployment.{name}", value)
        for name, value in (("bake_time", deployment.bake_time), ("step_bake_time", deployment.step_bake_time))
    }
    alarms = deployment.rollback_alarms
    if isinstance(alarms, str) or not isinstance(alarms, Sequence):
        raise invalid("deployment.rollback_alarms", alarms, "a list of cloudwatch.IAlarm")
    for index, alarm in enumerate(alarms):
        _interface(f"deployment.rollback_alarms[{index}]", alarm, ("alarm_name", "alarm_arn"), "a cloudwatch.IAlarm")
    return rules.check_deployment(
        strategy=strategy.value,
        bake_minutes=minutes["bake_time"],
        percent=deployment.percent,
        step_bake_minutes=minutes["step_bake_time"],
        test_listener_port=deployment.test_listener_port,
        rollback_on_5xx=deployment.rollback_on_5xx,
        listener_port=props.listener_port,
        redirect_http=props.redirect_http,
    )


def _check_exec(value: object, cluster: object) -> bool:
    enabled = checks.boolean("enable_exec", value)
    if enabled and cluster is not None:
        raise invalid(
            "enable_exec",
            True,
            "only without cluster: ECS Exec session logging is a cluster setting, so the construct needs its "
            "own cluster; on a shared cluster, configure execute_command_configuration there",
        )
    return enabled


def _whole_minutes(prop: str, value: object) -> int:
    duration = checks.instance(prop, value, Duration, "a Duration such as Duration.minutes(10)")
    seconds = _whole_seconds(prop, duration)
    if seconds % 60:
        raise invalid(prop, duration.to_human_string(), "a whole number of minutes")
    return seconds // 60


def _check_ipv6(network: VpcInput) -> None:
    """A dual-stack load balancer needs IPv6 in the VPC: an error when a VPC built in the app has none."""
    vpc = network.vpc
    if not isinstance(vpc, ec2.Vpc):
        return  # imported: not known at synth; the ELB API rejects a VPC without IPv6 at deploy
    ipv6 = [
        child
        for child in vpc.node.children
        if isinstance(child, ec2.CfnVPCCidrBlock)
        and (child.amazon_provided_ipv6_cidr_block or child.ipv6_ipam_pool_id or child.ipv6_pool)
    ]
    if not ipv6:
        raise invalid(
            "dual_stack",
            True,
            f"only in a VPC with IPv6 ({vpc.node.path} has none): create it with "
            "ip_protocol=ec2.IpProtocol.DUAL_STACK, or leave dual_stack out",
        )


def _check_cluster(cluster: ecs.ICluster | None, *, spot: bool) -> None:
    if spot and cluster is not None and not isinstance(cluster, ecs.Cluster):
        raise invalid(
            "cluster",
            cluster.cluster_name,
            "a cluster created in this app (ecs.Cluster) when spot=True, so the FARGATE_SPOT "
            "capacity provider can be enabled on it",
        )


def _check_subnets(cdk: _CdkProps, *, internal: bool) -> tuple[ec2.SubnetSelection, ec2.SubnetSelection]:
    """The task and load-balancer subnet selections, each selecting existing subnets; tasks never public."""
    vpc = cdk.network.vpc
    private = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
    tasks = cdk.task_subnets or private
    chosen = _select("task_subnets", cdk.task_subnets, tasks, vpc, "the tasks")
    public = {subnet.node.path for subnet in vpc.public_subnets}
    if any(subnet.node.path in public for subnet in chosen):
        raise invalid(
            "task_subnets",
            tasks.subnet_type or tasks.subnet_group_name,
            "private subnets (with egress through NAT or endpoints): tasks never get public IPs",
        )
    default = private if internal else ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)
    load_balancer = cdk.load_balancer_subnets or default
    what = "the internal load balancer" if internal else "the internet-facing load balancer"
    _select("load_balancer_subnets", cdk.load_balancer_subnets, load_balancer, vpc, what)
    return tasks, load_balancer


def _select(
    prop: str, given: ec2.SubnetSelection | None, selection: ec2.SubnetSelection, vpc: ec2.IVpc, what: str
) -> list[ec2.ISubnet]:
    """The subnets ``selection`` picks in ``vpc``; none (or CDK's error) is a ``ButtressError``.

    Naming ``prop`` when the selection was given, else ``vpc`` (it lacks the default subnets).
    """
    try:
        chosen = list(
            vpc.select_subnets(
                subnet_type=selection.subnet_type,
                subnet_group_name=selection.subnet_group_name,
                subnets=selection.subnets,
                availability_zones=selection.availability_zones,
                one_per_az=selection.one_per_az,
                subnet_filters=selection.subnet_filters,
            ).subnets
        )
    except (JSIIError, RuntimeError) as error:  # jsii raises a JavaScript error as RuntimeError
        chosen, reason = [], str(error).splitlines()[0].partition(": ")[2] or str(error)
    else:
        reason = "it selects none"
    if chosen:
        return chosen
    kind = selection.subnet_type.value if selection.subnet_type else selection.subnet_group_name
    if given is not None:
        raise invalid(prop, kind, f"a selection of existing subnets for {what} ({reason})")
    raise invalid(
        "vpc",
        vpc.node.path,
        f"a VPC with {kind} subnets for {what} (the default {prop}), or give {prop} ({reason})",
    )


def _main_image(
    image: str | ecs.ContainerImage | None, docker_directory: Path | None, cpu_architecture: CpuArchitecture
) -> ecs.ContainerImage:
    if image is not None:
        if isinstance(image, str) and not image.strip():
            raise invalid("image", image, "a registry image name such as public.ecr.aws/nginx/nginx:stable")
        return _image(image)
    platform = (
        ecr_assets.Platform.LINUX_ARM64
        if cpu_architecture is CpuArchitecture.ARM64
        else ecr_assets.Platform.LINUX_AMD64
    )
    return ecs.ContainerImage.from_asset(str(docker_directory), platform=platform)


def _whole_seconds(prop: str, duration: Duration) -> int:
    millis = duration.to_milliseconds()
    if millis % 1000:
        raise invalid(prop, duration.to_human_string(), "a whole number of seconds")
    return int(millis // 1000)
