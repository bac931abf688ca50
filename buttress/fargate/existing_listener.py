"""An ``AlbFargateService`` on a load balancer or listener it did not create (``existing_load_balancer``,
``existing_listener``): imported by ARN or looked up, in this stack or another.

With ``existing_listener`` the service adds a listener rule (``priority``, ``path_patterns``,
``host_headers``) forwarding to its target group; with only ``existing_load_balancer`` it adds a listener
of its own to that load balancer. The security-group wiring is aws-cdk-lib's: forwarding to the target
group opens the imported listener's security group to the task security group on the container port.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from aws_cdk import Annotations, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from constructs import Construct, IConstruct

from buttress.errors import invalid
from buttress.fargate import load_balancer as lb
from buttress.fargate.deployment import TargetGroups
from buttress.options import ListenerProtocol
from buttress.rules import fargate as rules
from buttress.rules import props as checks
from buttress.rules.fargate import existing as existing_rules

if TYPE_CHECKING:
    from buttress.fargate.checks import Checked
    from buttress.fargate.props import AlbFargateServiceProps


@dataclass(frozen=True)
class Existing:
    """The imported load balancer, its listener (or ``None``: this service adds one), and the security group."""

    load_balancer: elbv2.IApplicationLoadBalancer
    listener: elbv2.IApplicationListener | None
    security_group: ec2.ISecurityGroup


def check_existing(props: AlbFargateServiceProps) -> Existing | None:
    """``existing_load_balancer``/``existing_listener`` type-checked; ``None`` when neither is given."""
    balancer, listener = props.existing_load_balancer, props.existing_listener
    if balancer is None and listener is None:
        return None
    if props.load_balancer_of is not None:
        raise invalid(
            "load_balancer_of", props.load_balancer_of, "not given with existing_load_balancer/existing_listener"
        )
    if balancer is None:
        raise invalid(
            "existing_load_balancer",
            None,
            "the listener's load balancer with existing_listener "
            "(elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes or .from_lookup)",
        )
    checks.interface(
        "existing_load_balancer",
        balancer,
        ("load_balancer_arn", "add_listener", "connections"),
        "an elbv2.IApplicationLoadBalancer (imported by ARN or looked up)",
    )
    if listener is not None:
        checks.interface(
            "existing_listener",
            listener,
            ("listener_arn", "add_target_groups", "connections"),
            "an elbv2.IApplicationListener (imported by ARN or looked up)",
        )
    source = listener if listener is not None else balancer
    groups = list(source.connections.security_groups)
    if not groups:
        prop = "existing_listener" if listener is not None else "existing_load_balancer"
        raise invalid(prop, source.node.path, "imported with its security group (security_group / security_group_id)")
    return Existing(balancer, listener, groups[0])


def listener_props(props: AlbFargateServiceProps, existing: Existing) -> AlbFargateServiceProps:
    """The props with the load-balancer props this mode does not take refused, and what it implies filled in."""
    allowed = existing_rules.LISTENER_DESCRIBED_BY if existing.listener else existing_rules.NEW_LISTENER_PROPS
    for prop, value, default in props.load_balancer_props():
        if prop not in allowed and value is not default and value != default:
            owner = "the existing listener's owner" if existing.listener else "the existing load balancer's owner"
            raise invalid(
                prop,
                value,
                f"not given with existing_{'listener' if existing.listener else 'load_balancer'}: {owner} sets it",
            )
    if existing.listener is None:
        for prop, value in props.route_props():
            if value is not None:
                raise invalid(
                    prop,
                    value,
                    "only with existing_listener (or load_balancer_of): this service's listener sends it everything",
                )
    # No redirect listener (port 80 of someone else's load balancer may be taken); nothing admitted on an existing
    # listener (its owner's security group rules stand).
    https = checks.option("protocol", props.protocol, ListenerProtocol) is ListenerProtocol.HTTPS
    filled = replace(props, redirect_http=False) if https else props
    return replace(filled, ingress_cidrs=[]) if existing.listener is not None else filled


def check_route(props: AlbFargateServiceProps, existing: Existing) -> rules.RouteSpec | None:
    """With ``existing_listener``: the rule's priority and conditions, checked against this app's rules there."""
    if existing.listener is None:
        return None
    known = priorities(existing.listener)
    existing_rules.check_rule_count(known, _listener_key(existing.listener))
    return rules.check_route(
        priority=props.priority, path_patterns=props.path_patterns, host_headers=props.host_headers, taken=known
    )


def front(scope: Construct, checked: Checked, existing: Existing, *, service: ecs.FargateService) -> lb.Front:
    """A listener rule on the existing listener, or a listener of this service's own on the existing load balancer."""
    plain = checked.plain
    groups = lb.target_groups(scope, checked, service)
    balancer = existing.load_balancer
    rule: elbv2.ApplicationListenerRule | None = None
    if existing.listener is not None:
        listener: elbv2.IApplicationListener = existing.listener
        rule, url = _rule(scope, checked, listener, groups, balancer)
    else:
        certificate = checked.cdk.certificate
        listener = balancer.add_listener(
            f"{scope.node.id}Listener",
            port=plain.listener_port,
            protocol=elbv2.ApplicationProtocol.HTTPS if plain.https else elbv2.ApplicationProtocol.HTTP,
            certificates=[elbv2.ListenerCertificate.from_certificate_manager(certificate)] if certificate else None,
            ssl_policy=checked.ssl_policy if plain.https else None,
            open=False,
            default_target_groups=[groups.target_group],
        )
        lb.add_ingress(scope, existing.security_group, plain)
        url = rules.service_url(plain.protocol, balancer.load_balancer_dns_name, plain.listener_port)
    return lb.Front(
        load_balancer=balancer,
        groups=groups,
        certificate=checked.cdk.certificate,
        listener=listener,
        redirect_listener=None,
        listener_rule=rule,
        production_rule=None,
        test_listener=None,
        access_logs_bucket=None,
        alias_records=[],
        web_acl=None,
        waf_log_group=None,
        web_acl_arn=None,
        dns_name=balancer.load_balancer_dns_name,
        url=url,
    )


