"""AlbFargateService: A domain: certificate, alias records and url."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_route53 as route53
from aws_cdk.assertions import Template

from app import CLI_DEFAULT_CONTEXT, cdk_json_context
from buttress import (
    AlbFargateService,
    ButtressError,
)
from tests.fargate.helpers import (
    CERT_ARN,
    IMAGE,
    counter,
    fails,
    logical_id_of,
    make_vpc,
    make_zone,
    one_resource,
)
from tests.harness import new_stack, resources_of_type

# -- a domain: certificate, alias records, url -------------------------------------------------


def test_a_domain_gets_a_dns_validated_certificate_an_alias_record_and_the_url() -> None:
    stack = new_stack("Domain")
    service = AlbFargateService(
        stack, "Web", vpc=make_vpc(stack), image=IMAGE, domain_name="WWW.example.com", hosted_zone=make_zone(stack)
    )
    template = dict(Template.from_stack(stack).to_json())
    certificate_id, certificate = next(
        iter(resources_of_type(template, "AWS::CertificateManager::Certificate").items())
    )
    assert certificate["Properties"]["DomainName"] == "www.example.com"
    assert certificate["Properties"]["ValidationMethod"] == "DNS"
    assert certificate["Properties"]["DomainValidationOptions"] == [
        {"DomainName": "www.example.com", "HostedZoneId": "Z0123456789ABC"}
    ]
    listener = resources_of_type(template, "AWS::ElasticLoadBalancingV2::Listener")[
        logical_id_of(template, "AWS::ElasticLoadBalancingV2::Listener", "Web/LoadBalancer/Listener/")
    ]
    assert listener["Properties"]["Certificates"] == [{"CertificateArn": {"Ref": certificate_id}}]
    record = one_resource(template, "AWS::Route53::RecordSet")["Properties"]
    lb_id = logical_id_of(template, "AWS::ElasticLoadBalancingV2::LoadBalancer", "Web/LoadBalancer")
    assert (record["Name"], record["Type"], record["HostedZoneId"]) == ("www.example.com.", "A", "Z0123456789ABC")
    assert record["AliasTarget"]["DNSName"]["Fn::Join"][1][1] == {"Fn::GetAtt": [lb_id, "DNSName"]}
    assert service.url == "https://www.example.com"
    assert service.certificate is not None and len(service.alias_records) == 1


def test_a_given_certificate_is_used_for_the_domain_and_none_is_issued() -> None:
    stack = new_stack("DomainCert")
    cert = acm.Certificate(stack, "Cert", domain_name="*.example.com")
    service = AlbFargateService(
        stack,
        "Web",
        vpc=make_vpc(stack),
        image=IMAGE,
        certificate=cert,
        domain_name="api.example.com",
        hosted_zone=make_zone(stack),
    )
    assert service.certificate is cert
    template = dict(Template.from_stack(stack).to_json())
    assert len(resources_of_type(template, "AWS::CertificateManager::Certificate")) == 1
    assert len(resources_of_type(template, "AWS::Route53::RecordSet")) == 1


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (
            "uncovered",
            r"certificate=\['\*.example.com'\] is invalid: a certificate whose name or alternative names cover "
            r"domain_name 'a.b.example.com'",
        ),
        ("outside", r"domain_name='a.b.example.com' is invalid: a name in hosted_zone 'example.org'"),
        ("private", r"hosted_zone='example.com' is invalid: a public hosted zone when the certificate is issued here"),
        ("no zone", r"domain_name='a.b.example.com' is invalid: with hosted_zone \(to validate its certificate"),
        ("zone only", r"hosted_zone='given' is invalid: only with domain_name"),
        ("zone type", r"hosted_zone='example.com' is invalid: a route53.IHostedZone, not str"),
    ],
)
def test_domain_errors_at_synth(error_stack: tuple[Stack, ec2.Vpc], kind: str, message: str) -> None:
    stack, vpc = error_stack
    props: dict[str, Any] = {"protocol": "HTTPS", "domain_name": "a.b.example.com", "hosted_zone": make_zone(stack)}
    if kind == "uncovered":
        props["certificate"] = acm.Certificate(stack, f"Wildcard{next(counter)}", domain_name="*.example.com")
    elif kind == "outside":
        props["hosted_zone"] = make_zone(stack, "example.org")
    elif kind == "private":
        props["hosted_zone"] = route53.PrivateHostedZone(
            stack, f"Private{next(counter)}", zone_name="example.com", vpc=vpc
        )
    elif kind == "no zone":
        props["hosted_zone"] = None
    elif kind == "zone only":
        props["domain_name"] = None
    else:
        props["hosted_zone"] = "example.com"
    fails(error_stack, message, **props)


def test_a_certificate_of_another_region_is_an_error_in_a_stack_with_a_region() -> None:
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "Dublin", env=Environment(account="111122223333", region="eu-west-1"))
    vpc = make_vpc(stack)
    us_east = acm.Certificate.from_certificate_arn(stack, "UsEast", CERT_ARN)
    with pytest.raises(
        ButtressError,
        match=r"^Dublin/Web: certificate='arn:aws:acm:us-east-1:111122223333:certificate/abcd-1234' is invalid: "
        r"a certificate in the stack's region \(eu-west-1\), not us-east-1",
    ):
        AlbFargateService(stack, "Web", vpc=vpc, image=IMAGE, certificate=us_east)
    # A certificate created in a us-east-1 stack (e.g. for CloudFront) is refused too.
    virginia = Stack(app, "Virginia", env=Environment(account="111122223333", region="us-east-1"))
    issued = acm.Certificate(virginia, "Cert", domain_name="www.example.com")
    with pytest.raises(ButtressError, match=r"^Dublin/Web2: certificate='Virginia/Cert' is invalid: .*\(eu-west-1\)"):
        AlbFargateService(stack, "Web2", vpc=vpc, image=IMAGE, certificate=issued)
    here = acm.Certificate.from_certificate_arn(stack, "Here", CERT_ARN.replace("us-east-1", "eu-west-1"))
    AlbFargateService(stack, "Web3", vpc=vpc, image=IMAGE, certificate=here)
