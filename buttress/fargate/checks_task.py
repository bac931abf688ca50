"""Checks of the task's props: durations, secrets, sidecars, container health checks, hardening, deployment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_ecs as ecs

from buttress.errors import invalid
from buttress.fargate.deployment import Deployment
from buttress.fargate.props import SCALE_IN_COOLDOWN, SCALE_OUT_COOLDOWN, AlbFargateServiceProps
from buttress.fargate.task import Sidecar
from buttress.options import DeploymentStrategy
from buttress.rules import fargate as rules
from buttress.rules import props as checks
from buttress.rules.fargate.image import check_image_reference


@dataclass(frozen=True)
class Durations:
    """The duration props as the ``Duration`` to build with, and in whole seconds for the rules."""

    health_check_interval: Duration
    health_check_timeout: Duration
    health_check_grace_period: Duration
    deregistration_delay: Duration
    scale_in_cooldown: Duration
    scale_out_cooldown: Duration
    seconds: rules.Durations


def check_durations(props: AlbFargateServiceProps) -> Durations:
    """Each duration prop a ``Duration`` of whole seconds; a cooldown not given is its default."""
    interval = _duration("health_check_interval", props.health_check_interval)
    timeout = _duration("health_check_timeout", props.health_check_timeout)
    grace = _duration("health_check_grace_period", props.health_check_grace_period)
    deregistration = _duration("deregistration_delay", props.deregistration_delay)
    scale_in = None if props.scale_in_cooldown is None else _duration("scale_in_cooldown", props.scale_in_cooldown)
    scale_out = None if props.scale_out_cooldown is None else _duration("scale_out_cooldown", props.scale_out_cooldown)
    return Durations(
        health_check_interval=interval,
        health_check_timeout=timeout,
        health_check_grace_period=grace,
        deregistration_delay=deregistration,
        scale_in_cooldown=scale_in or SCALE_IN_COOLDOWN,
        scale_out_cooldown=scale_out or SCALE_OUT_COOLDOWN,
        seconds=rules.Durations(
            health_check_interval=_seconds(interval),
            health_check_timeout=_seconds(timeout),
            health_check_grace_period=_seconds(grace),
            deregistration_delay=_seconds(deregistration),
            scale_in_cooldown=None if scale_in is None else _seconds(scale_in),
            scale_out_cooldown=None if scale_out is None else _seconds(scale_out),
        ),
    )


def _duration(prop: str, value: object) -> Duration:
    duration: Duration = checks.instance(prop, value, Duration, "a Duration such as Duration.seconds(30)")
    whole_seconds(prop, duration)
    return duration


def _seconds(duration: Duration) -> int:
    return int(duration.to_milliseconds() // 1000)


def whole_seconds(prop: str, duration: Duration) -> int:
    """``duration`` in seconds; a fraction of a second is an error."""
    millis = duration.to_milliseconds()
    if millis % 1000:
        raise invalid(prop, duration.to_human_string(), "a whole number of seconds")
    return int(millis // 1000)


def _whole_minutes(prop: str, value: object) -> int:
    duration = checks.instance(prop, value, Duration, "a Duration such as Duration.minutes(10)")
    seconds = whole_seconds(prop, duration)
    if seconds % 60:
        raise invalid(prop, duration.to_human_string(), "a whole number of minutes")
    return seconds // 60


def check_secrets(prop: str, value: object) -> dict[str, ecs.Secret]:
    """A mapping of variable names to ``ecs.Secret`` (``None``: none)."""
    secrets = checks.mapping(prop, {} if value is None else value)
    for name, secret in secrets.items():
        checks.instance(
            f"{prop}[{name!r}]", secret, ecs.Secret, "an ecs.Secret (from_ssm_parameter, from_secrets_manager)"
        )
    return secrets


def check_sidecars(value: object) -> tuple[list[Sidecar], list[rules.ContainerSpec]]:
    """The sidecars, type-checked, and their container specs for ``rules.check_containers``."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise invalid("sidecars", value, f"a list of buttress.Sidecar, not {type(value).__name__}")
    sidecars: list[Sidecar] = []
    specs: list[rules.ContainerSpec] = []
    for index, sidecar in enumerate(value):
        checks.instance(f"sidecars[{index}]", sidecar, Sidecar, "a buttress.Sidecar")
        image = sidecar.image
        if not isinstance(image, ecs.ContainerImage) and not (isinstance(image, str) and image.strip()):
            raise invalid(f"sidecars[{index}].image", image, "a registry image name (str) or an ecs.ContainerImage")
        if isinstance(image, str):
            check_image_reference(f"sidecars[{index}].image", image)
        secrets = check_secrets(f"sidecars[{index}].secrets", sidecar.secrets)
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


