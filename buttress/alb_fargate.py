"""``AlbFargateService``: a Fargate service behind an Application Load Balancer, secure by default."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jsii
from aws_cdk import (
    Acknowledgment,
    Annotations,
    Aws,
    CfnCondition,
    CfnMapping,
    Duration,
    Fn,
    RemovalPolicy,
    Stack,
    Token,
    Validations,
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

from buttress.errors import invalid
from buttress.parts.log_buckets import log_delivery_bucket
from buttress.rules import fargate as rules

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

    Every bad prop raises :class:`~buttress.errors.ButtressError` at synth.

    :param vpc: the VPC (e.g. ``buttress.Network(...).vpc``).
    :param image: container image: a registry name (``"public.ecr.aws/nginx/nginx:stable"``) or an
        ``ecs.ContainerImage``. Exactly one of ``image`` and ``docker_directory``.
    :param docker_directory: a folder with a ``Dockerfile``; staged at synth, built and pushed to
        ECR by ``cdk deploy`` for ``cpu_architecture``.
    :param container_name: name of the main container. Default ``"app"``.
    :param container_port: port the main container serves HTTP on, 1-65535. Default 80.
    :param command: command override of the main container. Default: the image's.
    :param cpu: task CPU units. Default 256.
    :param memory_mib: task memory (MiB), a valid Fargate pair with ``cpu``. Default 512.
    :param cpu_architecture: ``"X86_64"`` or ``"ARM64"`` (Graviton). Default ``"X86_64"``.
    :param spot: run tasks above ``on_demand_base`` on Fargate Spot. Default ``False``.
    :param on_demand_base: tasks kept on regular Fargate when ``spot``. Default 1.
    :param environment: plain environment variables of the main container. Default none.
    :param secrets: variables from SSM Parameter Store or Secrets Manager, e.g.
        ``{"DB_PASSWORD": ecs.Secret.from_secrets_manager(secret)}``; the execution role may read
        exactly these parameters/secrets. Default none.
    :param sidecars: :class:`Sidecar` containers sharing the task's localhost. Default none.
    :param internal: internal load balancer in private subnets. Default ``False``.
    :param ingress_cidrs: IPv4 CIDRs the load balancer admits. Default ``["0.0.0.0/0"]`` for a
        public service, ``[]`` for an internal one (an internet-wide CIDR there is an error).
    :param protocol: ``"HTTPS"`` (needs ``certificate``) or ``"HTTP"`` (explicit opt-in, warns).
        Default ``"HTTPS"``.
    :param certificate: ACM certificate of the HTTPS listener.
    :param listener_port: listener port. Default 443 for HTTPS, 80 for HTTP.
    :param redirect_http: with HTTPS, also listen on 80 and redirect to HTTPS. Default ``True``.
    :param ssl_policy: TLS policy of the HTTPS listener. Default ``elbv2.SslPolicy.TLS13_12_PQ`` (TLS 1.3 and
        1.2 with post-quantum key exchange; what aws-cdk-lib's ``usePostQuantumTlsPolicy`` flag picks).
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
    :param scale_in_cooldown: wait after a scale-in. Default 300 s.
    :param scale_out_cooldown: wait after a scale-out. Default 60 s.
    :param cluster: ECS cluster to run in. Default: a new cluster with Container Insights.
    :param task_subnets: where tasks run. Default: the private subnets with egress (public
        subnets are an error: tasks never get public IPs).
    :param load_balancer_subnets: where the load balancer runs. Default: public subnets, or the
        private ones when ``internal``.
    :param log_retention: retention of the container log group. Default one month.
    :param access_logs_bucket: bucket for the load balancer's access logs. Default: a new bucket.
        An imported bucket must already allow ELB log delivery.
    :param access_logs_prefix: key prefix of the access logs. Default: this construct's id.
    :param deletion_protection: deletion protection of the load balancer. Default ``False``.
    :param removal_policy: of the log group and of a bucket created here. Default ``RETAIN``.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        vpc: ec2.IVpc,
        image: str | ecs.ContainerImage | None = None,
        docker_directory: str | Path | None = None,
        container_name: str = "app",
        container_port: int = 80,
        command: Sequence[str] | None = None,
        cpu: int = 256,
        memory_mib: int = 512,
        cpu_architecture: str = "X86_64",
        spot: bool = False,
        on_demand_base: int = 1,
        environment: Mapping[str, str] | None = None,
        secrets: Mapping[str, ecs.Secret] | None = None,
        sidecars: Sequence[Sidecar] = (),
        internal: bool = False,
        ingress_cidrs: Sequence[str] | None = None,
        protocol: str = "HTTPS",
        certificate: acm.ICertificate | None = None,
        listener_port: int | None = None,
        redirect_http: bool = True,
        ssl_policy: elbv2.SslPolicy = elbv2.SslPolicy.TLS13_12_PQ,
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
        scale_in_cooldown: Duration = _FIVE_MINUTES,
        scale_out_cooldown: Duration = _ONE_MINUTE,
        cluster: ecs.ICluster | None = None,
        task_subnets: ec2.SubnetSelection | None = None,
        load_balancer_subnets: ec2.SubnetSelection | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        access_logs_bucket: s3.IBucket | None = None,
        access_logs_prefix: str | None = None,
        deletion_protection: bool = False,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
    ) -> None:
        super().__init__(scope, id_)
        environment = dict(environment or {})
        secrets = dict(secrets or {})

        # Every check runs before any resource exists, so a bad prop fails with its own message.
        rules.check_task_size(cpu, memory_mib)
        rules.check_capacity_options(
            cpu_architecture=cpu_architecture,
            spot=spot,
            on_demand_base=on_demand_base,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
        )
        scales = rules.check_scaling(
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            cpu_percent=scale_on_cpu_percent,
            memory_percent=scale_on_memory_percent,
            requests_per_target=scale_on_requests_per_target,
        )
        rules.check_protocol(protocol=protocol, has_certificate=certificate is not None)
        port = rules.listener_port(protocol, listener_port)
        if protocol == "HTTPS" and redirect_http and port == 80:
            raise invalid("listener_port", port, "not 80 while redirect_http=True (the redirect listens on 80)")
        cidrs = rules.check_ingress_cidrs(
            rules.default_ingress_cidrs(internal=internal) if ingress_cidrs is None else ingress_cidrs,
            internal=internal,
        )
        health = rules.HealthCheckSpec(
            path=health_check_path,
            codes=health_check_codes,
            interval_seconds=_whole_seconds("health_check_interval", health_check_interval),
            timeout_seconds=_whole_seconds("health_check_timeout", health_check_timeout),
            healthy_threshold=healthy_threshold,
            unhealthy_threshold=unhealthy_threshold,
        )
        rules.check_health_check(health)
        rules.check_grace_period(
            grace_seconds=_whole_seconds("health_check_grace_period", health_check_grace_period),
            interval_seconds=health.interval_seconds,
            unhealthy_threshold=unhealthy_threshold,
        )
        rules.check_deregistration_delay(_whole_seconds("deregistration_delay", deregistration_delay))
        rules.check_environment(environment, secrets)
        for index, sidecar in enumerate(sidecars):
            rules.check_environment(sidecar.environment, sidecar.secrets, prop_prefix=f"sidecars[{index}].")
        rules.check_containers(
            rules.ContainerSpec(container_name, container_port),
            [rules.ContainerSpec(s.name, s.port, s.memory_reservation_mib, s.cpu) for s in sidecars],
            cpu=cpu,
            memory_mib=memory_mib,
        )
        log_prefix = access_logs_prefix if access_logs_prefix is not None else id_
        rules.check_log_prefix(log_prefix)
        main_image = _main_image(image, docker_directory, cpu_architecture)
        task_subnet_selection = task_subnets or ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        _check_private_subnets(vpc, task_subnet_selection)

        #: ``"HTTPS"`` or ``"HTTP"``.
        self.protocol = protocol
        #: The port callers connect to.
        self.listener_port = port
        #: Whether the load balancer is internal.
        self.internal = internal

        #: The ECS cluster the service runs in.
        self.cluster: ecs.ICluster = cluster or ecs.Cluster(
            self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED
        )
        if spot:
            if not isinstance(self.cluster, ecs.Cluster):
                raise invalid(
                    "cluster",
                    self.cluster.cluster_name,
                    "a cluster created in this app (ecs.Cluster) when spot=True, so the FARGATE_SPOT "
                    "capacity provider can be enabled on it",
                )
            self.cluster.enable_fargate_capacity_providers()

        #: Log group of every container of the task.
        self.log_group = logs.LogGroup(self, "Logs", retention=log_retention, removal_policy=removal_policy)
        #: The task definition (awsvpc, Linux, ``cpu_architecture``).
        self.task_definition = ecs.FargateTaskDefinition(
            self,
            "TaskDefinition",
            cpu=cpu,
            memory_limit_mib=memory_mib,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.of(cpu_architecture),
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        #: The main container.
        self.container = self.task_definition.add_container(
            "Container",
            container_name=container_name,
            image=main_image,
            essential=True,
            command=list(command) if command is not None else None,
            environment=environment or None,
            secrets=secrets or None,
            port_mappings=[ecs.PortMapping(container_port=container_port, protocol=ecs.Protocol.TCP)],
            logging=ecs.LogDrivers.aws_logs(stream_prefix=container_name, log_group=self.log_group),
        )
        #: Sidecar containers by name.
        self.sidecars: dict[str, ecs.ContainerDefinition] = {}
        for sidecar in sidecars:
            self.sidecars[sidecar.name] = self.task_definition.add_container(
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

        #: Security group of the tasks: admits only the load balancer, on the container port.
        self.task_security_group = ec2.SecurityGroup(
            self,
            "TaskSecurityGroup",
            vpc=vpc,
            description=f"{self.node.path} tasks: only the load balancer, on the container port",
            allow_all_outbound=True,
        )
        #: Security group of the load balancer: ``ingress_cidrs`` and ``allow_from`` callers.
        self.load_balancer_security_group = ec2.SecurityGroup(
            self,
            "LoadBalancerSecurityGroup",
            vpc=vpc,
            description=f"{self.node.path} load balancer",
            allow_all_outbound=False,
        )
        #: The ECS service.
        self.service = ecs.FargateService(
            self,
            "Service",
            cluster=self.cluster,
            task_definition=self.task_definition,
            assign_public_ip=False,
            vpc_subnets=task_subnet_selection,
            security_groups=[self.task_security_group],
            # With auto scaling, leaving the count out keeps a deployment from resetting it.
            desired_count=None if scales else min_capacity,
            min_healthy_percent=100,
            max_healthy_percent=200,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            health_check_grace_period=health_check_grace_period,
            capacity_provider_strategies=_capacity_strategy(spot, on_demand_base),
            platform_version=ecs.FargatePlatformVersion.LATEST,
            enable_ecs_managed_tags=True,
            propagate_tags=ecs.PropagatedTagSource.SERVICE,
        )
        self._connections = self.service.connections

        #: The Application Load Balancer.
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=vpc,
            internet_facing=not internal,
            vpc_subnets=load_balancer_subnets
            or ec2.SubnetSelection(
                subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS if internal else ec2.SubnetType.PUBLIC
            ),
            security_group=self.load_balancer_security_group,
            drop_invalid_header_fields=True,
            deletion_protection=deletion_protection,
        )
        #: The target group (IP targets: the tasks' network interfaces).
        self.target_group = elbv2.ApplicationTargetGroup(
            self,
            "TargetGroup",
            vpc=vpc,
            port=container_port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.IP,
            deregistration_delay=deregistration_delay,
            health_check=elbv2.HealthCheck(
                enabled=True,
                path=health_check_path,
                healthy_http_codes=health_check_codes,
                interval=health_check_interval,
                timeout=health_check_timeout,
                healthy_threshold_count=healthy_threshold,
                unhealthy_threshold_count=unhealthy_threshold,
            ),
            targets=[self.service.load_balancer_target(container_name=container_name, container_port=container_port)],
        )
        #: The listener callers use (HTTPS, or HTTP when opted in).
        self.listener = self.load_balancer.add_listener(
            "Listener",
            port=port,
            protocol=elbv2.ApplicationProtocol.HTTPS if protocol == "HTTPS" else elbv2.ApplicationProtocol.HTTP,
            certificates=[elbv2.ListenerCertificate.from_certificate_manager(certificate)] if certificate else None,
            ssl_policy=ssl_policy if protocol == "HTTPS" else None,
            open=False,
            default_target_groups=[self.target_group],
        )
        #: The HTTP listener that redirects to HTTPS, if any.
        self.redirect_listener: elbv2.ApplicationListener | None = None
        open_ports = [port]
        if protocol == "HTTPS" and redirect_http:
            self.redirect_listener = self.load_balancer.add_redirect(
                source_port=80,
                source_protocol=elbv2.ApplicationProtocol.HTTP,
                target_port=port,
                target_protocol=elbv2.ApplicationProtocol.HTTPS,
                open=False,
            )
            open_ports.append(80)
        for cidr in cidrs:
            for open_port in open_ports:
                self.load_balancer_security_group.add_ingress_rule(
                    ec2.Peer.ipv4(cidr), ec2.Port.tcp(open_port), f"from {cidr} on {open_port}"
                )
        if not internal and "0.0.0.0/0" in cidrs:
            Validations.of(self.load_balancer_security_group).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-EC23",
                    reason="Internet-facing load balancer of a public web service: admitting 0.0.0.0/0 on its "
                    f"listener ports ({', '.join(map(str, open_ports))}) is its purpose; the tasks behind it admit "
                    "only this load balancer's security group.",
                )
            )
        if protocol == "HTTP":
            Annotations.of(self).add_warning_v2(
                PLAIN_HTTP_WARNING,
                f"{self.node.path} serves plain HTTP (protocol='HTTP'): traffic to the load balancer is not "
                "encrypted. Give a certificate for HTTPS, or acknowledge this warning where plain HTTP is deliberate.",
            )

        #: Bucket of the load balancer's access logs.
        self.access_logs_bucket = access_logs_bucket or self._new_access_logs_bucket(removal_policy)
        self._log_access(self.access_logs_bucket, log_prefix)

        #: Task-count scaling (``None`` when no scaling policy is set).
        self.scaling: ecs.ScalableTaskCount | None = None
        if scales:
            self.scaling = self.service.auto_scale_task_count(min_capacity=min_capacity, max_capacity=max_capacity)
            if scale_on_cpu_percent is not None:
                self.scaling.scale_on_cpu_utilization(
                    "CpuScaling",
                    target_utilization_percent=scale_on_cpu_percent,
                    scale_in_cooldown=scale_in_cooldown,
                    scale_out_cooldown=scale_out_cooldown,
                )
            if scale_on_memory_percent is not None:
                self.scaling.scale_on_memory_utilization(
                    "MemoryScaling",
                    target_utilization_percent=scale_on_memory_percent,
                    scale_in_cooldown=scale_in_cooldown,
                    scale_out_cooldown=scale_out_cooldown,
                )
            if scale_on_requests_per_target is not None:
                self.scaling.scale_on_request_count(
                    "RequestScaling",
                    requests_per_target=scale_on_requests_per_target,
                    target_group=self.target_group,
                    scale_in_cooldown=scale_in_cooldown,
                    scale_out_cooldown=scale_out_cooldown,
                )

        #: DNS name of the load balancer.
        self.dns_name = self.load_balancer.load_balancer_dns_name
        #: ``http(s)://<load balancer DNS name>[:port]`` (with HTTPS, clients normally use a DNS
        #: alias that matches the certificate instead).
        self.url = rules.service_url(protocol, self.dns_name, port)

    # -- wiring -------------------------------------------------------------------------------

    def allow_from(self, other: ec2.IConnectable, description: str | None = None) -> None:
        """Let ``other`` (another service, a CodeBuild project, ...) reach the listener port.

        The tasks keep admitting only the load balancer. When ``other`` is in another stack,
        the ingress rule is created in ``other``'s stack, so that stack depends on this one
        (it usually needs :attr:`url` anyway) and no dependency cycle arises.
        """
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

    def metric_target_response_time(self, period: Duration = _ONE_MINUTE) -> cloudwatch.Metric:
        """Average response time of the tasks, as the load balancer sees it."""
        return self.target_group.metrics.target_response_time(period=period)

    def metric_target_5xx_count(self, period: Duration = _ONE_MINUTE) -> cloudwatch.Metric:
        """5xx responses returned by the tasks (sum per period)."""
        return self.target_group.metrics.http_code_target(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=period)

    # -- access logs --------------------------------------------------------------------------

    def _new_access_logs_bucket(self, removal_policy: RemovalPolicy) -> s3.Bucket:
        return log_delivery_bucket(
            self, "AccessLogs", removal_policy=removal_policy, receives="load balancer access logs written by ELB"
        )

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


def _whole_seconds(prop: str, duration: Duration) -> int:
    millis = duration.to_milliseconds()
    if millis % 1000:
        raise invalid(prop, duration.to_human_string(), "a whole number of seconds")
    return int(millis // 1000)


def _image(image: str | ecs.ContainerImage) -> ecs.ContainerImage:
    return ecs.ContainerImage.from_registry(image) if isinstance(image, str) else image


def _main_image(
    image: str | ecs.ContainerImage | None, docker_directory: str | Path | None, cpu_architecture: str
) -> ecs.ContainerImage:
    if (image is None) == (docker_directory is None):
        raise invalid(
            "image",
            image,
            "exactly one of image (a registry name or ecs.ContainerImage) and docker_directory (a Dockerfile folder)",
        )
    if image is not None:
        if isinstance(image, str) and not image.strip():
            raise invalid("image", image, "a registry image name such as public.ecr.aws/nginx/nginx:stable")
        return _image(image)
    directory = Path(str(docker_directory))
    if not (directory / "Dockerfile").is_file():
        raise invalid("docker_directory", str(docker_directory), "an existing folder that contains a Dockerfile")
    platform = ecr_assets.Platform.LINUX_ARM64 if cpu_architecture == "ARM64" else ecr_assets.Platform.LINUX_AMD64
    return ecs.ContainerImage.from_asset(str(directory), platform=platform)


def _check_private_subnets(vpc: ec2.IVpc, selection: ec2.SubnetSelection) -> None:
    try:
        chosen = vpc.select_subnets(
            subnet_type=selection.subnet_type,
            subnet_group_name=selection.subnet_group_name,
            subnets=selection.subnets,
            availability_zones=selection.availability_zones,
            one_per_az=selection.one_per_az,
            subnet_filters=selection.subnet_filters,
        )
    except JSIIError as error:
        raise invalid("task_subnets", selection.subnet_type, f"a selection of existing subnets ({error})") from None
    public = {subnet.node.path for subnet in vpc.public_subnets}
    if not chosen.subnets or any(subnet.node.path in public for subnet in chosen.subnets):
        raise invalid(
            "task_subnets",
            selection.subnet_type or selection.subnet_group_name,
            "private subnets (with egress through NAT or endpoints): tasks never get public IPs",
        )


def _capacity_strategy(spot: bool, on_demand_base: int) -> list[ecs.CapacityProviderStrategy] | None:
    if not spot:
        return None
    return [
        ecs.CapacityProviderStrategy(capacity_provider="FARGATE", base=on_demand_base, weight=0),
        ecs.CapacityProviderStrategy(capacity_provider="FARGATE_SPOT", weight=1),
    ]