def _rule(
    scope: Construct,
    checked: Checked,
    listener: elbv2.IApplicationListener,
    groups: TargetGroups,
    balancer: elbv2.IApplicationLoadBalancer,
) -> tuple[elbv2.ApplicationListenerRule, str]:
    """The listener rule forwarding to the service, its priority recorded and warned about; the service URL."""
    route = checked.route
    assert route is not None  # check_route gave one with existing_listener
    rule = elbv2.ApplicationListenerRule(
        scope,
        "ListenerRule",
        listener=listener,
        priority=route.priority,
        conditions=[
            *([elbv2.ListenerCondition.host_headers(route.host_headers)] if route.host_headers else []),
            *([elbv2.ListenerCondition.path_patterns(route.path_patterns)] if route.path_patterns else []),
        ],
        action=groups.forward(),
    )
    priorities(listener)[route.priority] = scope.node.path
    arn = listener.listener_arn
    Annotations.of(scope).add_warning_v2(
        existing_rules.EXISTING_LISTENER_WARNING,
        existing_rules.unknown_priorities_message(
            scope.node.path, route.priority, "<listener ARN>" if Token.is_unresolved(arn) else arn
        ),
    )
    plain = checked.plain
    hosts = [host for host in route.host_headers if "*" not in host and "?" not in host]
    host = hosts[0] if hosts else balancer.load_balancer_dns_name
    return rule, rules.service_url(plain.protocol, host, plain.listener_port) + route.url_suffix()


# The priorities this app's services hold on each existing listener, per construct tree (an app): two services
# on one imported listener (imported once, or twice by the same literal ARN) cannot take the same priority.
_KNOWN: weakref.WeakKeyDictionary[IConstruct, dict[str, dict[int, str]]] = weakref.WeakKeyDictionary()


def _listener_key(listener: elbv2.IApplicationListener) -> str:
    arn = listener.listener_arn
    return listener.node.path if Token.is_unresolved(arn) else arn


def priorities(listener: elbv2.IApplicationListener) -> dict[int, str]:
    per_app = _KNOWN.setdefault(listener.node.root, {})
    return per_app.setdefault(_listener_key(listener), {})
