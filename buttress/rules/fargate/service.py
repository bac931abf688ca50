"""The plain props of ``AlbFargateService`` checked together (``check_props``), with defaults resolved.

Pure rules of ``AlbFargateService``, no CDK import; each raises ``invalid(prop, value, allowed)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from buttress.errors import invalid
from buttress.options import CpuArchitecture, ListenerProtocol
from buttress.rules import props
from buttress.rules.fargate.listener import (
    HealthCheckSpec,
    check_deregistration_delay,
    check_grace_period,
    check_health_check,
    check_ingress_cidrs,
    check_log_prefix,
    check_protocol,
    default_ingress_cidrs,
    listener_port,
)
from buttress.rules.fargate.task import (
    DEFAULT_ON_DEMAND_BASE,
    ContainerSpec,
    check_capacity_options,
    check_containers,
    check_environment,
    check_scaling,
    check_task_size,
)


@dataclass(frozen=True)
class Durations:
    """The duration props of ``AlbFargateService`` in whole seconds (``None``: not given)."""

    health_check_interval: int
    health_check_timeout: int
    health_check_grace_period: int
    deregistration_delay: int
    scale_in_cooldown: int | None
    scale_out_cooldown: int | None


@dataclass(frozen=True)
class FargateProps:
    """The checked plain props of ``AlbFargateService``, with every default resolved to its effective value."""

    container_name: str
    container_port: int
    command: list[str] | None
    cpu: int
    memory_mib: int
    cpu_architecture: CpuArchitecture
    spot: bool
    on_demand_base: int
    environment: dict[str, str]
    internal: bool
    dual_stack: bool
    ingress_cidrs: list[str]
    protocol: ListenerProtocol
    listener_port: int
    redirect_http: bool
    health: HealthCheckSpec
    min_capacity: int
    max_capacity: int
    scale_on_cpu_percent: float | None
    scale_on_memory_percent: float | None
    scale_on_requests_per_target: int | None
    scales: bool
    access_logs_prefix: str
    deletion_protection: bool

    @property
    def https(self) -> bool:
        """Whether the listener serves HTTPS."""
        return self.protocol is ListenerProtocol.HTTPS


def check_props(
    *,
    id_: str,
    container_name: object,
    container_port: object,
    command: object,
    cpu: object,
    memory_mib: object,
    cpu_architecture: object,
    spot: object,
    on_demand_base: object,
    environment: object,
    secret_names: Sequence[str],
    sidecars: Sequence[ContainerSpec],
    internal: object,
    dual_stack: object,
    ingress_cidrs: object,
    protocol: object,
    has_certificate: bool,
    ssl_policy: object,
    listener_port: object,
    redirect_http: object,
    health_check_path: object,
    health_check_codes: object,
    healthy_threshold: object,
    unhealthy_threshold: object,
    durations: Durations,
    min_capacity: object,
    max_capacity: object,
    scale_on_cpu_percent: object,
    scale_on_memory_percent: object,
    scale_on_requests_per_target: object,
    access_logs_prefix: object,
    deletion_protection: object,
) -> FargateProps:
    """Type-check every plain prop, then the rules between them; the props with defaults resolved.

    ``None`` for ``on_demand_base``, ``redirect_http``, ``ssl_policy``, ``listener_port``,
    ``ingress_cidrs`` and ``access_logs_prefix`` means "not given": the effective default depends
    on other props, and a prop given where it has no effect (``redirect_http`` with plain HTTP, ``on_demand_base``
    without Spot) is an error naming that mode.
    """
    task = _check_task(
        container_name=container_name,
        container_port=container_port,
        command=command,
        cpu=cpu,
        memory_mib=memory_mib,
        environment=environment,
        secret_names=secret_names,
        sidecars=sidecars,
    )
    capacity = _check_capacity(
        cpu_architecture=cpu_architecture,
        spot=spot,
        on_demand_base=on_demand_base,
        min_capacity=min_capacity,
        max_capacity=max_capacity,
        scale_on_cpu_percent=scale_on_cpu_percent,
        scale_on_memory_percent=scale_on_memory_percent,
        scale_on_requests_per_target=scale_on_requests_per_target,
        durations=durations,
    )
    listener = _check_listener(
        internal=internal,
        dual_stack=dual_stack,
        ingress_cidrs=ingress_cidrs,
        protocol=protocol,
        has_certificate=has_certificate,
        ssl_policy=ssl_policy,
        listener_port=listener_port,
        redirect_http=redirect_http,
    )
    health = _check_health(
        path=health_check_path,
        codes=health_check_codes,
        healthy_threshold=healthy_threshold,
        unhealthy_threshold=unhealthy_threshold,
        durations=durations,
    )
    prefix = id_ if access_logs_prefix is None else props.string("access_logs_prefix", access_logs_prefix, empty=True)
    check_log_prefix(prefix)
    return FargateProps(
        **task,
        **capacity,
        **listener,
        health=health,
        access_logs_prefix=prefix,
        deletion_protection=props.boolean("deletion_protection", deletion_protection),
    )


def _check_task(
    *,
    container_name: object,
    container_port: object,
    command: object,
    cpu: object,
    memory_mib: object,
    environment: object,
    secret_names: Sequence[str],
    sidecars: Sequence[ContainerSpec],
) -> dict[str, Any]:
    name = props.string("container_name", container_name)
    port = props.integer("container_port", container_port, allowed="a TCP port from 1 to 65535")
    checked_cpu = props.integer("cpu", cpu)
    memory = props.integer("memory_mib", memory_mib)
    check_task_size(checked_cpu, memory)
    variables = props.string_map("environment", {} if environment is None else environment)
    check_environment(variables, secret_names)
    check_containers(ContainerSpec(name, port), sidecars, cpu=checked_cpu, memory_mib=memory)
    return {
        "container_name": name,
        "container_port": port,
        "command": None if command is None else props.strings("command", command),
        "cpu": checked_cpu,
        "memory_mib": memory,
        "environment": variables,
    }


def _check_capacity(
    *,
    cpu_architecture: object,
    spot: object,
    on_demand_base: object,
    min_capacity: object,
    max_capacity: object,
    scale_on_cpu_percent: object,
    scale_on_memory_percent: object,
    scale_on_requests_per_target: object,
    durations: Durations,
) -> dict[str, Any]:
    architecture = props.option("cpu_architecture", cpu_architecture, CpuArchitecture)
    on_spot = props.boolean("spot", spot)
    if on_demand_base is not None and not on_spot:
        raise invalid(
            "on_demand_base", on_demand_base, "only with spot=True: without Spot every task runs on regular Fargate"
        )
    base = DEFAULT_ON_DEMAND_BASE if on_demand_base is None else props.integer("on_demand_base", on_demand_base)
    low = props.integer("min_capacity", min_capacity)
    high = props.integer("max_capacity", max_capacity)
    check_capacity_options(
        cpu_architecture=architecture, spot=on_spot, on_demand_base=base, min_capacity=low, max_capacity=high
    )
    targets = {
        "scale_on_cpu_percent": _optional_number("scale_on_cpu_percent", scale_on_cpu_percent),
        "scale_on_memory_percent": _optional_number("scale_on_memory_percent", scale_on_memory_percent),
    }
    requests = (
        None
        if scale_on_requests_per_target is None
        else props.integer("scale_on_requests_per_target", scale_on_requests_per_target)
    )
    scales = check_scaling(
        min_capacity=low,
        max_capacity=high,
        cpu_percent=targets["scale_on_cpu_percent"],
        memory_percent=targets["scale_on_memory_percent"],
        requests_per_target=requests,
    )
    for prop in ("scale_in_cooldown", "scale_out_cooldown"):
        if not scales and getattr(durations, prop) is not None:
            raise invalid(prop, f"{getattr(durations, prop)}s", "only with a scaling policy (none is set)")
    return {
        "cpu_architecture": architecture,
        "spot": on_spot,
        "on_demand_base": base,
        "min_capacity": low,
        "max_capacity": high,
        **targets,
        "scale_on_requests_per_target": requests,
        "scales": scales,
    }


def _optional_number(prop: str, value: object) -> float | None:
    return None if value is None else props.number(prop, value)


def _check_listener(
    *,
    internal: object,
    dual_stack: object,
    ingress_cidrs: object,
    protocol: object,
    has_certificate: bool,
    ssl_policy: object,
    listener_port: object,
    redirect_http: object,
) -> dict[str, Any]:
    is_internal = props.boolean("internal", internal)
    both = props.boolean("dual_stack", dual_stack)
    cidrs = default_ingress_cidrs(internal=is_internal, dual_stack=both) if ingress_cidrs is None else ingress_cidrs
    checked = check_ingress_cidrs(props.strings("ingress_cidrs", cidrs), internal=is_internal, dual_stack=both)
    chosen = props.option("protocol", protocol, ListenerProtocol)
    check_protocol(protocol=chosen.value, has_certificate=has_certificate)
    port = _port_of(chosen, None if listener_port is None else props.integer("listener_port", listener_port))
    https = chosen is ListenerProtocol.HTTPS
    if not https:
        for prop, value, reason in (
            ("redirect_http", redirect_http, "there is no HTTPS listener to redirect to"),
            ("ssl_policy", ssl_policy, "a plain HTTP listener has no TLS policy"),
        ):
            if value is not None:
                raise invalid(prop, value, f"not given with protocol='HTTP': {reason}")
    redirect = https and (redirect_http is None or props.boolean("redirect_http", redirect_http))
    if redirect and port == 80:
        raise invalid("listener_port", port, "not 80 while redirect_http=True (the redirect listens on 80)")
    return {
        "internal": is_internal,
        "dual_stack": both,
        "ingress_cidrs": checked,
        "protocol": chosen,
        "listener_port": port,
        "redirect_http": redirect,
    }


def _check_health(
    *, path: object, codes: object, healthy_threshold: object, unhealthy_threshold: object, durations: Durations
) -> HealthCheckSpec:
    health = HealthCheckSpec(
        path=props.string("health_check_path", path),
        codes=props.string("health_check_codes", codes, empty=True),
        interval_seconds=durations.health_check_interval,
        timeout_seconds=durations.health_check_timeout,
        healthy_threshold=props.integer("healthy_threshold", healthy_threshold),
        unhealthy_threshold=props.integer("unhealthy_threshold", unhealthy_threshold),
    )
    check_health_check(health)
    check_grace_period(
        grace_seconds=durations.health_check_grace_period,
        interval_seconds=health.interval_seconds,
        unhealthy_threshold=health.unhealthy_threshold,
    )
    check_deregistration_delay(durations.deregistration_delay)
    return health


#: ``listener_port`` under a name the ``listener_port`` parameters above do not shadow.
_port_of = listener_port
