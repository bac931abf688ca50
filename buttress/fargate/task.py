"""The task side: ``Sidecar``, the cluster, ECS Exec logging, the task definition, its containers and the service."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import jsii
from aws_cdk import ArnFormat, AspectPriority, Aspects, Aws, CfnResource, IAspect, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from buttress.errors import invalid
from buttress.fargate.deployment import strategy_props
from buttress.fargate.service_connect import port_mapping_name
from buttress.options import CpuArchitecture
from buttress.parts import nag
from buttress.rules.fargate.image import check_image_reference

if TYPE_CHECKING:
    from buttress.fargate.checks import Checked


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


def image(value: str | ecs.ContainerImage) -> ecs.ContainerImage:
    """A registry image name as an ``ecs.ContainerImage``."""
    return ecs.ContainerImage.from_registry(value) if isinstance(value, str) else value


def main_image(
    value: str | ecs.ContainerImage | None, docker_directory: Path | None, cpu_architecture: CpuArchitecture
) -> ecs.ContainerImage:
    """The main container's image: the one given, or one built from ``docker_directory`` for the architecture."""
    if value is not None:
        if isinstance(value, str) and not value.strip():
            raise invalid("image", value, "a registry image name such as public.ecr.aws/nginx/nginx:stable")
        if isinstance(value, str):
            check_image_reference("image", value)
        return image(value)
    platform = (
        ecr_assets.Platform.LINUX_ARM64
        if cpu_architecture is CpuArchitecture.ARM64
        else ecr_assets.Platform.LINUX_AMD64
    )
    return ecs.ContainerImage.from_asset(str(docker_directory), platform=platform)


@dataclass(frozen=True)
class ExecLogging:
    """The KMS key and the log group of ECS Exec sessions."""

    key: kms.Key
    log_group: logs.LogGroup


def exec_logging(scope: Construct, *, retention: logs.RetentionDays, removal_policy: RemovalPolicy) -> ExecLogging:
    """A key and an encrypted log group for ECS Exec sessions (the key policy lets CloudWatch Logs use it)."""
    key = kms.Key(
        scope,
        "ExecKey",
        description=f"{scope.node.path}: ECS Exec sessions and their log group",
        enable_key_rotation=True,
        removal_policy=removal_policy,
    )
    group = logs.LogGroup(scope, "ExecLogs", retention=retention, removal_policy=removal_policy, encryption_key=key)
    # CloudWatch Logs encrypts the group with the key only if the key policy lets it, for this group.
    key.add_to_resource_policy(
        iam.PolicyStatement(
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": Stack.of(scope).format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name="*",
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                }
            },
        )
    )
    return ExecLogging(key, group)


def cluster(scope: Construct, given: ecs.ICluster | None, vpc: ec2.IVpc, *, exec_: ExecLogging | None) -> ecs.ICluster:
    """The cluster given, or one with Container Insights (and the Exec logging).

    A cluster of this app gets the Fargate capacity providers, so the service can always name a capacity
    provider strategy and turning ``spot`` on or off stays an in-place update (see :func:`service`).
    """
    exec_config = (
        None
        if exec_ is None
        else ecs.ExecuteCommandConfiguration(
            kms_key=exec_.key,
            logging=ecs.ExecuteCommandLogging.OVERRIDE,
            log_configuration=ecs.ExecuteCommandLogConfiguration(
                cloud_watch_log_group=exec_.log_group, cloud_watch_encryption_enabled=True
            ),
        )
    )
    built = given or ecs.Cluster(
        scope,
        "Cluster",
        vpc=vpc,
        container_insights_v2=ecs.ContainerInsights.ENABLED,
        execute_command_configuration=exec_config,
    )
    if isinstance(built, ecs.Cluster):
        built.enable_fargate_capacity_providers()
    return built


