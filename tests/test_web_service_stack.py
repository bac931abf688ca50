"""ButtressWebService: public web + internal api on the shared Network, each scaling on its own."""

from __future__ import annotations

import json
import tempfile
from typing import Any

import pytest

from buttress import AlbFargateService
from tests.harness import SynthResult, resources_of_type

STACK = "ButtressWebService"
WEB_CERT = "arn:aws:acm:us-east-1:111122223333:certificate/web-1111"
API_CERT = "arn:aws:acm:us-east-1:111122223333:certificate/api-2222"


@pytest.fixture(scope="module")
def template(synth: SynthResult) -> dict[str, Any]:
    return synth.templates[STACK]


def _by_path(template: dict[str, Any], type_: str, part: str) -> tuple[str, dict[str, Any]]:
    found = [(k, v) for k, v in resources_of_type(template, type_).items() if part in v["Metadata"]["aws:cdk:path"]]
    assert len(found) == 1, [k for k, _ in found]
    return found[0]


def test_web_is_public_and_api_is_internal(template: dict[str, Any]) -> None:
    schemes = {
        v["Metadata"]["aws:cdk:path"].split("/")[1]: v["Properties"]["Scheme"]
        for v in resources_of_type(template, "AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    }
    assert schemes == {"Web": "internet-facing", "Api": "internal"}


def test_only_web_reaches_the_api_and_the_internet_reaches_only_web(template: dict[str, Any]) -> None:
    api_lb_sg, api_lb = _by_path(template, "AWS::EC2::SecurityGroup", "Api/LoadBalancerSecurityGroup")
    web_task_sg, _ = _by_path(template, "AWS::EC2::SecurityGroup", "Web/TaskSecurityGroup")
    assert "SecurityGroupIngress" not in api_lb["Properties"]
    api_ingress = [
        r["Properties"]
        for r in resources_of_type(template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [api_lb_sg, "GroupId"]}
    ]
    assert [(r["SourceSecurityGroupId"], r["FromPort"]) for r in api_ingress] == [
        ({"Fn::GetAtt": [web_task_sg, "GroupId"]}, 80)
    ]
    _, web_lb = _by_path(template, "AWS::EC2::SecurityGroup", "Web/LoadBalancerSecurityGroup")
    assert [(r["CidrIp"], r["FromPort"]) for r in web_lb["Properties"]["SecurityGroupIngress"]] == [("0.0.0.0/0", 80)]
    # No CIDR ingress anywhere else in the stack.
    cidr_rules = [
        r for r in resources_of_type(template, "AWS::EC2::SecurityGroupIngress").values() if "CidrIp" in r["Properties"]
    ]
    assert cidr_rules == []


def test_each_service_scales_on_its_own(template: dict[str, Any]) -> None:
    targets = {
        v["Metadata"]["aws:cdk:path"].split("/")[1]: (v["Properties"]["MinCapacity"], v["Properties"]["MaxCapacity"])
        for v in resources_of_type(template, "AWS::ApplicationAutoScaling::ScalableTarget").values()
    }
    assert targets == {"Api": (2, 10), "Web": (2, 4), "Docs": (2, 3)}
    policies = sorted(
        (
            v["Metadata"]["aws:cdk:path"].split("/")[1],
            v["Properties"]["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"][
                "PredefinedMetricType"
            ],
        )
        for v in resources_of_type(template, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
    )
    assert policies == [
        ("Api", "ECSServiceAverageCPUUtilization"),
        ("Api", "ECSServiceAverageMemoryUtilization"),
        ("Docs", "ECSServiceAverageCPUUtilization"),
        ("Web", "ALBRequestCountPerTarget"),
        ("Web", "ECSServiceAverageCPUUtilization"),
    ]


def test_web_finds_the_api_through_service_connect(template: dict[str, Any]) -> None:
    _, task = _by_path(template, "AWS::ECS::TaskDefinition", "Web/TaskDefinition")
    env = task["Properties"]["ContainerDefinitions"][0]["Environment"]
    assert env == [{"Name": "API_URL", "Value": "http://api:80"}]
    _, api = _by_path(template, "AWS::ECS::Service", "Api/Service")
    assert api["Properties"]["ServiceConnectConfiguration"]["Services"][0]["DiscoveryName"] == "api"
    outputs = set(template["Outputs"])
    assert {"WebUrl", "ApiUrl", "DocsUrl"} <= outputs
    # Any other output is a cross-stack reference of another example stack (ButtressCi uses the api).
    assert all(name.startswith("PublishOutput") for name in outputs - {"WebUrl", "ApiUrl", "DocsUrl"})


def test_runs_on_the_shared_network(template: dict[str, Any]) -> None:
    for _, service in resources_of_type(template, "AWS::ECS::Service").items():
        subnets = service["Properties"]["NetworkConfiguration"]["AwsvpcConfiguration"]["Subnets"]
        assert all(s["Fn::GetStackOutput"]["StackName"] == "ButtressNetwork" for s in subnets)
        assert all("PrivateSubnet" in s["Fn::GetStackOutput"]["OutputName"] for s in subnets)


def test_one_cluster_with_container_insights_and_one_access_log_bucket(template: dict[str, Any]) -> None:
    (cluster,) = resources_of_type(template, "AWS::ECS::Cluster").values()
    assert cluster["Properties"]["ClusterSettings"] == [{"Name": "containerInsights", "Value": "enabled"}]
    assert len(resources_of_type(template, "AWS::S3::Bucket")) == 1
    prefixes = sorted(
        next(a["Value"] for a in lb["Properties"]["LoadBalancerAttributes"] if a["Key"] == "access_logs.s3.prefix")
        for lb in resources_of_type(template, "AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    )
    assert prefixes == ["Api", "Web"]


def test_stack_exposes_the_services() -> None:
    from aws_cdk import App

    from app import CLI_DEFAULT_CONTEXT, cdk_json_context
    from stacks.network_stack import NetworkStack
    from stacks.web_service_stack import WebServiceStack

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    network = NetworkStack(app, "N")
    stack = WebServiceStack(app, "W", network=network.network)
    assert isinstance(stack.api, AlbFargateService)
    assert isinstance(stack.web, AlbFargateService)
    assert stack.api.internal and not stack.web.internal


def test_with_certificates_from_context_both_services_serve_https() -> None:
    """The HTTPS mode of the example passes cdk-nag and has no warnings either."""
    from app import build_app

    assembly = build_app(
        context={"web_certificate_arn": WEB_CERT, "api_certificate_arn": API_CERT},
        outdir=tempfile.mkdtemp(prefix="buttress-https-"),
    ).synth()
    stack = assembly.get_stack_by_name(STACK)
    assert [m for m in stack.messages if str(m.level).lower().endswith(("warning", "error"))] == []
    listeners = sorted(
        (v["Metadata"]["aws:cdk:path"].split("/")[1], v["Properties"]["Port"], v["Properties"]["Protocol"])
        for v in resources_of_type(stack.template, "AWS::ElasticLoadBalancingV2::Listener").values()
    )
    assert listeners == [
        ("Api", 80, "HTTP"),
        ("Api", 443, "HTTPS"),
        ("Api", 8443, "HTTPS"),  # the canary's test listener
        ("Web", 80, "HTTP"),
        ("Web", 443, "HTTPS"),
    ]
    certificates = json.dumps(
        [
            v["Properties"].get("Certificates")
            for v in resources_of_type(stack.template, "AWS::ElasticLoadBalancingV2::Listener").values()
        ]
    )
    assert WEB_CERT in certificates and API_CERT in certificates
    assert stack.template["Outputs"]["WebUrl"]["Value"]["Fn::Join"][1][0] == "https://"


def test_http_only_mode_is_acknowledged_per_service_not_stack_wide() -> None:
    from aws_cdk import App
    from aws_cdk.assertions import Annotations, Match

    from app import CLI_DEFAULT_CONTEXT, cdk_json_context
    from buttress.alb_fargate import PLAIN_HTTP_WARNING
    from stacks.network_stack import NetworkStack
    from stacks.web_service_stack import WebServiceStack

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = WebServiceStack(app, "W", network=NetworkStack(app, "N").network)
    extra = AlbFargateService(
        stack,
        "Extra",
        vpc=stack.api.load_balancer.vpc,  # type: ignore[arg-type]
        image="public.ecr.aws/nginx/nginx:stable",
        protocol="HTTP",
        min_capacity=1,
        max_capacity=1,
        scale_on_cpu_percent=None,
    )
    annotations = Annotations.from_stack(stack)
    annotations.has_warning(f"/{extra.node.path}", Match.string_like_regexp(PLAIN_HTTP_WARNING))
    annotations.has_no_warning("/W/Web", Match.any_value())
    annotations.has_no_warning("/W/Api", Match.any_value())


def test_docs_shares_the_web_load_balancer_by_path(template: dict[str, Any]) -> None:
    web_listener_id, _ = _by_path(template, "AWS::ElasticLoadBalancingV2::Listener", "Web/LoadBalancer/Listener/")
    docs_group_id, _ = _by_path(template, "AWS::ElasticLoadBalancingV2::TargetGroup", "Docs/TargetGroup")
    _, rule = _by_path(template, "AWS::ElasticLoadBalancingV2::ListenerRule", "Docs/ListenerRule")
    assert rule["Properties"]["ListenerArn"] == {"Ref": web_listener_id}
    assert rule["Properties"]["Priority"] == 10
    assert rule["Properties"]["Conditions"] == [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/docs/*"]}}]
    assert rule["Properties"]["Actions"] == [{"Type": "forward", "TargetGroupArn": {"Ref": docs_group_id}}]
    # The docs tasks admit only the web load balancer, on their container port.
    web_lb_sg, _ = _by_path(template, "AWS::EC2::SecurityGroup", "Web/LoadBalancerSecurityGroup")
    docs_sg, _ = _by_path(template, "AWS::EC2::SecurityGroup", "Docs/TaskSecurityGroup")
    ingress = [
        (r["Properties"]["SourceSecurityGroupId"], r["Properties"]["FromPort"])
        for r in resources_of_type(template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [docs_sg, "GroupId"]}
    ]
    assert ingress == [({"Fn::GetAtt": [web_lb_sg, "GroupId"]}, 80)]
    assert len(resources_of_type(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")) == 2


def test_the_public_load_balancer_has_a_waf_and_the_internal_one_records_why_not(template: dict[str, Any]) -> None:
    web_lb_id, web_lb = _by_path(template, "AWS::ElasticLoadBalancingV2::LoadBalancer", "Web/LoadBalancer")
    _, api_lb = _by_path(template, "AWS::ElasticLoadBalancingV2::LoadBalancer", "Api/LoadBalancer")
    ((acl_id, acl),) = resources_of_type(template, "AWS::WAFv2::WebACL").items()
    assert [r["Name"] for r in acl["Properties"]["Rules"]] == [
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "RateLimitPerIp",
    ]
    (association,) = resources_of_type(template, "AWS::WAFv2::WebACLAssociation").values()
    assert association["Properties"] == {
        "ResourceArn": {"Ref": web_lb_id},
        "WebACLArn": {"Fn::GetAtt": [acl_id, "Arn"]},
    }
    assert web_lb["Metadata"]["buttress:waf"] == {"mode": "MANAGED"}
    assert api_lb["Metadata"]["buttress:waf"]["mode"] == "NONE"
    assert "internal" in api_lb["Metadata"]["buttress:waf"]["reason"]


DOMAIN_CONTEXT = {
    "web_domain": "www.example.com",
    "hosted_zone_id": "Z0123456789ABC",
    "hosted_zone_name": "example.com",
}


@pytest.fixture(scope="module")
def domain_assembly() -> Any:
    from app import build_app

    return build_app(context=DOMAIN_CONTEXT, outdir=tempfile.mkdtemp(prefix="buttress-domain-")).synth()


def test_with_a_domain_from_context_each_service_gets_a_certificate_and_an_alias(domain_assembly: Any) -> None:
    stack = domain_assembly.get_stack_by_name(STACK)
    assert [m for m in stack.messages if str(m.level).lower().endswith(("warning", "error"))] == []
    template = stack.template
    certificates = sorted(
        (v["Properties"]["DomainName"], v["Properties"]["DomainValidationOptions"][0]["HostedZoneId"])
        for v in resources_of_type(template, "AWS::CertificateManager::Certificate").values()
    )
    assert certificates == [("api.example.com", "Z0123456789ABC"), ("www.example.com", "Z0123456789ABC")]
    records = sorted(
        (v["Properties"]["Name"], v["Properties"]["Type"], v["Properties"]["HostedZoneId"])
        for v in resources_of_type(template, "AWS::Route53::RecordSet").values()
    )
    assert records == [("api.example.com.", "A", "Z0123456789ABC"), ("www.example.com.", "A", "Z0123456789ABC")]
    assert template["Outputs"]["WebUrl"]["Value"] == "https://www.example.com"
    assert template["Outputs"]["ApiUrl"]["Value"] == "https://api.example.com"
    assert template["Outputs"]["DocsUrl"]["Value"] == "https://www.example.com/docs/"


def test_with_a_domain_the_integration_test_calls_the_api_by_its_name(domain_assembly: Any) -> None:
    ci = domain_assembly.get_stack_by_name("ButtressCi").template
    (project,) = resources_of_type(ci, "AWS::CodeBuild::Project").values()
    variables = {v["Name"]: v["Value"] for v in project["Properties"]["Environment"]["EnvironmentVariables"]}
    assert variables["API_URL"] == "https://api.example.com"


def test_a_partial_domain_context_is_an_error() -> None:
    from aws_cdk import App

    from app import CLI_DEFAULT_CONTEXT, cdk_json_context
    from buttress import ButtressError
    from stacks.network_stack import NetworkStack
    from stacks.web_service_stack import WebServiceStack

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context(), "web_domain": "www.example.com"})
    with pytest.raises(ButtressError, match=r"^W: context hosted_zone_id, hosted_zone_name missing"):
        WebServiceStack(app, "W", network=NetworkStack(app, "N").network)


def test_every_example_container_has_a_health_check(template: dict[str, Any]) -> None:
    for task in resources_of_type(template, "AWS::ECS::TaskDefinition").values():
        for container in task["Properties"]["ContainerDefinitions"]:
            assert container["HealthCheck"] == {
                "Command": ["CMD-SHELL", "curl -fsS -o /dev/null http://localhost/ || exit 1"],
                "Interval": 30,
                "Timeout": 5,
                "Retries": 3,
                "StartPeriod": 10,
            }


def test_the_api_releases_by_canary_with_a_test_listener(template: dict[str, Any]) -> None:
    _, service = _by_path(template, "AWS::ECS::Service", "Api/Service")
    config = service["Properties"]["DeploymentConfiguration"]
    assert config["Strategy"] == "CANARY"
    assert config["CanaryConfiguration"] == {"CanaryBakeTimeInMinutes": 5, "CanaryPercent": 10}
    assert config["BakeTimeInMinutes"] == 10
    _, alarm = _by_path(template, "AWS::CloudWatch::Alarm", "Api/Deployment5xxAlarm")
    assert config["Alarms"]["AlarmNames"] == [alarm["Properties"]["AlarmName"]]  # a fixed name: no cycle note
    (balancer,) = service["Properties"]["LoadBalancers"]
    assert set(balancer["AdvancedConfiguration"]) == {
        "AlternateTargetGroupArn",
        "ProductionListenerRule",
        "TestListenerRule",
        "RoleArn",
    }
    api_listeners = sorted(
        v["Properties"]["Port"]
        for v in resources_of_type(template, "AWS::ElasticLoadBalancingV2::Listener").values()
        if "/Api/" in v["Metadata"]["aws:cdk:path"]
    )
    assert api_listeners == [80, 8080]
    # web and docs keep the default rolling deployment with the circuit breaker.
    for name in ("Web", "Docs"):
        _, other = _by_path(template, "AWS::ECS::Service", f"{name}/Service")
        assert "Strategy" not in other["Properties"]["DeploymentConfiguration"]


def test_every_example_container_has_a_read_only_root_filesystem_with_nginx_paths_writable(
    template: dict[str, Any],
) -> None:
    for task in resources_of_type(template, "AWS::ECS::TaskDefinition").values():
        (container,) = task["Properties"]["ContainerDefinitions"]
        assert container["ReadonlyRootFilesystem"] is True
        assert [m["ContainerPath"] for m in container["MountPoints"]] == ["/var/cache/nginx", "/var/run", "/tmp"]
