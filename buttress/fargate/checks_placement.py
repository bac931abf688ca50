"""Checks of where the service runs and how it is reached: subnets, IPv6, cluster, domain, certificate, WAF."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Stack, Token
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_route53 as route53
from constructs import Construct
from jsii.errors import JSIIError

from buttress.errors import invalid
from buttress.fargate.waf import Waf
from buttress.network import VpcInput
from buttress.options import WafMode
from buttress.rules import fargate as rules
from buttress.rules import props as checks

if TYPE_CHECKING:
    from buttress.fargate.checks import CdkProps


def stack_region(scope: Construct) -> str | None:
    """The region of the stack ``scope`` is in, ``None`` when the stack is environment-agnostic."""
    region = Stack.of(scope).region
    return None if Token.is_unresolved(region) else region


def check_ipv6(network: VpcInput) -> None:
    """A dual-stack load balancer needs IPv6 in the VPC: an error when a VPC built in the app has none."""
    vpc = network.vpc
    if not isinstance(vpc, ec2.Vpc):
        return  # imported: not known at synth; the ELB API rejects a VPC without IPv6 at deploy
    ipv6 = [
        child
        for child in vpc.node.children
        if isinstance(child, ec2.CfnVPCCidrBlock)
        and (child.amazon_provided_ipv6_cidr_block or child.ipv6_ipam_pool_id or child.ipv6_pool)
    ]
    if not ipv6:
        raise invalid(
            "dual_stack",
            True,
            f"only in a VPC with IPv6 ({vpc.node.path} has none): create it with "
            "ip_protocol=ec2.IpProtocol.DUAL_STACK, or leave dual_stack out",
        )


def check_cluster(cluster: ecs.ICluster | None, *, spot: bool) -> None:
    """Fargate Spot is enabled on a cluster of this app only."""
    if spot and cluster is not None and not isinstance(cluster, ecs.Cluster):
        raise invalid(
            "cluster",
            cluster.cluster_name,
            "a cluster created in this app (ecs.Cluster) when spot=True, so the FARGATE_SPOT "
            "capacity provider can be enabled on it",
        )


def check_subnets(cdk: CdkProps, *, internal: bool) -> tuple[ec2.SubnetSelection, ec2.SubnetSelection]:
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


def check_domain(domain_name: object, cdk: CdkProps, *, https: bool, region: str | None) -> rules.DomainSpec:
    """``domain_name`` against the zone and the certificate, where they are known at synth."""
    zone = cdk.hosted_zone
    domain = rules.check_domain(
        domain_name=domain_name,
        has_hosted_zone=zone is not None,
        zone_name=None if zone is None else _zone_name(zone),
        zone_is_private=isinstance(zone, route53.PrivateHostedZone),
        has_certificate=cdk.certificate is not None,
        https=https,
    )
    if cdk.certificate is not None:
        _check_certificate(cdk.certificate, domain.domain_name, region)
    return domain


def _zone_name(zone: route53.IHostedZone) -> str | None:
    """The zone's name when known at synth (a zone imported by id alone has none)."""
    try:
        name = zone.zone_name
    except (JSIIError, RuntimeError):  # from_hosted_zone_id: "Cannot reference zoneName ..."
        return None
    return None if Token.is_unresolved(name) else name


def _check_certificate(certificate: acm.ICertificate, domain_name: str | None, region: str | None) -> None:
    """The certificate's region and names against the stack and ``domain_name``, where known at synth."""
    arn = certificate.certificate_arn
    if not Token.is_unresolved(arn):
        rules.check_certificate_arn(arn, region)
    elif isinstance(certificate, acm.Certificate):
        home = stack_region(certificate)
        if home is not None and region is not None and home != region:
            raise invalid(
                "certificate",
                certificate.node.path,
                f"a certificate in the stack's region ({region}), not {home}: a load balancer can only "
                "use ACM certificates of its own region",
            )
    if domain_name is None or not isinstance(certificate, acm.Certificate):
        return
    resource = certificate.node.default_child
    if not isinstance(resource, acm.CfnCertificate):
        return
    names = [resource.domain_name, *(resource.subject_alternative_names or [])]
    if all(isinstance(name, str) and not Token.is_unresolved(name) for name in names):
        rules.check_certificate_domain(names, domain_name)


def check_waf(waf: Waf | None, *, internal: bool, region: str | None) -> Waf:
    """The WAF choice (default: managed when internet-facing, none when internal), checked."""
    if waf is None:
        if internal:
            return Waf.none("internal load balancer: reachable only from inside the VPC (the default)")
        return Waf.managed()
    mode = checks.option("waf.mode", waf.mode, WafMode)
    rules.check_waf(
        mode=mode.value,
        web_acl_arn=waf.web_acl_arn,
        rate_limit=waf.rate_limit,
        reason=waf.reason,
        stack_region=region,
        arn_known=not (isinstance(waf.web_acl_arn, str) and Token.is_unresolved(waf.web_acl_arn)),
    )
    return Waf(mode, rate_limit=waf.rate_limit, web_acl_arn=waf.web_acl_arn, reason=waf.reason)
