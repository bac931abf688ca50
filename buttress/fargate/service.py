"""``AlbFargateService``: a Fargate service behind an Application Load Balancer, secure by default.

The class reads as a table of contents: the props object, one check, then the builders of the
modules beside this one (``task``, ``load_balancer``, ``deployment``, ``waf``, ``domain``, ``scaling``,
``compliance``), each returning what it built.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import jsii
from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_s3 as s3
from constructs import Construct

from buttress.errors import invalid, reports_errors
from buttress.fargate import compliance, existing_listener, image_parameter
from buttress.fargate import extra_ports as extra_ports_
from buttress.fargate import load_balancer as lb
from buttress.fargate import service_connect as service_connect_
from buttress.fargate import task as task_
from buttress.fargate.checks import Checked, check
from buttress.fargate.checks_placement import stack_region
from buttress.fargate.deployment import PRODUCTION_RULE_PRIORITY, Deployment, rollback_alarm
from buttress.fargate.extra_ports import ExtraPort
from buttress.fargate.props import DEREGISTRATION_DELAY as _DEREGISTRATION_DELAY
from buttress.fargate.props import HEALTH_CHECK_GRACE_PERIOD as _HEALTH_CHECK_GRACE_PERIOD
from buttress.fargate.props import HEALTH_CHECK_INTERVAL as _HEALTH_CHECK_INTERVAL
from buttress.fargate.props import HEALTH_CHECK_TIMEOUT as _HEALTH_CHECK_TIMEOUT
from buttress.fargate.props import AlbFargateServiceProps, LoadBalancerSettings
from buttress.fargate.scaling import scaling
from buttress.fargate.service_connect import ServiceConnect
from buttress.fargate.task import Sidecar
from buttress.fargate.waf import Waf
from buttress.network import Network
from buttress.options import CpuArchitecture, ListenerProtocol
from buttress.parts.log_buckets import DEFAULT_LOG_EXPIRATION
from buttress.parts.log_groups import log_group
from buttress.parts.metrics import period as metric_period
from buttress.rules import props as checks
from buttress.rules.fargate import existing as existing_rules

# The duration defaults are imported under private names: the API reference (scripts/api_docs.py)
# shows a private default by its value (``Duration.seconds(15)``) rather than by its name.


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
    :param image_tag_parameter: images pushed by CI: the name of an SSM String parameter (``/web/image-tag``)
        holding the main image's tag; ``image`` is then the repository without tag
        (``111122223333.dkr.ecr.eu-west-1.amazonaws.com/web``; an ECR one gets the pull grant). The template
        reads it through a CloudFormation parameter of type ``AWS::SSM::Parameter::Value<String>``, which
        CloudFormation reads again on every deploy: CI writes the tag and deploys, and the next ``cdk deploy``
        keeps the running image instead of reverting it. Default none: the image is fixed in the template.
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
    :param existing_load_balancer: a load balancer this app did not create, imported by ARN
        (``elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes``, with its security group)
        or looked up (``.from_lookup``). Alone: this service adds a listener of its own to it (``protocol``,
        ``certificate``, ``listener_port``, ``ssl_policy``, ``ingress_cidrs``, ``internal`` apply; no redirect
        listener). With ``existing_listener``: that listener's load balancer. Default none.
    :param existing_listener: a listener this app did not create
        (``elbv2.ApplicationListener.from_application_listener_attributes`` with its security group, or
        ``.from_lookup``): requests matching
        ``path_patterns``/``host_headers`` go to this service through a listener rule of ``priority``; its
        security group is opened to the tasks on the container port. ``protocol`` and ``listener_port``
        describe it (for :attr:`url` and :meth:`allow_from`); the other load-balancer props are its owner's.
        The priority is checked against this app's rules on it only: a warning
        (``buttress:existingListenerPriority``) says how to check the others. Needs ``existing_load_balancer``.
    :param priority: the listener rule's priority, 1-50000, unique on the listener (lower wins). Only with
        ``load_balancer_of`` or ``existing_listener``.
    :param path_patterns: e.g. ``["/docs/*"]``: at most 3, each at most 128 characters (ALB limits).
    :param host_headers: e.g. ``["docs.example.com"]``: at most 3; with ``path_patterns`` at most 5
        values and 5 wildcards in all.
    :param extra_ports: further ports of the main container, each an :class:`ExtraPort` with its own target
        group, health check and listener rule (on an ``AlbFargateService``'s listener or any listener), e.g.
        an admin port on an internal service's listener; at most 4 (ECS: 5 target groups per service). Only
        with a rolling deployment. Default none.
    :param service_connect: :class:`ServiceConnect`: publish the main port in a Cloud Map namespace
        (``discovery_name``; :attr:`service_connect_endpoint` is what clients call) and/or call services
        published there (``reaches``: their tasks admit this one's, one-way). Default none.
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
        construct creates (the logging is a cluster setting); an error with ``read_only_root_filesystem``
        (AWS does not support ECS Exec on a read-only root). Default ``False``.
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
        image_tag_parameter: str | None = None,
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
        existing_load_balancer: elbv2.IApplicationLoadBalancer | None = None,
        existing_listener: elbv2.IApplicationListener | None = None,
        extra_ports: Sequence[ExtraPort] = (),
        service_connect: ServiceConnect | None = None,
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
        health_check_interval: Duration = _HEALTH_CHECK_INTERVAL,
        health_check_timeout: Duration = _HEALTH_CHECK_TIMEOUT,
        healthy_threshold: int = 2,
        unhealthy_threshold: int = 3,
        health_check_grace_period: Duration = _HEALTH_CHECK_GRACE_PERIOD,
        deregistration_delay: Duration = _DEREGISTRATION_DELAY,
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
        props = AlbFargateServiceProps(
            vpc=vpc,
            image=image,
            docker_directory=docker_directory,
            image_tag_parameter=image_tag_parameter,
            container_name=container_name,
            container_port=container_port,
            command=command,
            cpu=cpu,
            memory_mib=memory_mib,
            cpu_architecture=cpu_architecture,
            spot=spot,
            on_demand_base=on_demand_base,
            environment=environment,
            secrets=secrets,
            sidecars=sidecars,
            internal=internal,
            ingress_cidrs=ingress_cidrs,
            protocol=protocol,
            certificate=certificate,
            listener_port=listener_port,
            redirect_http=redirect_http,
            ssl_policy=ssl_policy,
            domain_name=domain_name,
            hosted_zone=hosted_zone,
            waf=waf,
            load_balancer_of=load_balancer_of,
            existing_load_balancer=existing_load_balancer,
            existing_listener=existing_listener,
            extra_ports=extra_ports,
            service_connect=service_connect,
            priority=priority,
            path_patterns=path_patterns,
            host_headers=host_headers,
            deployment=deployment,
            container_health_check=container_health_check,
            user=user,
            read_only_root_filesystem=read_only_root_filesystem,
            writable_paths=writable_paths,
            idle_timeout=idle_timeout,
            enable_exec=enable_exec,
            dual_stack=dual_stack,
            health_check_path=health_check_path,
            health_check_codes=health_check_codes,
            health_check_interval=health_check_interval,
            health_check_timeout=health_check_timeout,
            healthy_threshold=healthy_threshold,
            unhealthy_threshold=unhealthy_threshold,
            health_check_grace_period=health_check_grace_period,
            deregistration_delay=deregistration_delay,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            scale_on_cpu_percent=scale_on_cpu_percent,
            scale_on_memory_percent=scale_on_memory_percent,
            scale_on_requests_per_target=scale_on_requests_per_target,
            scale_in_cooldown=scale_in_cooldown,
            scale_out_cooldown=scale_out_cooldown,
            cluster=cluster,
            task_subnets=task_subnets,
            load_balancer_subnets=load_balancer_subnets,
            log_retention=log_retention,
            access_logs_bucket=access_logs_bucket,
            access_logs_prefix=access_logs_prefix,
            access_log_expiration=access_log_expiration,
            log_key=log_key,
            deletion_protection=deletion_protection,
            removal_policy=removal_policy,
        )
        checked = check(id_, props, stack_region(scope))
        super().__init__(scope, id_)
        checked = image_parameter.resolve(self, checked)
        plain, cdk, task = checked.plain, checked.cdk, checked.task
        owner = cdk.load_balancer_of
        self._rule_priorities: dict[int, str] = {}
        vpc_ = cdk.network.vpc

        #: ``ListenerProtocol.HTTPS`` or ``ListenerProtocol.HTTP`` (equal to ``"HTTPS"``/``"HTTP"``).
        self.protocol = plain.protocol
        #: The port callers connect to.
        self.listener_port = plain.listener_port
        #: Whether the load balancer is internal.
        self.internal = plain.internal
        #: What a service sharing this one's load balancer (``load_balancer_of``) inherits: internal, dual-stack,
        #: ingress CIDRs, protocol, listener port, HTTP redirect.
        self.load_balancer_settings: LoadBalancerSettings = checked.load_balancer_settings()
        exec_logging = (
            task_.exec_logging(self, retention=cdk.log_retention, removal_policy=cdk.removal_policy)
            if task.enable_exec
            else None
        )
        #: The KMS key of ECS Exec sessions (``enable_exec=True``; else ``None``).
        self.exec_key: kms.Key | None = None if exec_logging is None else exec_logging.key
        #: The KMS-encrypted log group of ECS Exec sessions (``enable_exec=True``; else ``None``).
        self.exec_log_group: logs.LogGroup | None = None if exec_logging is None else exec_logging.log_group
        #: The ECS cluster the service runs in.
        self.cluster = task_.cluster(self, cdk.cluster, vpc_, exec_=exec_logging)
        #: Log group of every container of the task.
        self.log_group = log_group(
            self, "Logs", retention=cdk.log_retention, removal_policy=cdk.removal_policy, key=cdk.log_key
        )
        #: The task definition (awsvpc, Linux, ``cpu_architecture``).
        self.task_definition = task_.task_definition(self, checked)
        #: The main container.
        self.container = task_.main_container(self.task_definition, checked, self.log_group)
        #: Sidecar containers by name.
        self.sidecars = task_.sidecars(self.task_definition, checked, self.log_group)
        #: Security group of the tasks: it admits only the load balancer, on the container port.
        self.task_security_group = task_.task_security_group(self, vpc_)
        #: Security group of the load balancer (the shared one's with ``load_balancer_of``; the imported listener's
        #: or load balancer's with ``existing_listener``/``existing_load_balancer``).
        self.load_balancer_security_group: ec2.ISecurityGroup = self._load_balancer_security_group(checked, owner)
        #: The ECS service.
        self.service = task_.service(
            self,
            checked,
            cluster=self.cluster,
            definition=self.task_definition,
            security_group=self.task_security_group,
        )
        task_.wait_for_capacity_providers(self.service, self.cluster)
        task_.acknowledge_exec_wildcards(self.task_definition, exec_logging)
        front = self._front(checked, owner)
        #: The Application Load Balancer (the shared one's with ``load_balancer_of``).
        self.load_balancer = front.load_balancer
        #: The target group (IP targets: the tasks' network interfaces).
        self.target_group = front.groups.target_group
        #: With a traffic-shifting deployment, the alternate target group ECS moves the new revision and the traffic to.
        self.alternate_target_group = front.groups.alternate
        #: The HTTPS listener's certificate: the one given, one issued for ``domain_name``, or ``None``.
        self.certificate = front.certificate
        #: The listener callers use (HTTPS, or HTTP when opted in).
        self.listener = front.listener
        #: The HTTP listener redirecting to HTTPS, if any.
        self.redirect_listener = front.redirect_listener
        #: The listener rule routing to this service (only with ``load_balancer_of``).
        self.listener_rule = front.listener_rule
        #: The rule ECS shifts production traffic on (traffic-shifting deployments).
        self.production_rule = front.production_rule
        #: The listener that reaches a new revision before production does (``test_listener_port``).
        self.test_listener = front.test_listener
        #: Bucket of the load balancer's access logs.
        self.access_logs_bucket = front.access_logs_bucket
        #: Route 53 alias records of ``domain_name`` (empty without ``hosted_zone``).
        self.alias_records = front.alias_records
        #: The web ACL built here (``Waf.managed()``), or ``None``.
        self.web_acl = front.web_acl
        #: The log group of the web ACL built here, or ``None``.
        self.waf_log_group = front.waf_log_group
        #: The ARN of the web ACL in force, if any.
        self.web_acl_arn = front.web_acl_arn
        #: DNS name of the load balancer.
        self.dns_name = front.dns_name
        #: ``https://<domain_name>`` with a domain, else ``http(s)://<load balancer DNS name>`` (``:port``
        #: when not the protocol's standard port).
        self.url = front.url
        #: Task-count scaling (``None`` when no scaling policy is set).
        self.scaling = scaling(self.service, checked, self.target_group)
        #: The alarm on the tasks' 5xx responses that rolls a traffic-shifting deployment back, if any.
        self.rollback_alarm = rollback_alarm(
            self, self.service, checked.deployment, front.groups, task.deployment.rollback_alarms
        )
        self._connections = self.service.connections

    def _load_balancer_security_group(self, checked: Checked, owner: AlbFargateService | None) -> ec2.ISecurityGroup:
        if checked.existing is not None:
            return checked.existing.security_group
        if owner is None:
            return lb.load_balancer_security_group(self, checked.cdk.network.vpc)
        return owner.load_balancer_security_group

    def _front(self, checked: Checked, owner: AlbFargateService | None) -> lb.Front:
        """The load balancer side, its priorities reserved and its compliance acknowledged."""
        if checked.existing is not None:
            front = existing_listener.front(self, checked, checked.existing, service=self.service)
        elif owner is None:
            assert isinstance(self.load_balancer_security_group, ec2.SecurityGroup)  # made just above
            front = lb.own_front(self, checked, service=self.service, security_group=self.load_balancer_security_group)
            if front.production_rule is not None:
                self.reserve_rule_priority(PRODUCTION_RULE_PRIORITY, front.production_rule.node.path)
        else:
            front = lb.shared_front(self, checked, service=self.service, owner=owner)
            assert checked.route is not None and front.listener_rule is not None  # with load_balancer_of
            owner.reserve_rule_priority(checked.route.priority, self.node.path)
        compliance.acknowledge_task(self.task_definition, checked)
        self._estate(checked)
        if owner is None and isinstance(front.load_balancer, elbv2.ApplicationLoadBalancer):
            compliance.acknowledge_load_balancer(
                front.load_balancer, front.redirect_listener, front.web_acl_arn, checked
            )
        return front

    def _estate(self, checked: Checked) -> None:
        """What fits the service into an estate (issue 26): extra ports, Service Connect."""
        #: The target groups of ``extra_ports``, in their order (each with the tasks on its port).
        self.extra_target_groups = extra_ports_.build(self, checked, service=self.service, container=self.container)
        #: ``http://<discovery_name>:<container_port>``: what services in the namespace call (``service_connect``
        #: with ``discovery_name``; else ``None``).
        self.service_connect_endpoint = service_connect_.enable(self, checked, self.service)
        #: The Cloud Map namespace of ``service_connect``, or ``None``.
        self.service_connect_namespace = (
            None if checked.service_connect is None else checked.service_connect.settings.namespace
        )

    # -- wiring -------------------------------------------------------------------------------

    @reports_errors
    def allow_from(self, other: ec2.IConnectable, description: str | None = None) -> None:
        """Let ``other`` (another service, a CodeBuild project, ...) reach the listener port.

        The tasks keep admitting only the load balancer. When ``other`` is in another stack,
        the ingress rule is created in ``other``'s stack, so that stack depends on this one
        (it usually needs :attr:`url` anyway) and no dependency cycle arises.
        """
        checks.interface("other", other, ("connections",), "an ec2.IConnectable (a service, project or security group)")
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
        checks.interface("grantee", grantee, ("grant_principal",), "an iam.IGrantable (a role, user or group)")
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["logs:DescribeLogStreams", "logs:GetLogEvents", "logs:FilterLogEvents"],
            resource_arns=[self.log_group.log_group_arn],
        )

    @reports_errors
    def metric_target_response_time(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Average response time of the tasks, as the load balancer sees it (per ``period``, default five minutes)."""
        return self.target_group.metrics.target_response_time(period=metric_period(period))

    @reports_errors
    def metric_target_5xx_count(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """5xx responses returned by the tasks (sum per ``period``, default five minutes)."""
        return self.target_group.metrics.http_code_target(
            elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=metric_period(period)
        )

    # -- the shared load balancer ----------------------------------------------------------------

    @property
    def rule_priorities(self) -> Mapping[int, str]:
        """Priorities taken on this service's listener, each with the path of the rule's owner (read-only)."""
        return MappingProxyType(self._rule_priorities)

    @reports_errors
    def reserve_rule_priority(self, priority: int, user: str) -> None:
        """Record that ``user`` (a construct path) holds listener-rule ``priority`` on this service's listener.

        A service sharing this load balancer (``load_balancer_of``) reserves the priority of its rule
        here, so two services cannot be given the same one.
        """
        taken = self._rule_priorities.get(priority)
        if taken is not None:
            raise invalid(
                "priority", priority, f"a priority no other rule of the listener has ({taken} has {priority})"
            )
        existing_rules.check_rule_count(self._rule_priorities, f"the listener of {self.node.path}")
        self._rule_priorities[priority] = user
