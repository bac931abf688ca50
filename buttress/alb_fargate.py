"""``AlbFargateService``: a Fargate service behind an Application Load Balancer, secure by default."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    Annotations,
    Aws,
    CfnCondition,
    CfnMapping,
    Duration,
    Fn,
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
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk.region_info import RegionInfo
from constructs import Construct
from jsii.errors import JSIIError

from buttress.errors import invalid, reports_errors
from buttress.network import Network
from buttress.options import CpuArchitecture, ListenerProtocol
from buttress.parts import nag
from buttress.parts.log_buckets import log_delivery_bucket
from buttress.parts.vpc import VpcInput, vpc_input
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

#: The TLS policy of an HTTPS listener when ``ssl_policy`` is not given.
DEFAULT_SSL_POLICY = elbv2.SslPolicy.TLS13_12_PQ

#: Props the construct checks itself (CDK types); every other prop is checked by ``rules.check_props``.
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
        "removal_policy",
    }
)
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
    removal_policy: RemovalPolicy


@dataclass(frozen=True)
class _Checked:
    """Every prop checked: the plain ones, the CDK ones, and what was resolved from both."""

    props: rules.FargateProps
    cdk: _CdkProps
    image: ecs.ContainerImage
    task_subnets: ec2.SubnetSelection
    load_balancer_subnets: ec2.SubnetSelection


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
        deletion_protection: bool = False,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        # Every prop by name, all checked in one place before any resource exists.
        checked = _check(id_, {name: value for name, value in locals().items() if name not in _NOT_PROPS})
        props, cdk = checked.props, checked.cdk
        super().__init__(scope, id_)

        #: ``ListenerProtocol.HTTPS`` or ``ListenerProtocol.HTTP`` (equal to ``"HTTPS"``/``"HTTP"``).
        self.protocol = props.protocol
        #: The port callers connect to.
        self.listener_port = props.listener_port
        #: Whether the load balancer is internal.
        self.internal = props.internal
        vpc_ = cdk.network.vpc
        #: The ECS cluster the service runs in.
        self.cluster = self._cluster(cdk.cluster, vpc_, spot=props.spot)
        #: Log group of every container of the task.
        self.log_group = logs.LogGroup(self, "Logs", retention=cdk.log_retention, removal_policy=cdk.removal_policy)
        #: The task definition (awsvpc, Linux, ``cpu_architecture``).
        self.task_definition = self._task_definition(props)
        #: The main container.
        self.container = self._main_container(props, checked.image, cdk.secrets)
        #: Sidecar containers by name.
        self.sidecars = {sidecar.name: self._sidecar(sidecar) for sidecar in cdk.sidecars}
        #: Security groups of the tasks (admit only the load balancer) and of the load balancer.
        self.task_security_group, self.load_balancer_security_group = self._security_groups(vpc_)
        #: The ECS service.
        self.service = self._service(props, cdk, checked.task_subnets)
        self._connections = self.service.connections
        #: The Application Load Balancer.
        self.load_balancer = self._load_balancer(props, vpc_, checked.load_balancer_subnets)
        #: The target group (IP targets: the tasks' network interfaces).
        self.target_group = self._target_group(props, cdk)
        #: The listener callers use (HTTPS, or HTTP when opted in); the HTTP redirect listener, if any.
        self.listener, self.redirect_listener = self._listeners(props, cdk)
        self._ingress(props)
        #: Bucket of the load balancer's access logs.
        self.access_logs_bucket = self._access_logs(cdk, props.access_logs_prefix)
        #: Task-count scaling (``None`` when no scaling policy is set).
        self.scaling = self._scaling(props, cdk) if props.scales else None
        #: DNS name of the load balancer.
        self.dns_name = self.load_balancer.load_balancer_dns_name
        #: ``http(s)://<load balancer DNS name>[:port]`` (with HTTPS, clients normally use a DNS
        #: alias that matches the certificate instead).
        self.url = rules.service_url(props.protocol, self.dns_name, props.listener_port)

    # -- builders -----------------------------------------------------------------------------

    def _cluster(self, cluster: ecs.ICluster | None, vpc: ec2.IVpc, *, spot: bool) -> ecs.ICluster:
        built = cluster or ecs.Cluster(self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED)
        if spot and isinstance(built, ecs.Cluster):
            built.enable_fargate_capacity_providers()
        return built

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
        self, props: rules.FargateProps, image: ecs.ContainerImage, secrets: dict[str, ecs.Secret]
    ) -> ecs.ContainerDefinition:
        return self.task_definition.add_container(
            "Container",
            container_name=props.container_name,
            image=image,
            essential=True,
            command=props.command,
            environment=props.environment or None,
            secrets=secrets or None,
            port_mappings=[ecs.PortMapping(container_port=props.container_port, protocol=ecs.Protocol.TCP)],
            logging=ecs.LogDrivers.aws_logs(stream_prefix=props.container_name, log_group=self.log_group),
        )

    def _sidecar(self, sidecar: Sidecar) -> ecs.ContainerDefinition:
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
        )

    def _security_groups(self, vpc: ec2.IVpc) -> tuple[ec2.SecurityGroup, ec2.SecurityGroup]:
        tasks = ec2.SecurityGroup(
            self,
            "TaskSecurityGroup",
            vpc=vpc,
            description=f"{self.node.path} tasks: only the load balancer, on the container port",
            allow_all_outbound=True,
        )
        load_balancer = ec2.SecurityGroup(
            self,
            "LoadBalancerSecurityGroup",
            vpc=vpc,
            description=f"{self.node.path} load balancer",
            allow_all_outbound=False,
        )
        return tasks, load_balancer

    def _service(self, props: rules.FargateProps, cdk: _CdkProps, subnets: ec2.SubnetSelection) -> ecs.FargateService:
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
        )

    def _load_balancer(
        self, props: rules.FargateProps, vpc: ec2.IVpc, subnets: ec2.SubnetSelection
    ) -> elbv2.ApplicationLoadBalancer:
        return elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=vpc,
            internet_facing=not props.internal,
            vpc_subnets=subnets,
            security_group=self.load_balancer_security_group,
            drop_invalid_header_fields=True,
            deletion_protection=props.deletion_protection,
        )

    def _target_group(self, props: rules.FargateProps, cdk: _CdkProps) -> elbv2.ApplicationTargetGroup:
        health = props.health
        return elbv2.ApplicationTargetGroup(
            self,
            "TargetGroup",
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
            ],
        )

    def _listeners(
        self, props: rules.FargateProps, cdk: _CdkProps
    ) -> tuple[elbv2.ApplicationListener, elbv2.ApplicationListener | None]:
        certificate = cdk.certificate
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
            for open_port in open_ports:
                self.load_balancer_security_group.add_ingress_rule(
                    ec2.Peer.ipv4(cidr), ec2.Port.tcp(open_port), f"from {cidr} on {open_port}"
                )
        if not props.internal and "0.0.0.0/0" in props.ingress_cidrs:
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

    def _access_logs(self, cdk: _CdkProps, prefix: str) -> s3.IBucket:
        bucket = cdk.access_logs_bucket or log_delivery_bucket(
            self, "AccessLogs", removal_policy=cdk.removal_policy, receives="load balancer access logs written by ELB"
        )
        self._log_access(bucket, prefix)
        return bucket

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


def _check(id_: str, given: Mapping[str, Any]) -> _Checked:
    """Check every prop (``given``: each by name): types first, then the rules between them."""
    cdk = _check_cdk_props(given)
    props = rules.check_props(
        id_=id_,
        **{name: value for name, value in given.items() if name not in _CDK_PROPS},
        secret_names=list(cdk.secrets),
        sidecars=cdk.sidecar_specs,
        has_certificate=cdk.certificate is not None,
        ssl_policy=cdk.ssl_policy,
        durations=cdk.seconds,
    )
    _check_cluster(cdk.cluster, spot=props.spot)
    image = _main_image(cdk.image, cdk.docker_directory, props.cpu_architecture)
    task_subnets, load_balancer_subnets = _check_subnets(cdk, internal=props.internal)
    return _Checked(props, cdk, image, task_subnets, load_balancer_subnets)


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
        removal_policy=checks.instance("removal_policy", given["removal_policy"], RemovalPolicy, "a RemovalPolicy"),
    )


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
