"""The domain: the HTTPS listener's certificate and the Route 53 alias records of ``domain_name``."""

from __future__ import annotations

from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets
from constructs import Construct

from buttress.rules import fargate as rules


def certificate(
    scope: Construct,
    domain: rules.DomainSpec,
    given: acm.ICertificate | None,
    zone: route53.IHostedZone | None,
) -> acm.ICertificate | None:
    """The certificate given, or a DNS-validated one issued for ``domain_name``, or ``None``."""
    if not domain.creates_certificate:
        return given
    assert zone is not None and domain.domain_name is not None  # checked
    return acm.Certificate(
        scope,
        "Certificate",
        domain_name=domain.domain_name,
        validation=acm.CertificateValidation.from_dns(zone),
    )


def alias_records(
    scope: Construct,
    domain: rules.DomainSpec,
    zone: route53.IHostedZone | None,
    load_balancer: elbv2.ApplicationLoadBalancer,
    *,
    dual_stack: bool,
) -> list[route53.RecordSet]:
    """An A (and with ``dual_stack`` an AAAA) alias record of ``domain_name`` to the load balancer."""
    if zone is None or domain.domain_name is None:
        return []
    target = route53.RecordTarget.from_alias(route53_targets.LoadBalancerTarget(load_balancer))
    # A trailing dot: the name as given, never with the zone name appended again.
    name = f"{domain.domain_name}."
    records: list[route53.RecordSet] = [
        route53.ARecord(scope, "AliasRecord", zone=zone, record_name=name, target=target)
    ]
    if dual_stack:
        records.append(route53.AaaaRecord(scope, "AliasRecordIpv6", zone=zone, record_name=name, target=target))
    return records
