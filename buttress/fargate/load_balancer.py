"""The front: the load balancer (own or shared), its security group, target groups, listeners and ingress."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aws_cdk import Annotations
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from buttress.fargate import deployment, domain, waf
from buttress.fargate.access_logs import access_logs
from buttress.fargate.deployment import ListenerSettings, TargetGroups
from buttress.parts import nag
from buttress.rules import fargate as rules

if TYPE_CHECKING:
    from buttress.fargate.checks import Checked
    from buttress.fargate.checks_task import Durations
    from buttress.fargate.service import AlbFargateService
    from buttress.rules.fargate.listener import HealthCheckSpec

#: Id of the synth-time warning a plain-HTTP service adds; acknowledge it with
#: ``Annotations.of(scope).acknowledge_warning(PLAIN_HTTP_WARNING, reason)`` once the choice is deliberate.
PLAIN_HTTP_WARNING = "buttress:plainHttp"


@dataclass(frozen=True)
class Front:
    """What callers reach the service through: built by :func:`own_front` or lent by :func:`shared_front`."""

    load_balancer: elbv2.IApplicationLoadBalancer
    groups: TargetGroups
    certificate: acm.ICertificate | None
    listener: elbv2.IApplicationListener
    redirect_listener: elbv2.ApplicationListener | None
    listener_rule: elbv2.ApplicationListenerRule | None
    production_rule: elbv2.ApplicationListenerRule | None
    test_listener: elbv2.ApplicationListener | None
    access_logs_bucket: s3.IBucket | None
    alias_records: list[route53.RecordSet]
    web_acl: wafv2.CfnWebACL | None
    waf_log_group: logs.LogGroup | None
    web_acl_arn: str | None
    dns_name: str
    url: str


def load_balancer_security_group(scope: Construct, vpc: ec2.IVpc) -> ec2.SecurityGroup:
    """The load balancer's security group: ingress only on its listener ports (``ingress_cidrs``, ``allow_from``)."""
    return ec2.SecurityGroup(
        scope,
        "LoadBalancerSecurityGroup",
        vpc=vpc,
        description=f"{scope.node.path} load balancer",
        allow_all_outbound=False,
    )


def own_front(
    scope: Construct, checked: Checked, *, service: ecs.FargateService, security_group: ec2.SecurityGroup
) -> Front:
    """The load balancer, its listeners, certificate, DNS records, WAF and access logs."""
    plain, cdk = checked.plain, checked.cdk
    balancer = _load_balancer(scope, checked, security_group)
    groups = target_groups(scope, checked, service)
    certificate = domain.certificate(scope, checked.domain, cdk.certificate, cdk.hosted_zone)
    listener, redirect = _listeners(balancer, checked, groups.target_group, certificate)
    production_rule, test_listener = _traffic_shifting(
        scope,
        checked,
        service=service,
        groups=groups,
        listener=ListenerSettings(balancer, plain.https, certificate, checked.ssl_policy),
        production_rule=None if groups.alternate is None else deployment.production_rule(scope, listener, groups),
    )
    add_ingress(scope, security_group, plain)
    bucket = access_logs(scope, balancer, cdk, plain.access_logs_prefix)
    records = domain.alias_records(scope, checked.domain, cdk.hosted_zone, balancer, dual_stack=plain.dual_stack)
    protection = waf.protect(
        scope,
        balancer,
        checked.waf,
        retention=cdk.log_retention,
        removal_policy=cdk.removal_policy,
        key=cdk.log_key,
    )
    dns_name = balancer.load_balancer_dns_name
    return Front(
        load_balancer=balancer,
        groups=groups,
        certificate=certificate,
        listener=listener,
        redirect_listener=redirect,
        listener_rule=None,
        production_rule=production_rule,
        test_listener=test_listener,
        access_logs_bucket=bucket,
        alias_records=records,
        web_acl=protection.web_acl,
        waf_log_group=protection.log_group,
        web_acl_arn=protection.web_acl_arn,
        dns_name=dns_name,
        url=rules.service_url(plain.protocol, checked.domain.domain_name or dns_name, plain.listener_port),
    )