def check_container_health_check(prop: str, value: object) -> ecs.HealthCheck | None:
    """An ``ecs.HealthCheck`` within ECS's limits, returned with every default spelled out."""
    if value is None:
        return None
    given = checks.instance(prop, value, ecs.HealthCheck, "an ecs.HealthCheck(command=[...], ...)")
    seconds = {
        name: None
        if duration is None
        else whole_seconds(f"{prop}.{name}", checks.instance(f"{prop}.{name}", duration, Duration, "a Duration"))
        for name, duration in (
            ("interval", given.interval),
            ("timeout", given.timeout),
            ("start_period", given.start_period),
        )
    }
    spec = rules.check_container_health_check(
        prop,
        command=given.command,
        retries=given.retries,
        interval=seconds["interval"],
        timeout=seconds["timeout"],
        start_period=seconds["start_period"],
    )
    return ecs.HealthCheck(
        command=spec.command,
        interval=Duration.seconds(spec.interval),
        timeout=Duration.seconds(spec.timeout),
        retries=spec.retries,
        start_period=Duration.seconds(spec.start_period),
    )


@dataclass(frozen=True)
class TaskProps:
    """The task's hardening, health-check and deployment props, type-checked."""

    container_health_check: ecs.HealthCheck | None
    sidecar_health_checks: list[ecs.HealthCheck | None]
    deployment: Deployment
    user: str | None
    read_only_root_filesystem: bool
    writable_paths: list[str]
    enable_exec: bool


def check_task_props(props: AlbFargateServiceProps, sidecars: Sequence[Sidecar]) -> TaskProps:
    """Hardening, ECS Exec, the deployment and the container health checks, type-checked."""
    user = rules.check_user(props.user)
    enable_exec = _check_exec(props.enable_exec, props.cluster)
    read_only = checks.boolean("read_only_root_filesystem", props.read_only_root_filesystem)
    if enable_exec and read_only:
        # AWS documents the pair as unsupported: "The SSM agent requires that the container file system can be
        # written to ... making the root file system read-only ... isn't supported"
        # (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html#ecs-exec-considerations).
        # Mounting the agent's directories writable is a user-reported workaround (containers-roadmap 1359,
        # amazon-ecs-exec-checker 71), not a documented one: refuse rather than ship an Exec that may not work.
        raise invalid(
            "enable_exec",
            True,
            "not given with read_only_root_filesystem=True: the SSM agent behind ECS Exec must write to the "
            "container's filesystem, and AWS does not support ECS Exec with a read-only root "
            "(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html)",
        )
    writable_paths = rules.check_writable_paths(
        props.writable_paths, read_only_root_filesystem=props.read_only_root_filesystem is True
    )
    deployment = (
        Deployment.rolling()
        if props.deployment is None
        else checks.instance(
            "deployment", props.deployment, Deployment, "a buttress.Deployment (Deployment.canary(), ...)"
        )
    )
    return TaskProps(
        container_health_check=check_container_health_check("container_health_check", props.container_health_check),
        sidecar_health_checks=[
            check_container_health_check(f"sidecars[{index}].health_check", sidecar.health_check)
            for index, sidecar in enumerate(sidecars)
        ],
        deployment=deployment,
        user=user,
        read_only_root_filesystem=read_only,
        writable_paths=writable_paths,
        enable_exec=enable_exec,
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


def check_deployment(deployment: Deployment, plain: rules.FargateProps, *, shared: bool) -> rules.DeploymentSpec:
    """The deployment against the plain props (scaling, listeners) and ECS's limits."""
    strategy = checks.option("deployment.strategy", deployment.strategy, DeploymentStrategy)
    prepared = deployment.prepare_traffic_shifting is True
    if (strategy is not DeploymentStrategy.ROLLING or prepared) and plain.scale_on_requests_per_target is not None:
        raise invalid(
            "scale_on_requests_per_target",
            plain.scale_on_requests_per_target,
            f"not given with deployment strategy {strategy.value}"
            + (" prepared for traffic shifting" if prepared else "")
            + ": ECS moves the traffic to the alternate "
            "target group, which a request-count policy does not follow; scale on CPU or memory",
        )
    if shared and deployment.test_listener_port is not None:
        raise invalid(
            "deployment.test_listener_port",
            deployment.test_listener_port,
            "not given with load_balancer_of: give the test listener to the service that owns the load balancer",
        )
    bake = None if deployment.bake_time is None else _whole_minutes("deployment.bake_time", deployment.bake_time)
    step_bake = (
        None
        if deployment.step_bake_time is None
        else _whole_minutes("deployment.step_bake_time", deployment.step_bake_time)
    )
    alarms = deployment.rollback_alarms
    if isinstance(alarms, str) or not isinstance(alarms, Sequence):
        raise invalid("deployment.rollback_alarms", alarms, "a list of cloudwatch.IAlarm")
    for index, alarm in enumerate(alarms):
        checks.interface(
            f"deployment.rollback_alarms[{index}]", alarm, ("alarm_name", "alarm_arn"), "a cloudwatch.IAlarm"
        )
    return rules.check_deployment(
        strategy=strategy.value,
        bake_minutes=bake,
        percent=deployment.percent,
        step_bake_minutes=step_bake,
        test_listener_port=deployment.test_listener_port,
        rollback_on_5xx=deployment.rollback_on_5xx,
        listener_port=plain.listener_port,
        redirect_http=plain.redirect_http,
        prepare_traffic_shifting=deployment.prepare_traffic_shifting,
    )