def task_definition(scope: Construct, checked: Checked) -> ecs.FargateTaskDefinition:
    """The task definition: awsvpc, Linux, the checked size and CPU architecture."""
    plain = checked.plain
    return ecs.FargateTaskDefinition(
        scope,
        "TaskDefinition",
        cpu=plain.cpu,
        memory_limit_mib=plain.memory_mib,
        runtime_platform=ecs.RuntimePlatform(
            cpu_architecture=ecs.CpuArchitecture.of(plain.cpu_architecture.value),
            operating_system_family=ecs.OperatingSystemFamily.LINUX,
        ),
    )


def main_container(
    definition: ecs.FargateTaskDefinition, checked: Checked, log_group: logs.ILogGroup
) -> ecs.ContainerDefinition:
    """The main container, with its writable paths mounted as ephemeral task volumes."""
    plain, cdk, task = checked.plain, checked.cdk, checked.task
    container = definition.add_container(
        "Container",
        container_name=plain.container_name,
        image=checked.image,
        essential=True,
        command=plain.command,
        environment=plain.environment or None,
        secrets=cdk.secrets or None,
        port_mappings=[
            ecs.PortMapping(
                container_port=plain.container_port, protocol=ecs.Protocol.TCP, name=port_mapping_name(checked)
            )
        ],
        logging=ecs.LogDrivers.aws_logs(stream_prefix=plain.container_name, log_group=log_group),
        health_check=task.container_health_check,
        user=task.user,
        readonly_root_filesystem=task.read_only_root_filesystem or None,
    )
    for index, path in enumerate(task.writable_paths):
        # A task volume with no host or EFS source is Fargate ephemeral storage, gone with the task.
        volume = f"writable-{index}"
        definition.add_volume(name=volume)
        container.add_mount_points(ecs.MountPoint(container_path=path, source_volume=volume, read_only=False))
    return container


def sidecars(
    definition: ecs.FargateTaskDefinition, checked: Checked, log_group: logs.ILogGroup
) -> dict[str, ecs.ContainerDefinition]:
    """The sidecar containers by name."""
    return {
        sidecar.name: _sidecar(definition, sidecar, health, log_group)
        for sidecar, health in zip(checked.cdk.sidecars, checked.task.sidecar_health_checks, strict=True)
    }


def _sidecar(
    definition: ecs.FargateTaskDefinition,
    sidecar: Sidecar,
    health_check: ecs.HealthCheck | None,
    log_group: logs.ILogGroup,
) -> ecs.ContainerDefinition:
    return definition.add_container(
        f"Sidecar{sidecar.name}",
        container_name=sidecar.name,
        image=image(sidecar.image),
        essential=sidecar.essential,
        command=list(sidecar.command) if sidecar.command is not None else None,
        environment=dict(sidecar.environment) or None,
        secrets=dict(sidecar.secrets) or None,
        cpu=sidecar.cpu,
        memory_reservation_mib=sidecar.memory_reservation_mib,
        port_mappings=[ecs.PortMapping(container_port=sidecar.port)] if sidecar.port is not None else None,
        logging=ecs.LogDrivers.aws_logs(stream_prefix=sidecar.name, log_group=log_group),
        health_check=health_check,
    )


def task_security_group(scope: Construct, vpc: ec2.IVpc) -> ec2.SecurityGroup:
    """The tasks' security group: it admits only the load balancer (added when the tasks are registered)."""
    return ec2.SecurityGroup(
        scope,
        "TaskSecurityGroup",
        vpc=vpc,
        description=f"{scope.node.path} tasks: only the load balancer, on the container port",
        allow_all_outbound=True,
    )


