"""Extra container ports (``extra_ports``): each with its own target group, health check and listener rule.

Pure rules, no CDK import; each raises ``invalid(prop, value, allowed)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from buttress.errors import invalid
from buttress.rules import props
from buttress.rules.fargate.listener import HealthCheckSpec, check_health_check, check_port
from buttress.rules.fargate.routing import RouteSpec, check_route

#: Target groups one ECS service can be registered with:
#: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/register-multiple-targetgroups.html
#: (the quota "Target groups per service": 5), the main port's included.
MAX_TARGET_GROUPS_PER_SERVICE = 5


@dataclass(frozen=True)
class ExtraPortSpec:
    """One extra port, checked: the container port, the health check of its target group, its listener rule."""

    port: int
    health: HealthCheckSpec
    route: RouteSpec


def check_extra_port(
    index: int,
    *,
    port: object,
    health_check_path: object,
    health_check_codes: object,
    main_health: HealthCheckSpec,
    priority: object,
    path_patterns: object,
    host_headers: object,
    taken_ports: Mapping[int, str],
    taken_priorities: Mapping[int, str],
) -> ExtraPortSpec:
    """``extra_ports[index]``: a port no container of the task uses, a valid health check, a valid rule."""
    prefix = f"extra_ports[{index}]"
    if index + 2 > MAX_TARGET_GROUPS_PER_SERVICE:
        raise invalid(
            "extra_ports",
            index + 1,
            f"at most {MAX_TARGET_GROUPS_PER_SERVICE - 1} (ECS registers a service with at most "
            f"{MAX_TARGET_GROUPS_PER_SERVICE} target groups, the main one included)",
        )
    chosen = props.integer(f"{prefix}.port", port)
    check_port(f"{prefix}.port", chosen)
    if chosen in taken_ports:
        raise invalid(f"{prefix}.port", chosen, f"a port no container uses ({taken_ports[chosen]!r} listens on it)")
    health = HealthCheckSpec(
        path=props.string(f"{prefix}.health_check_path", health_check_path),
        codes=props.string(f"{prefix}.health_check_codes", health_check_codes, empty=True),
        interval_seconds=main_health.interval_seconds,
        timeout_seconds=main_health.timeout_seconds,
        healthy_threshold=main_health.healthy_threshold,
        unhealthy_threshold=main_health.unhealthy_threshold,
    )
    check_health_check(health)
    route = check_route(
        priority=priority, path_patterns=path_patterns, host_headers=host_headers, taken=taken_priorities
    )
    return ExtraPortSpec(chosen, health, route)


def ports_in_use(
    container_name: str, container_port: int, sidecar_ports: Sequence[tuple[str, int | None]]
) -> dict[int, str]:
    """Port -> the container listening on it."""
    used = {container_port: container_name}
    used.update({port: name for name, port in sidecar_ports if port is not None})
    return used