def shared_front(scope: Construct, checked: Checked, *, service: ecs.FargateService, owner: AlbFargateService) -> Front:
    """A target group behind a listener rule on ``owner``'s listener; everything else is ``owner``'s."""
    plain, route = checked.plain, checked.route
    assert route is not None  # checked: load_balancer_of comes with a route
    groups = target_groups(scope, checked, service)
    # checked (_check_shared): the owner has a load balancer of its own, not an existing one.
    assert isinstance(owner.load_balancer, elbv2.ApplicationLoadBalancer)
    conditions = [
        *([elbv2.ListenerCondition.host_headers(route.host_headers)] if route.host_headers else []),
        *([elbv2.ListenerCondition.path_patterns(route.path_patterns)] if route.path_patterns else []),
    ]
    listener_rule = elbv2.ApplicationListenerRule(
        scope,
        "ListenerRule",
        listener=owner.listener,
        priority=route.priority,
        conditions=conditions,
        action=groups.forward(),
    )
    production_rule, test_listener = _traffic_shifting(
        scope,
        checked,
        service=service,
        groups=groups,
        listener=ListenerSettings(owner.load_balancer, plain.https, owner.certificate, checked.ssl_policy),
        production_rule=None if groups.alternate is None else listener_rule,
    )
    exact_hosts = [host for host in route.host_headers if "*" not in host and "?" not in host]
    base = rules.service_url(plain.protocol, exact_hosts[0], plain.listener_port) if exact_hosts else owner.url
    return Front(
        load_balancer=owner.load_balancer,
        groups=groups,
        certificate=owner.certificate,
        listener=owner.listener,
        redirect_listener=owner.redirect_listener,
        listener_rule=listener_rule,
        production_rule=production_rule,
        test_listener=test_listener,
        access_logs_bucket=owner.access_logs_bucket,
        alias_records=[],
        web_acl=owner.web_acl,
        waf_log_group=owner.waf_log_group,
        web_acl_arn=owner.web_acl_arn,
        dns_name=owner.dns_name,
        url=base + route.url_suffix(),
    )


def _traffic_shifting(
    scope: Construct,
    checked: Checked,
    *,
    service: ecs.FargateService,
    groups: TargetGroups,
    listener: ListenerSettings,
    production_rule: elbv2.ApplicationListenerRule | None,
) -> tuple[elbv2.ApplicationListenerRule | None, elbv2.ApplicationListener | None]:
    """With a traffic-shifting deployment: the test listener, and the tasks registered for ECS to shift."""
    if production_rule is None:
        return None, None
    test_listener, test_rule = deployment.add_test_listener(
        scope, checked.deployment.test_listener_port, listener, groups
    )
    deployment.shift_traffic(
        scope,
        service=service,
        groups=groups,
        production_rule=production_rule,
        test_rule=test_rule,
        container_name=checked.plain.container_name,
        container_port=checked.plain.container_port,
    )
    return production_rule, test_listener


def _load_balancer(
    scope: Construct, checked: Checked, security_group: ec2.SecurityGroup
) -> elbv2.ApplicationLoadBalancer:
    plain = checked.plain
    return elbv2.ApplicationLoadBalancer(
        scope,
        "LoadBalancer",
        vpc=checked.cdk.network.vpc,
        internet_facing=not plain.internal,
        vpc_subnets=checked.load_balancer_subnets,
        security_group=security_group,
        drop_invalid_header_fields=True,
        deletion_protection=plain.deletion_protection,
        idle_timeout=checked.cdk.idle_timeout,
        ip_address_type=elbv2.IpAddressType.DUAL_STACK if plain.dual_stack else None,
    )


def target_groups(scope: Construct, checked: Checked, service: ecs.FargateService) -> TargetGroups:
    """The target group; with a traffic-shifting deployment also the alternate one, and the tasks
    registered later (by ``deployment.shift_traffic``, once the production rule exists)."""
    if not checked.deployment.two_target_groups:
        return TargetGroups(_target_group(scope, checked, "TargetGroup", service), None)
    return TargetGroups(
        _target_group(scope, checked, "TargetGroup", None),
        _target_group(scope, checked, "AlternateTargetGroup", None),
    )