def service(
    scope: Construct,
    checked: Checked,
    *,
    cluster: ecs.ICluster,
    definition: ecs.FargateTaskDefinition,
    security_group: ec2.SecurityGroup,
) -> ecs.FargateService:
    """The ECS service: private, circuit breaker with rollback, 100 %/200 %, the deployment strategy."""
    plain, cdk = checked.plain, checked.cdk
    strategy = strategy_props(checked.deployment)
    return ecs.FargateService(
        scope,
        "Service",
        cluster=cluster,
        task_definition=definition,
        assign_public_ip=False,
        vpc_subnets=checked.task_subnets,
        security_groups=[security_group],
        # With auto scaling, leaving the count out keeps a deployment from resetting it.
        desired_count=None if plain.scales else plain.min_capacity,
        min_healthy_percent=100,
        max_healthy_percent=200,
        circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
        health_check_grace_period=cdk.durations.health_check_grace_period,
        capacity_provider_strategies=_capacity_strategy(
            plain.spot, plain.on_demand_base, associated=isinstance(cluster, ecs.Cluster)
        ),
        platform_version=ecs.FargatePlatformVersion.LATEST,
        enable_ecs_managed_tags=True,
        propagate_tags=ecs.PropagatedTagSource.SERVICE,
        enable_execute_command=checked.task.enable_exec or None,
        deployment_strategy=strategy.deployment_strategy,
        bake_time=strategy.bake_time,
        canary_configuration=strategy.canary_configuration,
        linear_configuration=strategy.linear_configuration,
    )


def _capacity_strategy(
    spot: bool, on_demand_base: int, *, associated: bool
) -> list[ecs.CapacityProviderStrategy] | None:
    # ``LaunchType`` is "Update requires: Replacement" and excludes ``CapacityProviderStrategy``, whose
    # changes are in place (since June 2025): a strategy in both modes keeps ``spot`` on/off from
    # replacing the service (aws-cdk issue 24907).
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ecs-service.html
    # An imported cluster keeps the launch type: its capacity providers cannot be associated from here
    # (and ``spot`` is refused with it).
    if not spot:
        return [ecs.CapacityProviderStrategy(capacity_provider="FARGATE", weight=1)] if associated else None
    return [
        ecs.CapacityProviderStrategy(capacity_provider="FARGATE", base=on_demand_base, weight=0),
        ecs.CapacityProviderStrategy(capacity_provider="FARGATE_SPOT", weight=1),
    ]


def wait_for_capacity_providers(service: ecs.FargateService, cluster: ecs.ICluster) -> None:
    """Make the service depend on its cluster's capacity-provider associations.

    Without it CloudFormation may create the service before FARGATE/FARGATE_SPOT are associated ("capacity
    provider ... is not associated with the cluster") and delete the association before the service
    (containers-roadmap 631, a user report; the ECS API reference says a strategy's providers must be
    associated: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html).
    aws-cdk-lib creates the association in an aspect at synth, so the dependency is added by one too.
    """
    if isinstance(cluster, ecs.Cluster) and Stack.of(cluster) is Stack.of(service):
        Aspects.of(service).add(_DependOnAssociations(cluster), priority=AspectPriority.READONLY)


@jsii.implements(IAspect)
class _DependOnAssociations:
    def __init__(self, cluster: ecs.Cluster) -> None:
        self._cluster = cluster

    def visit(self, node: IConstruct) -> None:
        association = self._cluster.node.try_find_child(self._cluster.node.id)
        if isinstance(node, ecs.CfnService) and isinstance(association, CfnResource):
            node.add_resource_dependency(association)


def acknowledge_exec_wildcards(definition: ecs.FargateTaskDefinition, exec_: ExecLogging | None) -> None:
    """IAM5 on the task role for the two wildcards aws-cdk-lib's ECS Exec grant needs, and nothing else."""
    if exec_ is None:
        return
    streams = Stack.of(definition).format_arn(
        service="logs",
        resource="log-group",
        resource_name=f"{exec_.log_group.log_group_name}:*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
    nag.acknowledge_wildcards(
        definition.task_role,
        resources={
            "*": "ECS Exec: the ssmmessages channel actions have no resource type (they only accept '*'), and "
            "logs:DescribeLogGroups lists groups, which has no narrower resource.",
            streams: "ECS Exec writes session logs to streams it names per session, in this one log group.",
        },
    )
