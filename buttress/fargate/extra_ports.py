"""Extra container ports (``extra_ports``): an admin or metrics port with its own target group, health check and
listener rule, e.g. on an internal service's listener while the main port is public.

ECS registers one service with several target groups
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/register-multiple-targetgroups.html); each
listener's security group is opened to the tasks on that port only, by aws-cdk-lib's target-group wiring.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Annotations, Token
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from constructs import Construct

from buttress.errors import invalid
from buttress.fargate import existing_listener
from buttress.fargate.load_balancer import health_check
from buttress.rules.fargate import existing as existing_rules
from buttress.rules.fargate.extra_ports import ExtraPortSpec, check_extra_port, ports_in_use
from buttress.rules.fargate.listener import HealthCheckSpec
from buttress.rules.fargate.routing import RouteSpec

if TYPE_CHECKING:
    from buttress.fargate.checks import Checked
    from buttress.fargate.props import AlbFargateServiceProps
    from buttress.fargate.service import AlbFargateService


@dataclass(frozen=True)
class ExtraPort:
    """A further container port of the main container, reached through its own listener rule.

    :param port: the container port, not used by another container of the task.
    :param listener: where the rule goes: an :class:`~buttress.AlbFargateService` (its listener; the priority is
        reserved there) or any ``elbv2.IApplicationListener`` (an imported one warns like ``existing_listener``).
    :param priority: the rule's priority, 1-50000, unique on the listener.
    :param path_patterns: e.g. ``["/admin/*"]`` (the ALB limits of ``path_patterns``).
    :param host_headers: e.g. ``["admin.internal.example.com"]``.
    :param health_check_path: the health check of this port's target group. Default ``"/"``; interval,
        timeout and thresholds are the main target group's.
    :param health_check_codes: healthy HTTP codes. Default ``"200-399"``.
    """

    port: int
    listener: AlbFargateService | elbv2.IApplicationListener
    priority: int
    path_patterns: Sequence[str] | None = None
    host_headers: Sequence[str] | None = None
    health_check_path: str = "/"
    health_check_codes: str = "200-399"


@dataclass(frozen=True)
class CheckedExtraPort:
    """An extra port, checked, with the listener it goes on (and the service owning it, if a buttress one)."""

    spec: ExtraPortSpec
    listener: elbv2.IApplicationListener
    owner: AlbFargateService | None


def check(
    props: AlbFargateServiceProps,
    health: HealthCheckSpec,
    sidecar_ports: list[tuple[str, int | None]],
    route: RouteSpec | None,
) -> tuple[CheckedExtraPort, ...]:
    """Every ``extra_ports`` entry checked (the ports against the task's, the priorities against the listener's;
    ``route``: this service's own rule on ``load_balancer_of``'s listener, if any)."""
    entries = props.extra_ports
    if isinstance(entries, str) or not isinstance(entries, Sequence):
        raise invalid("extra_ports", entries, "a list of buttress.ExtraPort")
    used = ports_in_use(props.container_name, props.container_port, sidecar_ports)
    claimed: dict[int, dict[int, str]] = {}
    if route is not None and props.load_balancer_of is not None:
        claimed[id(props.load_balancer_of.listener)] = {route.priority: "this service's rule (priority)"}
    result = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, ExtraPort):
            raise invalid(f"extra_ports[{index}]", entry, "a buttress.ExtraPort")
        owner, listener = _listener(index, entry.listener)
        known = dict(owner.rule_priorities) if owner is not None else dict(existing_listener.priorities(listener))
        known.update(claimed.setdefault(id(listener), {}))
        spec = check_extra_port(
            index,
            port=entry.port,
            health_check_path=entry.health_check_path,
            health_check_codes=entry.health_check_codes,
            main_health=health,
            priority=entry.priority,
            path_patterns=entry.path_patterns,
            host_headers=entry.host_headers,
            taken_ports=used,
            taken_priorities=known,
        )
        used[spec.port] = f"extra_ports[{index}]"
        claimed[id(listener)][spec.route.priority] = f"extra_ports[{index}]"
        result.append(CheckedExtraPort(spec, listener, owner))
    return tuple(result)


def _listener(index: int, value: object) -> tuple[AlbFargateService | None, elbv2.IApplicationListener]:
    if hasattr(value, "reserve_rule_priority") and hasattr(value, "listener"):
        owner: AlbFargateService = value  # type: ignore[assignment]
        return owner, owner.listener
    if hasattr(value, "listener_arn") and hasattr(value, "add_target_groups"):
        return None, value  # type: ignore[return-value]
    raise invalid(f"extra_ports[{index}].listener", value, "an AlbFargateService or an elbv2.IApplicationListener")


def build(
    scope: Construct, checked: Checked, *, service: ecs.FargateService, container: ecs.ContainerDefinition
) -> list[elbv2.ApplicationTargetGroup]:
    """Per extra port: the container's port mapping, a target group with the tasks on that port, the rule."""
    groups = []
    durations = checked.cdk.durations
    for index, extra in enumerate(checked.extra_ports):
        spec, health = extra.spec, extra.spec.health
        container.add_port_mappings(ecs.PortMapping(container_port=spec.port))
        group = elbv2.ApplicationTargetGroup(
            scope,
            f"ExtraPort{spec.port}TargetGroup",
            vpc=checked.cdk.network.vpc,
            port=spec.port,
            protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.IP,
            deregistration_delay=durations.deregistration_delay,
            health_check=health_check(health, durations),
            targets=[
                service.load_balancer_target(container_name=checked.plain.container_name, container_port=spec.port)
            ],
        )
        route = spec.route
        elbv2.ApplicationListenerRule(
            scope,
            f"ExtraPort{spec.port}Rule",
            listener=extra.listener,
            priority=route.priority,
            conditions=[
                *([elbv2.ListenerCondition.host_headers(route.host_headers)] if route.host_headers else []),
                *([elbv2.ListenerCondition.path_patterns(route.path_patterns)] if route.path_patterns else []),
            ],
            action=elbv2.ListenerAction.forward([group]),
        )
        user = f"{scope.node.path} extra_ports[{index}]"
        if extra.owner is not None:
            extra.owner.reserve_rule_priority(route.priority, user)
        else:
            existing_listener.priorities(extra.listener)[route.priority] = user
        if extra.owner is None and not isinstance(extra.listener, elbv2.ApplicationListener):
            arn = extra.listener.listener_arn
            Annotations.of(scope).add_warning_v2(
                existing_rules.EXISTING_LISTENER_WARNING,
                existing_rules.unknown_priorities_message(
                    user, route.priority, "<listener ARN>" if Token.is_unresolved(arn) else arn
                ),
            )
        groups.append(group)
    return groups