def health_check(health: HealthCheckSpec, durations: Durations) -> elbv2.HealthCheck:
    """The target group health check of a checked spec: every target group of a service has one."""
    return elbv2.HealthCheck(
        enabled=True,
        path=health.path,
        healthy_http_codes=health.codes,
        interval=durations.health_check_interval,
        timeout=durations.health_check_timeout,
        healthy_threshold_count=health.healthy_threshold,
        unhealthy_threshold_count=health.unhealthy_threshold,
    )


def _target_group(
    scope: Construct, checked: Checked, id_: str, register: ecs.FargateService | None
) -> elbv2.ApplicationTargetGroup:
    """An IP target group (the tasks' network interfaces) with the checked health check; ``register``'s tasks in it."""
    plain, durations = checked.plain, checked.cdk.durations
    health = plain.health
    return elbv2.ApplicationTargetGroup(
        scope,
        id_,
        vpc=checked.cdk.network.vpc,
        port=plain.container_port,
        protocol=elbv2.ApplicationProtocol.HTTP,
        target_type=elbv2.TargetType.IP,
        deregistration_delay=durations.deregistration_delay,
        health_check=health_check(health, durations),
        targets=None
        if register is None
        else [register.load_balancer_target(container_name=plain.container_name, container_port=plain.container_port)],
    )


def _listeners(
    balancer: elbv2.ApplicationLoadBalancer,
    checked: Checked,
    target_group: elbv2.ApplicationTargetGroup,
    certificate: acm.ICertificate | None,
) -> tuple[elbv2.ApplicationListener, elbv2.ApplicationListener | None]:
    """The listener callers use (HTTPS, or HTTP when opted in) and the HTTP redirect listener, if any."""
    plain = checked.plain
    listener = balancer.add_listener(
        "Listener",
        port=plain.listener_port,
        protocol=elbv2.ApplicationProtocol.HTTPS if plain.https else elbv2.ApplicationProtocol.HTTP,
        certificates=[elbv2.ListenerCertificate.from_certificate_manager(certificate)] if certificate else None,
        ssl_policy=checked.ssl_policy if plain.https else None,
        open=False,
        default_target_groups=[target_group],
    )
    if not plain.redirect_http:
        return listener, None
    redirect = balancer.add_redirect(
        source_port=80,
        source_protocol=elbv2.ApplicationProtocol.HTTP,
        target_port=plain.listener_port,
        target_protocol=elbv2.ApplicationProtocol.HTTPS,
        open=False,
    )
    return listener, redirect


def add_ingress(scope: Construct, security_group: ec2.ISecurityGroup, plain: rules.FargateProps) -> None:
    """``ingress_cidrs`` on the listener ports; the plain-HTTP warning."""
    open_ports = [plain.listener_port, *([80] if plain.redirect_http else [])]
    for cidr in plain.ingress_cidrs:
        peer = ec2.Peer.ipv6(cidr) if ":" in cidr else ec2.Peer.ipv4(cidr)
        for open_port in open_ports:
            security_group.add_ingress_rule(peer, ec2.Port.tcp(open_port), f"from {cidr} on {open_port}")
    if not plain.internal and {"0.0.0.0/0", "::/0"} & set(plain.ingress_cidrs):
        nag.acknowledge(
            security_group,
            "AwsSolutions-EC23",
            "Internet-facing load balancer of a public web service: admitting 0.0.0.0/0 on its "
            f"listener ports ({', '.join(map(str, open_ports))}) is its purpose; the tasks behind it admit "
            "only this load balancer's security group.",
        )
    if not plain.https:
        Annotations.of(scope).add_warning_v2(
            PLAIN_HTTP_WARNING,
            f"{scope.node.path} serves plain HTTP (protocol='HTTP'): traffic to the load balancer is not "
            "encrypted. Give a certificate for HTTPS, or acknowledge this warning where plain HTTP is deliberate.",
        )
