"""Extra container ports with their own target groups, health checks and listener rules (issue 26 item 4)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Validations
from aws_cdk import aws_certificatemanager as acm

from app import CLI_DEFAULT_CONTEXT, cdk_json_context
from buttress import AlbFargateService, ButtressError, ExtraPort, Network, compliance
from tests.fargate.helpers import IMAGE, logical_id_of
from tests.harness import resources_of_type

ENV = Environment(account="111122223333", region="eu-west-1")
CERT_ARN = "arn:aws:acm:eu-west-1:111122223333:certificate/abcd-1234"


def _app() -> tuple[App, Stack, Network, acm.ICertificate]:
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "Ports", env=ENV)
    network = Network(stack, "Network", nat_gateways=1, isolated_subnet_mask=None)
    return app, stack, network, acm.Certificate.from_certificate_arn(stack, "Cert", CERT_ARN)


@pytest.fixture(scope="module")
def ports() -> tuple[dict[str, Any], AlbFargateService, AlbFargateService]:
    app, stack, network, cert = _app()
    admin = AlbFargateService(stack, "Admin", vpc=network, image=IMAGE, internal=True, certificate=cert)
    web = AlbFargateService(
        stack,
        "Web",
        vpc=network,
        image=IMAGE,
        container_port=8080,
        certificate=cert,
        extra_ports=[
            ExtraPort(
                port=9090,
                listener=admin,
                priority=10,
                path_patterns=["/web-admin/*"],
                health_check_path="/admin/health",
            )
        ],
    )
    Validations.of(app).add_plugins(*compliance.plugins(app))
    template: dict[str, Any] = app.synth().get_stack_artifact(stack.artifact_id).template
    return template, web, admin


def test_the_extra_port_has_its_target_group_health_check_and_rule(ports: Any) -> None:
    template, web, admin = ports
    groups = {
        g["Properties"]["Port"]: g["Properties"]
        for g in resources_of_type(template, "AWS::ElasticLoadBalancingV2::TargetGroup").values()
    }
    assert groups[9090]["HealthCheckPath"] == "/admin/health"
    (rule,) = resources_of_type(template, "AWS::ElasticLoadBalancingV2::ListenerRule").values()
    assert rule["Properties"]["Priority"] == 10
    admin_listener = logical_id_of(template, "AWS::ElasticLoadBalancingV2::Listener", "Admin/LoadBalancer/Listener/")
    assert rule["Properties"]["ListenerArn"] == {"Ref": admin_listener}
    assert admin.rule_priorities[10].endswith("extra_ports[0]")
    assert len(web.extra_target_groups) == 1
    (service,) = [
        s for s in resources_of_type(template, "AWS::ECS::Service").values() if "Web" in s["Metadata"]["aws:cdk:path"]
    ]
    assert sorted(lb["ContainerPort"] for lb in service["Properties"]["LoadBalancers"]) == [8080, 9090]


def test_only_the_internal_load_balancer_reaches_the_extra_port(ports: Any) -> None:
    template, _, _ = ports
    admin_sg = logical_id_of(template, "AWS::EC2::SecurityGroup", "Admin/LoadBalancerSecurityGroup")
    web_tasks = logical_id_of(template, "AWS::EC2::SecurityGroup", "Web/TaskSecurityGroup")
    sources = sorted(
        (str(r["Properties"].get("SourceSecurityGroupId")), r["Properties"]["FromPort"])
        for r in resources_of_type(template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [web_tasks, "GroupId"]}
    )
    assert (str({"Fn::GetAtt": [admin_sg, "GroupId"]}), 9090) in sources
    assert [port for _, port in sources].count(9090) == 1


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ({"port": 80}, r"extra_ports\[0\].port.*'app' listens"),
        ({"port": 70000}, "TCP port"),
        ({"priority": 0}, "priority"),
        ({"path_patterns": None}, "path_patterns or host_headers"),
        ({"health_check_path": "health"}, "health_check_path"),
    ],
)
def test_extra_port_errors(extra: dict[str, Any], match: str) -> None:
    _, stack, network, cert = _app()
    admin = AlbFargateService(stack, "Admin", vpc=network, image=IMAGE, internal=True, certificate=cert)
    port: dict[str, Any] = {"port": 9090, "listener": admin, "priority": 5, "path_patterns": ["/a/*"], **extra}
    with pytest.raises(ButtressError, match=match):
        AlbFargateService(stack, "Web", vpc=network, image=IMAGE, certificate=cert, extra_ports=[ExtraPort(**port)])


def test_two_extra_ports_cannot_share_a_priority() -> None:
    _, stack, network, cert = _app()
    admin = AlbFargateService(stack, "Admin", vpc=network, image=IMAGE, internal=True, certificate=cert)
    with pytest.raises(ButtressError, match="priority"):
        AlbFargateService(
            stack,
            "Web",
            vpc=network,
            image=IMAGE,
            certificate=cert,
            extra_ports=[
                ExtraPort(port=9090, listener=admin, priority=5, path_patterns=["/a/*"]),
                ExtraPort(port=9091, listener=admin, priority=5, path_patterns=["/b/*"]),
            ],
        )
