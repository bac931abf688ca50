"""ECS Service Connect between two services (issue 26 item 3): publish, reach, one-way security-group paths."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Environment, Stack, Validations
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_servicediscovery as servicediscovery

from app import CLI_DEFAULT_CONTEXT, cdk_json_context
from buttress import AlbFargateService, ButtressError, Network, ServiceConnect, compliance
from tests.fargate.helpers import IMAGE, logical_id_of
from tests.harness import resources_of_type

ENV = Environment(account="111122223333", region="eu-west-1")
CERT_ARN = "arn:aws:acm:eu-west-1:111122223333:certificate/abcd-1234"


def _app() -> tuple[App, Stack, dict[str, Any], servicediscovery.INamespace]:
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "Mesh", env=ENV)
    network = Network(stack, "Network", nat_gateways=1, isolated_subnet_mask=None)
    cluster = ecs.Cluster(stack, "Cluster", vpc=network.vpc, container_insights_v2=ecs.ContainerInsights.ENABLED)
    namespace = cluster.add_default_cloud_map_namespace(
        name="mesh.internal", type=servicediscovery.NamespaceType.HTTP, use_for_service_connect=True
    )
    common = {
        "vpc": network,
        "image": IMAGE,
        "cluster": cluster,
        "certificate": acm.Certificate.from_certificate_arn(stack, "Cert", CERT_ARN),
    }
    return app, stack, common, namespace


@pytest.fixture(scope="module")
def mesh() -> tuple[dict[str, Any], AlbFargateService, AlbFargateService]:
    app, stack, common, namespace = _app()
    api = AlbFargateService(
        stack,
        "Api",
        **common,
        internal=True,
        container_port=8080,
        service_connect=ServiceConnect(namespace=namespace, discovery_name="api"),
    )
    web = AlbFargateService(stack, "Web", **common, service_connect=ServiceConnect(namespace=namespace, reaches=[api]))
    Validations.of(app).add_plugins(*compliance.plugins(app))
    template: dict[str, Any] = app.synth().get_stack_artifact(stack.artifact_id).template
    return template, api, web


def _service(template: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any]
    (found,) = [
        s["Properties"]
        for s in resources_of_type(template, "AWS::ECS::Service").values()
        if f"/{name}/" in s["Metadata"]["aws:cdk:path"]
    ]
    return found


def test_api_publishes_and_web_is_a_client(mesh: Any) -> None:
    template, api, web = mesh
    published = _service(template, "Api")["ServiceConnectConfiguration"]
    assert published["Enabled"] is True
    assert published["Services"] == [{"DiscoveryName": "api", "PortName": "http", "ClientAliases": [{"Port": 8080}]}]
    client = _service(template, "Web")["ServiceConnectConfiguration"]
    assert client["Enabled"] is True and "Services" not in client
    assert api.service_connect_endpoint == "http://api:8080"
    assert web.service_connect_endpoint is None


def test_the_path_is_opened_one_way_on_the_api_port(mesh: Any) -> None:
    template, _, _ = mesh
    api_tasks = logical_id_of(template, "AWS::EC2::SecurityGroup", "Api/TaskSecurityGroup")
    web_tasks = logical_id_of(template, "AWS::EC2::SecurityGroup", "Web/TaskSecurityGroup")
    between = [
        (r["Properties"]["GroupId"]["Fn::GetAtt"][0], r["Properties"]["FromPort"])
        for r in resources_of_type(template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"].get("SourceSecurityGroupId", {}).get("Fn::GetAtt", [None])[0] in (api_tasks, web_tasks)
    ]
    assert between == [(api_tasks, 8080)]


def test_reaching_a_service_that_publishes_nothing_is_an_error() -> None:
    _, stack, common, namespace = _app()
    plain = AlbFargateService(stack, "Plain", **common)
    with pytest.raises(ButtressError, match=r"reaches\[0\].*publishing"):
        AlbFargateService(stack, "Web", **common, service_connect=ServiceConnect(namespace=namespace, reaches=[plain]))
    with pytest.raises(ButtressError, match="discovery_name"):
        AlbFargateService(
            stack, "Bad", **common, service_connect=ServiceConnect(namespace=namespace, discovery_name="Api_1")
        )
