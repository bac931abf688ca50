"""AlbFargateService on a load balancer or listener it did not create (issue 26 item 1)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Validations
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2

from app import CLI_DEFAULT_CONTEXT, cdk_json_context
from buttress import AlbFargateService, ButtressError, Network, Waf, compliance
from buttress.rules.fargate.existing import EXISTING_LISTENER_WARNING
from tests.fargate.helpers import IMAGE
from tests.harness import resources_of_type

CERT_ARN = "arn:aws:acm:eu-west-1:111122223333:certificate/abcd-1234"

ENV = Environment(account="111122223333", region="eu-west-1")
LB_ARN = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/platform/50dc6c495c0c9188"
LISTENER_ARN = (
    "arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener/app/platform/50dc6c495c0c9188/f2f7dc8efc522ab2"
)
SG_ID = "sg-0123456789abcdef0"


def _stack() -> tuple[App, Stack, Network]:
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "Estate", env=ENV)
    return app, stack, Network(stack, "Network", nat_gateways=1, isolated_subnet_mask=None)


def _imported(stack: Stack) -> tuple[elbv2.IApplicationLoadBalancer, elbv2.IApplicationListener]:
    group = ec2.SecurityGroup.from_security_group_id(stack, "PlatformSg", SG_ID, allow_all_outbound=False)
    balancer = elbv2.ApplicationLoadBalancer.from_application_load_balancer_attributes(
        stack,
        "Platform",
        load_balancer_arn=LB_ARN,
        security_group_id=SG_ID,
        load_balancer_dns_name="platform-123.eu-west-1.elb.amazonaws.com",
    )
    listener = elbv2.ApplicationListener.from_application_listener_attributes(
        stack, "PlatformHttps", listener_arn=LISTENER_ARN, security_group=group
    )
    return balancer, listener


def _synth(app: App, stack: Stack) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    Validations.of(app).add_plugins(*compliance.plugins(app))
    assembly = app.synth()
    artifact = assembly.get_stack_artifact(stack.artifact_id)
    messages = [(str(m.level), str(m.entry.data)) for m in artifact.messages]
    return artifact.template, messages


@pytest.fixture(scope="module")
def on_listener() -> tuple[dict[str, Any], list[tuple[str, str]], AlbFargateService]:
    app, stack, vpc = _stack()
    balancer, listener = _imported(stack)
    kwargs: dict[str, Any] = {"vpc": vpc, "image": IMAGE, "container_port": 8080}
    docs = AlbFargateService(
        stack,
        "Docs",
        **kwargs,
        existing_load_balancer=balancer,
        existing_listener=listener,
        priority=110,
        path_patterns=["/docs/*"],
        host_headers=["www.example.com"],
    )
    with pytest.raises(ButtressError, match=r"priority.*Estate/Docs has 110"):
        AlbFargateService(
            stack,
            "Clash",
            **kwargs,
            existing_load_balancer=balancer,
            existing_listener=listener,
            priority=110,
            path_patterns=["/clash/*"],
        )
    template, messages = _synth(app, stack)
    return template, messages, docs


def test_existing_listener_gets_one_rule_and_no_load_balancer(on_listener: Any) -> None:
    template, _, docs = on_listener
    assert not resources_of_type(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert not resources_of_type(template, "AWS::ElasticLoadBalancingV2::Listener")
    (rule,) = resources_of_type(template, "AWS::ElasticLoadBalancingV2::ListenerRule").values()
    assert rule["Properties"]["ListenerArn"] == LISTENER_ARN
    assert rule["Properties"]["Priority"] == 110
    assert rule["Properties"]["Conditions"] == [
        {"Field": "host-header", "HostHeaderConfig": {"Values": ["www.example.com"]}},
        {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/docs/*"]}},
    ]
    assert docs.url == "https://www.example.com/docs/"  # the rule is /docs/*, which needs the slash
    assert docs.access_logs_bucket is None and docs.web_acl is None


def test_existing_listener_security_group_reaches_the_tasks_on_the_container_port(on_listener: Any) -> None:
    template, _, _ = on_listener
    ingress = [
        r["Properties"]
        for r in resources_of_type(template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"].get("SourceSecurityGroupId") == SG_ID
    ]
    assert [(i["FromPort"], i["ToPort"]) for i in ingress] == [(8080, 8080)]
    egress = [r["Properties"] for r in resources_of_type(template, "AWS::EC2::SecurityGroupEgress").values()]
    assert [(e["GroupId"], e["FromPort"]) for e in egress] == [(SG_ID, 8080)]


def test_existing_listener_warns_with_how_to_check_other_priorities(on_listener: Any) -> None:
    _, messages, _ = on_listener
    found = [text for level, text in messages if EXISTING_LISTENER_WARNING in text]
    assert len(found) == 1
    assert f"aws elbv2 describe-rules --listener-arn {LISTENER_ARN}" in found[0]


def test_existing_load_balancer_gets_a_listener_of_the_service() -> None:
    app, stack, vpc = _stack()
    balancer, _ = _imported(stack)
    service = AlbFargateService(
        stack,
        "Admin",
        vpc=vpc,
        image=IMAGE,
        existing_load_balancer=balancer,
        certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERT_ARN),
        listener_port=8443,
        internal=True,
        ingress_cidrs=["10.0.0.0/8"],
    )
    template, _ = _synth(app, stack)
    (listener,) = resources_of_type(template, "AWS::ElasticLoadBalancingV2::Listener").values()
    assert listener["Properties"]["LoadBalancerArn"] == LB_ARN
    assert listener["Properties"]["Port"] == 8443
    assert listener["Properties"]["Certificates"] == [{"CertificateArn": CERT_ARN}]
    cidr_ingress = [
        r["Properties"]
        for r in resources_of_type(template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"].get("CidrIp") == "10.0.0.0/8"
    ]
    assert [(i["GroupId"], i["FromPort"]) for i in cidr_ingress] == [(SG_ID, 8443)]
    assert service.url == "https://platform-123.eu-west-1.elb.amazonaws.com:8443"


def test_looked_up_listener_synthesizes_on_the_dummy_pass() -> None:
    app, stack, vpc = _stack()
    balancer = elbv2.ApplicationLoadBalancer.from_lookup(stack, "Lb", load_balancer_arn=LB_ARN)
    listener = elbv2.ApplicationListener.from_lookup(stack, "L", load_balancer_arn=LB_ARN, listener_port=443)
    AlbFargateService(
        stack,
        "Api",
        vpc=vpc,
        image=IMAGE,
        existing_load_balancer=balancer,
        existing_listener=listener,
        priority=5,
        path_patterns=["/api/*"],
    )
    # The first (dummy) pass: the lookups are not answered yet, and the service still synthesizes.
    template = app.synth().get_stack_artifact(stack.artifact_id).template
    (rule,) = resources_of_type(template, "AWS::ElasticLoadBalancingV2::ListenerRule").values()
    assert rule["Properties"]["Priority"] == 5


@pytest.mark.parametrize(
    ("props", "match"),
    [
        ({"existing_listener": "listener"}, "existing_load_balancer"),
        ({"certificate_from_listener": True}, "certificate.*existing_listener"),
        ({"priority": None}, "priority"),
        ({"waf_none": True}, "waf"),
    ],
)
def test_existing_listener_errors(props: dict[str, Any], match: str) -> None:
    _, stack, vpc = _stack()
    balancer, listener = _imported(stack)
    kwargs: dict[str, Any] = {
        "vpc": vpc,
        "image": IMAGE,
        "existing_load_balancer": balancer,
        "existing_listener": listener,
        "priority": 7,
        "path_patterns": ["/x/*"],
    }
    if "existing_listener" in props:
        kwargs.pop("existing_load_balancer")
    if props.get("certificate_from_listener"):
        kwargs["certificate"] = acm.Certificate.from_certificate_arn(stack, "C", CERT_ARN)
    if "priority" in props:
        kwargs["priority"] = None
    if props.get("waf_none"):
        kwargs["waf"] = Waf.none("the platform team's")
    with pytest.raises(ButtressError, match=match):
        AlbFargateService(stack, "Bad", **kwargs)
