"""AlbFargateService: fine-grained template tests of every default, the options, and each synth error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Annotations as CoreAnnotations
from aws_cdk import App, Duration, Environment, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Annotations, Match, Template

from app import CLI_DEFAULT_CONTEXT, cdk_json_context
from buttress import (
    AlbFargateService,
    ButtressError,
    CpuArchitecture,
    Deployment,
    ListenerProtocol,
    Network,
    Sidecar,
    Waf,
)
from buttress.alb_fargate import PLAIN_HTTP_WARNING
from tests.harness import new_stack, resources_of_type

REPO = Path(__file__).resolve().parent.parent
DOCKER_APP = REPO / "tests" / "fixtures" / "docker_app"
IMAGE = "public.ecr.aws/nginx/nginx:stable"
CERT_ARN = "arn:aws:acm:us-east-1:111122223333:certificate/abcd-1234"


def _vpc(stack: Stack) -> ec2.Vpc:
    return ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)


def _resource(template: dict[str, Any], type_: str) -> dict[str, Any]:
    found = resources_of_type(template, type_)
    assert len(found) == 1, f"{len(found)} {type_}"
    return next(iter(found.values()))


def _logical_id(template: dict[str, Any], type_: str, path_part: str) -> str:
    ids = [k for k, v in resources_of_type(template, type_).items() if path_part in v["Metadata"]["aws:cdk:path"]]
    assert len(ids) == 1, ids
    return ids[0]


# -- a public HTTPS service with everything on ----------------------------------------------


class Public:
    stack: Stack
    service: AlbFargateService
    template: dict[str, Any]
    assertions: Template


@pytest.fixture(scope="module")
def public() -> Public:
    result = Public()
    stack = new_stack("Public")
    vpc = _vpc(stack)
    parameter = ssm.StringParameter.from_secure_string_parameter_attributes(
        stack, "Param", parameter_name="/app/db-password"
    )
    secret = secretsmanager.Secret(stack, "Secret")
    result.service = AlbFargateService(
        stack,
        "Web",
        vpc=vpc,
        image=IMAGE,
        container_port=8080,
        certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERT_ARN),
        environment={"MODE": "prod"},
        secrets={
            "DB_PASSWORD": ecs.Secret.from_ssm_parameter(parameter),
            "API_KEY": ecs.Secret.from_secrets_manager(secret),
        },
        sidecars=[Sidecar(name="proxy", image="public.ecr.aws/envoyproxy/envoy:v1.31-latest", port=9901)],
        min_capacity=2,
        max_capacity=6,
        scale_on_cpu_percent=65,
        scale_on_memory_percent=80,
        scale_on_requests_per_target=800,
    )
    result.stack = stack
    result.assertions = Template.from_stack(stack)
    result.template = dict(result.assertions.to_json())
    return result


def test_tasks_have_no_public_ip_and_run_in_private_subnets(public: Public) -> None:
    service = _resource(public.template, "AWS::ECS::Service")["Properties"]
    awsvpc = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert awsvpc["AssignPublicIp"] == "DISABLED"
    private_subnets = [
        {"Ref": k}
        for k, v in resources_of_type(public.template, "AWS::EC2::Subnet").items()
        if "PrivateSubnet" in v["Metadata"]["aws:cdk:path"]
    ]
    assert sorted(map(json.dumps, awsvpc["Subnets"])) == sorted(map(json.dumps, private_subnets))


def test_task_security_group_admits_only_the_load_balancer_on_the_container_port(public: Public) -> None:
    task_sg = _logical_id(public.template, "AWS::EC2::SecurityGroup", "Web/TaskSecurityGroup")
    lb_sg = _logical_id(public.template, "AWS::EC2::SecurityGroup", "Web/LoadBalancerSecurityGroup")
    assert "SecurityGroupIngress" not in public.template["Resources"][task_sg]["Properties"]
    rules = [
        r["Properties"]
        for r in resources_of_type(public.template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [task_sg, "GroupId"]}
    ]
    assert rules == [
        {
            "Description": "Load balancer to target",
            "FromPort": 8080,
            "ToPort": 8080,
            "GroupId": {"Fn::GetAtt": [task_sg, "GroupId"]},
            "IpProtocol": "tcp",
            "SourceSecurityGroupId": {"Fn::GetAtt": [lb_sg, "GroupId"]},
        }
    ]


def test_public_load_balancer_admits_the_internet_on_443_and_80_only(public: Public) -> None:
    lb_sg = _logical_id(public.template, "AWS::EC2::SecurityGroup", "Web/LoadBalancerSecurityGroup")
    ingress = public.template["Resources"][lb_sg]["Properties"]["SecurityGroupIngress"]
    assert sorted((r["CidrIp"], r["FromPort"], r["ToPort"]) for r in ingress) == [
        ("0.0.0.0/0", 80, 80),
        ("0.0.0.0/0", 443, 443),
    ]
    lb = _resource(public.template, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]
    assert lb["Scheme"] == "internet-facing"
    assert lb["SecurityGroups"] == [{"Fn::GetAtt": [lb_sg, "GroupId"]}]


def test_https_listener_with_certificate_and_http_redirect(public: Public) -> None:
    listeners = {
        v["Properties"]["Port"]: v["Properties"]
        for v in resources_of_type(public.template, "AWS::ElasticLoadBalancingV2::Listener").values()
    }
    assert set(listeners) == {443, 80}
    https = listeners[443]
    assert https["Protocol"] == "HTTPS"
    assert https["Certificates"] == [{"CertificateArn": CERT_ARN}]
    assert https["SslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    assert https["DefaultActions"][0]["Type"] == "forward"
    redirect = listeners[80]
    assert redirect["Protocol"] == "HTTP"
    assert redirect["DefaultActions"] == [
        {"Type": "redirect", "RedirectConfig": {"Port": "443", "Protocol": "HTTPS", "StatusCode": "HTTP_301"}}
    ]
    assert public.service.url.startswith("https://") or "https://" in json.dumps(
        public.stack.resolve(public.service.url)
    )


def test_deployment_is_guarded(public: Public) -> None:
    service = _resource(public.template, "AWS::ECS::Service")["Properties"]
    assert service["DeploymentConfiguration"] == {
        "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True},
        "MaximumPercent": 200,
        "MinimumHealthyPercent": 100,
    }
    assert service["HealthCheckGracePeriodSeconds"] == 60
    assert service["LaunchType"] == "FARGATE"
    # Auto scaling owns the task count: a deployment must not reset it.
    assert "DesiredCount" not in service


def test_target_group_health_check_and_fast_draining(public: Public) -> None:
    tg = _resource(public.template, "AWS::ElasticLoadBalancingV2::TargetGroup")["Properties"]
    assert tg["TargetType"] == "ip"
    assert tg["Port"] == 8080
    assert (tg["HealthCheckPath"], tg["Matcher"], tg["HealthCheckIntervalSeconds"]) == (
        "/",
        {"HttpCode": "200-399"},
        15,
    )
    assert (tg["HealthCheckTimeoutSeconds"], tg["HealthyThresholdCount"], tg["UnhealthyThresholdCount"]) == (5, 2, 3)
    assert {"Key": "deregistration_delay.timeout_seconds", "Value": "30"} in tg["TargetGroupAttributes"]


def test_scaling_policies_on_cpu_memory_and_requests(public: Public) -> None:
    target = _resource(public.template, "AWS::ApplicationAutoScaling::ScalableTarget")["Properties"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 6)
    policies = {
        c["PredefinedMetricSpecification"]["PredefinedMetricType"]: c["TargetValue"]
        for c in (
            p["Properties"]["TargetTrackingScalingPolicyConfiguration"]
            for p in resources_of_type(public.template, "AWS::ApplicationAutoScaling::ScalingPolicy").values()
        )
    }
    assert policies == {
        "ECSServiceAverageCPUUtilization": 65,
        "ECSServiceAverageMemoryUtilization": 80,
        "ALBRequestCountPerTarget": 800,
    }


def test_observability_defaults(public: Public) -> None:
    cluster = _resource(public.template, "AWS::ECS::Cluster")["Properties"]
    assert cluster["ClusterSettings"] == [{"Name": "containerInsights", "Value": "enabled"}]
    log_group = resources_of_type(public.template, "AWS::Logs::LogGroup")[
        _logical_id(public.template, "AWS::Logs::LogGroup", "Web/Logs/")
    ]
    assert log_group["Properties"]["RetentionInDays"] == 30
    assert log_group["DeletionPolicy"] == "Retain"
    containers = _resource(public.template, "AWS::ECS::TaskDefinition")["Properties"]["ContainerDefinitions"]
    assert {c["Name"]: c["LogConfiguration"]["LogDriver"] for c in containers} == {"app": "awslogs", "proxy": "awslogs"}


def test_load_balancer_hardening_and_access_logs(public: Public) -> None:
    lb = _resource(public.template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    attributes = {a["Key"]: a["Value"] for a in lb["Properties"]["LoadBalancerAttributes"]}
    bucket_id = _logical_id(public.template, "AWS::S3::Bucket", "Web/AccessLogs")
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert attributes["deletion_protection.enabled"] == "false"
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["access_logs.s3.bucket"] == {"Ref": bucket_id}
    assert attributes["access_logs.s3.prefix"] == "Web"
    bucket = public.template["Resources"][bucket_id]["Properties"]
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "AES256"
    }
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    policy = _resource(public.template, "AWS::S3::BucketPolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert {"Bool": {"aws:SecureTransport": "false"}} in [
        s.get("Condition") for s in statements if s["Effect"] == "Deny"
    ]
    delivery = [s for s in statements if s["Effect"] == "Allow"]
    assert [s["Action"] for s in delivery] == ["s3:PutObject"]
    assert delivery[0]["Principal"]["Service"] == "logdelivery.elasticloadbalancing.amazonaws.com"
    # The load balancer is created after the policy that lets it write (else creation fails).
    policy_id = _logical_id(public.template, "AWS::S3::BucketPolicy", "Web/AccessLogs")
    assert policy_id in lb["DependsOn"]


def test_env_agnostic_stack_looks_up_the_elb_account_at_deploy_time(public: Public) -> None:
    accounts = public.template["Mappings"]["ButtressElbAccounts"]
    assert accounts["us-east-1"] == {"account": "127311923021"}
    assert accounts["ap-southeast-5"] == {"account": "none"}
    assert "ButtressRegionHasElbAccount" in public.template["Conditions"]


def test_secrets_are_readable_exactly_and_only_by_the_execution_role(public: Public) -> None:
    containers = _resource(public.template, "AWS::ECS::TaskDefinition")["Properties"]["ContainerDefinitions"]
    app = next(c for c in containers if c["Name"] == "app")
    assert [s["Name"] for s in app["Secrets"]] == ["DB_PASSWORD", "API_KEY"]
    assert app["Environment"] == [{"Name": "MODE", "Value": "prod"}]
    policies = [
        p["Properties"]
        for k, p in resources_of_type(public.template, "AWS::IAM::Policy").items()
        if "ExecutionRole" in k
    ]
    statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    resources = json.dumps([s["Resource"] for s in statements])
    assert '"*"' not in resources
    ssm_statement = next(s for s in statements if "ssm:GetParameters" in s["Action"])
    assert "parameter/app/db-password" in json.dumps(ssm_statement["Resource"])
    secret_id = _logical_id(public.template, "AWS::SecretsManager::Secret", "Public/Secret")
    sm_statement = next(s for s in statements if "secretsmanager:GetSecretValue" in s["Action"])
    assert sm_statement["Resource"] == {"Ref": secret_id}


def test_sidecar_shares_the_task_and_its_localhost(public: Public) -> None:
    task = _resource(public.template, "AWS::ECS::TaskDefinition")["Properties"]
    assert task["NetworkMode"] == "awsvpc"
    assert (task["Cpu"], task["Memory"]) == ("256", "512")
    assert task["RuntimePlatform"] == {"CpuArchitecture": "X86_64", "OperatingSystemFamily": "LINUX"}
    ports = {c["Name"]: [p["ContainerPort"] for p in c["PortMappings"]] for c in task["ContainerDefinitions"]}
    assert ports == {"app": [8080], "proxy": [9901]}
    assert set(public.service.sidecars) == {"proxy"}


def test_exposed_attributes(public: Public) -> None:
    svc = public.service
    assert isinstance(svc.service, ecs.FargateService)
    assert isinstance(svc.task_definition, ecs.FargateTaskDefinition)
    assert svc.listener_port == 443
    assert svc.protocol == "HTTPS"
    assert svc.scaling is not None
    assert svc.redirect_listener is not None
    assert [g.node.path for g in svc.connections.security_groups] == [svc.task_security_group.node.path]
    assert svc.task_role.node.path == svc.task_definition.task_role.node.path
    assert svc.metric_target_5xx_count().metric_name == "HTTPCode_Target_5XX_Count"
    assert svc.metric_target_response_time().metric_name == "TargetResponseTime"


def test_no_warnings_on_a_https_service(public: Public) -> None:
    Annotations.from_stack(public.stack).has_no_warning("*", Match.any_value())


# -- an internal HTTP service ------------------------------------------------------------------


class Internal:
    stack: Stack
    caller_stack: Stack
    api: AlbFargateService
    template: dict[str, Any]
    caller_template: dict[str, Any]
    caller_sg: ec2.SecurityGroup


@pytest.fixture(scope="module")
def internal() -> Internal:
    result = Internal()
    stack = new_stack("Internal")
    vpc = _vpc(stack)
    result.api = AlbFargateService(
        stack,
        "Api",
        vpc=vpc,
        image=IMAGE,
        internal=True,
        protocol=ListenerProtocol.HTTP,
        min_capacity=1,
        max_capacity=1,
        scale_on_cpu_percent=None,
        removal_policy=RemovalPolicy.DESTROY,
    )
    same_stack_caller = ec2.SecurityGroup(stack, "Peer", vpc=vpc, allow_all_outbound=False)
    result.api.allow_from(same_stack_caller)
    # A caller in another stack (like a CodeBuild project's stack) that depends on this one.
    caller_stack = Stack(stack.node.root, "Caller")
    result.caller_sg = ec2.SecurityGroup(caller_stack, "BuildSg", vpc=vpc)
    result.api.allow_from(result.caller_sg, "integration tests")
    result.stack, result.caller_stack = stack, caller_stack
    result.template = dict(Template.from_stack(stack).to_json())
    result.caller_template = dict(Template.from_stack(caller_stack).to_json())
    return result


def test_internal_load_balancer_in_private_subnets_admits_nobody_by_default(internal: Internal) -> None:
    lb = _resource(internal.template, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]
    assert lb["Scheme"] == "internal"
    private = {k for k in resources_of_type(internal.template, "AWS::EC2::Subnet") if "Private" in k}
    assert {s["Ref"] for s in lb["Subnets"]} == private
    lb_sg = _logical_id(internal.template, "AWS::EC2::SecurityGroup", "Api/LoadBalancerSecurityGroup")
    assert "SecurityGroupIngress" not in internal.template["Resources"][lb_sg]["Properties"]


def test_http_only_listener_without_redirect(internal: Internal) -> None:
    listener = _resource(internal.template, "AWS::ElasticLoadBalancingV2::Listener")["Properties"]
    assert (listener["Port"], listener["Protocol"]) == (80, "HTTP")
    assert internal.api.redirect_listener is None
    assert internal.api.listener_port == 80


def test_fixed_capacity_sets_desired_count_and_no_scaling(internal: Internal) -> None:
    service = _resource(internal.template, "AWS::ECS::Service")["Properties"]
    assert service["DesiredCount"] == 1
    assert internal.api.scaling is None
    assert not resources_of_type(internal.template, "AWS::ApplicationAutoScaling::ScalableTarget")


def test_plain_http_warns_at_synth(internal: Internal) -> None:
    Annotations.from_stack(internal.stack).has_warning(
        "/Internal/Api", Match.string_like_regexp(f"serves plain HTTP.*{PLAIN_HTTP_WARNING}")
    )


def test_allow_from_same_stack_opens_the_listener_port_both_ways(internal: Internal) -> None:
    lb_sg = _logical_id(internal.template, "AWS::EC2::SecurityGroup", "Api/LoadBalancerSecurityGroup")
    peer = _logical_id(internal.template, "AWS::EC2::SecurityGroup", "Internal/Peer")
    ingress = [
        r["Properties"]
        for r in resources_of_type(internal.template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [lb_sg, "GroupId"]}
    ]
    assert [(r["SourceSecurityGroupId"], r["FromPort"]) for r in ingress] == [({"Fn::GetAtt": [peer, "GroupId"]}, 80)]
    egress = [
        r["Properties"]
        for r in resources_of_type(internal.template, "AWS::EC2::SecurityGroupEgress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [peer, "GroupId"]}
    ]
    assert [(r["DestinationSecurityGroupId"], r["FromPort"]) for r in egress] == [
        ({"Fn::GetAtt": [lb_sg, "GroupId"]}, 80)
    ]


def test_allow_from_another_stack_puts_the_rule_in_the_callers_stack(internal: Internal) -> None:
    ingress = list(resources_of_type(internal.caller_template, "AWS::EC2::SecurityGroupIngress").values())
    assert len(ingress) == 1
    props = ingress[0]["Properties"]
    assert (props["FromPort"], props["ToPort"], props["Description"]) == (80, 80, "integration tests")
    # The caller's stack depends on the service's stack, never the other way (no cycle).
    assert internal.stack in internal.caller_stack.dependencies
    assert internal.caller_stack not in internal.stack.dependencies
    # The tasks still admit only their load balancer.
    task_sg = _logical_id(internal.template, "AWS::EC2::SecurityGroup", "Api/TaskSecurityGroup")
    task_rules = [
        r
        for t in (internal.template, internal.caller_template)
        for r in resources_of_type(t, "AWS::EC2::SecurityGroupIngress").values()
        if "TaskSecurityGroup" in json.dumps(r["Properties"]["GroupId"])
    ]
    assert len(task_rules) == 1
    assert task_sg in json.dumps(task_rules[0]["Properties"]["GroupId"])


def test_acknowledged_plain_http_warning_is_silent() -> None:
    stack = new_stack("Acked")
    CoreAnnotations.of(stack).acknowledge_warning(PLAIN_HTTP_WARNING, "test of the documented opt-in")
    AlbFargateService(
        stack,
        "Svc",
        vpc=_vpc(stack),
        image=IMAGE,
        protocol="HTTP",
        min_capacity=1,
        max_capacity=1,
        scale_on_cpu_percent=None,
    )
    Annotations.from_stack(stack).has_no_warning("*", Match.any_value())


# -- image from a Dockerfile folder, ARM64, Spot, concrete region -----------------------------


def test_docker_directory_arm64_spot_in_a_concrete_region() -> None:
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "Arm", env=Environment(account="111122223333", region="eu-west-1"))
    svc = AlbFargateService(
        stack,
        "Svc",
        vpc=_vpc(stack),
        docker_directory=DOCKER_APP,
        cpu_architecture="ARM64",
        spot=True,
        on_demand_base=1,
        cpu=512,
        memory_mib=2048,
        protocol="HTTP",
        ingress_cidrs=["203.0.113.0/24"],
        health_check_path="/healthz",
        health_check_codes="200",
        deregistration_delay=Duration.seconds(5),
        deletion_protection=True,
    )
    template = dict(Template.from_stack(stack).to_json())
    task = _resource(template, "AWS::ECS::TaskDefinition")["Properties"]
    assert task["RuntimePlatform"]["CpuArchitecture"] == "ARM64"
    image = json.dumps(task["ContainerDefinitions"][0]["Image"])
    assert "container-assets" in image
    service = _resource(template, "AWS::ECS::Service")["Properties"]
    assert service["CapacityProviderStrategy"] == [
        {"CapacityProvider": "FARGATE", "Base": 1, "Weight": 0},
        {"CapacityProvider": "FARGATE_SPOT", "Weight": 1},
    ]
    assert "LaunchType" not in service
    providers = _resource(template, "AWS::ECS::ClusterCapacityProviderAssociations")["Properties"]
    assert set(providers["CapacityProviders"]) == {"FARGATE", "FARGATE_SPOT"}
    lb_sg = _logical_id(template, "AWS::EC2::SecurityGroup", "Svc/LoadBalancerSecurityGroup")
    assert [r["CidrIp"] for r in template["Resources"][lb_sg]["Properties"]["SecurityGroupIngress"]] == [
        "203.0.113.0/24"
    ]
    lb = _resource(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]
    assert {"Key": "deletion_protection.enabled", "Value": "true"} in lb["LoadBalancerAttributes"]
    # A concrete region gets aws-cdk-lib's own access-log policy with that region's ELB account.
    assert "Mappings" not in template
    assert "156460612806" in json.dumps(_resource(template, "AWS::S3::BucketPolicy"))
    # The Dockerfile folder is staged for `cdk deploy` to build for linux/arm64.
    assembly = app.synth()
    manifest = json.loads(next(Path(assembly.directory).glob("Arm.assets.json")).read_text())
    (entry,) = manifest["dockerImages"].values()
    assert entry["source"]["platform"] == "linux/arm64"
    staged = Path(assembly.directory) / entry["source"]["directory"]
    assert (staged / "Dockerfile").read_text() == (DOCKER_APP / "Dockerfile").read_text()
    assert "http://" in json.dumps(stack.resolve(svc.url))


# -- synth-time errors ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def error_stack() -> tuple[Stack, ec2.Vpc]:
    stack = new_stack("Errors")
    return stack, _vpc(stack)


_counter = iter(range(1000))


def _build(error_stack: tuple[Stack, ec2.Vpc], id_: str | None = None, **props: Any) -> AlbFargateService:
    stack, vpc = error_stack
    defaults: dict[str, Any] = {"vpc": vpc, "image": IMAGE, "protocol": "HTTP"}
    return AlbFargateService(stack, id_ or f"Svc{next(_counter)}", **{**defaults, **props})


def _fails(error_stack: tuple[Stack, ec2.Vpc], message: str, **props: Any) -> ButtressError:
    """Build a service with ``props``: it fails with ``Errors/<its id>: `` followed by ``message`` (a regex)."""
    id_ = f"Svc{next(_counter)}"
    with pytest.raises(ButtressError, match=rf"^Errors/{id_}: {message.removeprefix('^')}") as error:
        _build(error_stack, id_, **props)
    assert error.value.path == f"Errors/{id_}"
    return error.value


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"cpu": 256, "memory_mib": 4096}, r"^memory_mib=4096 is invalid: with cpu=256 one of the Fargate pairs"),
        ({"cpu": 100}, r"^cpu=100 is invalid"),
        ({"container_port": 0}, r"^container_port=0 is invalid: a TCP port from 1 to 65535"),
        ({"container_port": 65536}, r"^container_port=65536 is invalid"),
        ({"listener_port": 70000}, r"^listener_port=70000 is invalid"),
        ({"min_capacity": 5, "max_capacity": 3}, r"^min_capacity=5 is invalid: at most max_capacity \(3\)"),
        ({"protocol": "HTTPS"}, r"^certificate=None is invalid: an ACM certificate when protocol='HTTPS'"),
        (
            {"internal": True, "ingress_cidrs": ["0.0.0.0/0"]},
            r"^ingress_cidrs='0.0.0.0/0' is invalid: no internet-wide CIDR on an internal service",
        ),
        (
            {"health_check_grace_period": Duration.hours(3)},
            r"^health_check_grace_period='10800s' is invalid: 0 to 10755s",
        ),
        (
            {"health_check_grace_period": Duration.millis(1500)},
            r"^health_check_grace_period='1 second 500 millis' is invalid: a whole number of seconds",
        ),
        ({"deregistration_delay": Duration.hours(2)}, r"^deregistration_delay='7200s'"),
        ({"max_capacity": 4, "scale_on_cpu_percent": None}, r"^max_capacity=4 is invalid: equal to min_capacity"),
        ({"image": None}, r"^image=None is invalid: exactly one of image"),
        ({"docker_directory": DOCKER_APP}, r"^image=.* is invalid: exactly one of image"),
        ({"image": None, "docker_directory": REPO / "docs"}, r"^docker_directory=.* is invalid: an existing folder"),
        (
            {"task_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)},
            r"^task_subnets=.* is invalid: private subnets",
        ),
        ({"environment": {"A": "1"}, "secrets": "from SSM"}, r"^secrets=\['A'\]"),
        (
            {"sidecars": [Sidecar(name="proxy", image=IMAGE, port=80)]},
            r"^sidecars\[0\]\.port=80 is invalid: .*'app' already listens on 80",
        ),
        ({"health_check_codes": "2xx"}, r"^health_check_codes='2xx'"),
        ({"cpu_architecture": "arm64"}, r"^cpu_architecture='arm64'"),
        ({"access_logs_prefix": "AWSLogs/x"}, r"^access_logs_prefix="),
        (
            {"protocol": "HTTPS", "redirect_http": True, "listener_port": 80, "certificate": "cert"},
            r"^listener_port=80 is invalid: not 80 while redirect_http=True",
        ),
    ],
)
def test_bad_props_fail_at_synth_naming_prop_value_and_allowed(
    error_stack: tuple[Stack, ec2.Vpc], props: dict[str, Any], message: str
) -> None:
    stack, _ = error_stack
    if props.get("certificate") == "cert":
        props["certificate"] = acm.Certificate.from_certificate_arn(stack, f"Cert{next(_counter)}", CERT_ARN)
    if "secrets" in props:
        param = ssm.StringParameter.from_string_parameter_name(stack, f"P{next(_counter)}", "/x")
        props["secrets"] = {"A": ecs.Secret.from_ssm_parameter(param)}
    _fails(error_stack, message, **props)


def test_http_with_a_certificate_is_an_error_not_an_unused_certificate(error_stack: tuple[Stack, ec2.Vpc]) -> None:
    stack, _ = error_stack
    cert = acm.Certificate.from_certificate_arn(stack, "UnusedCert", CERT_ARN)
    _fails(error_stack, r"protocol='HTTP' is invalid: 'HTTPS' when a certificate is given", certificate=cert)


def test_spot_needs_a_cluster_it_can_enable_fargate_spot_on(error_stack: tuple[Stack, ec2.Vpc]) -> None:
    stack, vpc = error_stack
    imported = ecs.Cluster.from_cluster_attributes(stack, "Imported", cluster_name="shared", vpc=vpc)
    _fails(error_stack, r"cluster='shared' is invalid: a cluster created in this app", cluster=imported, spot=True)


# -- every prop is type-checked, and the message names the construct ---------------------------


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"min_capacity": "2"}, "min_capacity='2' is invalid: a whole number (int), not str"),
        ({"environment": {"PORT": 8080}}, "environment['PORT']=8080 is invalid: a string (write '8080'), not int"),
        (
            {"ingress_cidrs": "10.0.0.0/8"},
            "ingress_cidrs='10.0.0.0/8' is invalid: a list of strings, not one string: write ['10.0.0.0/8']",
        ),
        (
            {"command": "nginx -g daemon"},
            "command='nginx -g daemon' is invalid: a list of strings, not one string: write ['nginx -g daemon']",
        ),
        ({"scale_on_cpu_percent": "70"}, "scale_on_cpu_percent='70' is invalid: a number, not str"),
        ({"spot": "yes"}, "spot='yes' is invalid: True or False, not str"),
        ({"listener_port": "8080"}, "listener_port='8080' is invalid: a whole number (int), not str"),
        (
            {"health_check_interval": 15},
            "health_check_interval=15 is invalid: a Duration such as Duration.seconds(30), not int",
        ),
        ({"removal_policy": "DESTROY"}, "removal_policy='DESTROY' is invalid: a RemovalPolicy, not str"),
        ({"certificate": CERT_ARN}, f"certificate='{CERT_ARN}' is invalid: an acm.ICertificate, not str"),
        (
            {"secrets": {"A": "x"}},
            "secrets['A']='x' is invalid: an ecs.Secret (from_ssm_parameter, from_secrets_manager), not str",
        ),
        (
            {"sidecars": [Sidecar(name="proxy", image=IMAGE, environment={"A": 1})]},  # type: ignore[dict-item]
            "sidecars[0].environment['A']=1 is invalid: a string (write '1'), not int",
        ),
        (
            {"vpc": "vpc-123"},
            "vpc='vpc-123' is invalid: a buttress.Network or an ec2.IVpc (e.g. ec2.Vpc(...) or "
            "ec2.Vpc.from_lookup(...)), not str",
        ),
        (
            {"cpu_architecture": "arm64"},
            "cpu_architecture='arm64' is invalid: one of 'X86_64', 'ARM64' (did you mean 'ARM64'?)",
        ),
        ({"protocol": "https"}, "protocol='https' is invalid: one of 'HTTPS', 'HTTP' (did you mean 'HTTPS'?)"),
    ],
)
def test_a_mistyped_prop_is_a_buttress_error_naming_construct_prop_and_value(
    error_stack: tuple[Stack, ec2.Vpc], props: dict[str, Any], message: str
) -> None:
    id_ = f"Svc{next(_counter)}"
    with pytest.raises(ButtressError) as error:
        _build(error_stack, id_, **props)
    assert str(error.value) == f"Errors/{id_}: {message}"


def test_with_two_services_in_a_stack_the_wrong_one_is_named() -> None:
    stack = new_stack("Two")
    vpc = _vpc(stack)
    common: dict[str, Any] = {"vpc": vpc, "image": IMAGE, "protocol": "HTTP", "min_capacity": 1, "max_capacity": 1}
    AlbFargateService(stack, "Api", scale_on_cpu_percent=None, **common)
    with pytest.raises(ButtressError) as error:
        AlbFargateService(stack, "Web", environment={"PORT": 8080}, **common)  # type: ignore[dict-item]
    assert str(error.value) == "Two/Web: environment['PORT']=8080 is invalid: a string (write '8080'), not int"
    assert error.value.prop == "environment['PORT']"


# -- nothing silently ignored ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"ssl_policy": elbv2.SslPolicy.TLS12},
            "ssl_policy=<SslPolicy.TLS12: 'TLS12'> is invalid: not given with protocol='HTTP': "
            "a plain HTTP listener has no TLS policy",
        ),
        (
            {"redirect_http": False},
            "redirect_http=False is invalid: not given with protocol='HTTP': there is no HTTPS listener to redirect to",
        ),
        (
            {"on_demand_base": 2},
            "on_demand_base=2 is invalid: only with spot=True: without Spot every task runs on regular Fargate",
        ),
        (
            {
                "min_capacity": 1,
                "max_capacity": 1,
                "scale_on_cpu_percent": None,
                "scale_in_cooldown": Duration.minutes(2),
            },
            "scale_in_cooldown='120s' is invalid: only with a scaling policy (none is set)",
        ),
    ],
)
def test_a_prop_without_effect_in_the_chosen_mode_is_an_error_naming_the_mode(
    error_stack: tuple[Stack, ec2.Vpc], props: dict[str, Any], message: str
) -> None:
    id_ = f"Svc{next(_counter)}"
    with pytest.raises(ButtressError) as error:
        _build(error_stack, id_, **props)
    assert str(error.value) == f"Errors/{id_}: {message}"


def test_https_options_given_explicitly_are_used() -> None:
    stack = new_stack("Explicit")
    AlbFargateService(
        stack,
        "Svc",
        vpc=_vpc(stack),
        image=IMAGE,
        protocol=ListenerProtocol.HTTPS,
        certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERT_ARN),
        ssl_policy=elbv2.SslPolicy.TLS13_RES,
        redirect_http=False,
        cpu_architecture=CpuArchitecture.ARM64,
    )
    template = dict(Template.from_stack(stack).to_json())
    listener = _resource(template, "AWS::ElasticLoadBalancingV2::Listener")["Properties"]
    assert (listener["Port"], listener["Protocol"], listener["SslPolicy"]) == (
        443,
        "HTTPS",
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    )
    task = _resource(template, "AWS::ECS::TaskDefinition")["Properties"]
    assert task["RuntimePlatform"]["CpuArchitecture"] == "ARM64"


# -- one network argument ----------------------------------------------------------------------


def _isolated_vpc(stack: Stack) -> ec2.Vpc:
    return ec2.Vpc(
        stack,
        "Isolated",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC),
            ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ],
    )


def test_internal_service_in_a_vpc_without_private_subnets_with_egress_is_a_buttress_error() -> None:
    stack = new_stack("NoEgress")
    vpc = _isolated_vpc(stack)
    isolated = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    with pytest.raises(ButtressError) as error:
        AlbFargateService(stack, "Api", vpc=vpc, image=IMAGE, protocol="HTTP", internal=True, task_subnets=isolated)
    assert str(error.value) == (
        "NoEgress/Api: vpc='NoEgress/Isolated' is invalid: a VPC with PRIVATE_WITH_EGRESS subnets for the internal "
        "load balancer (the default load_balancer_subnets), or give load_balancer_subnets (There are no 'Private' "
        "subnet groups in this VPC. Available types: Isolated,Deprecated_Isolated,Public)"
    )
    with pytest.raises(ButtressError, match=r"^NoEgress/Web: vpc='NoEgress/Isolated' is invalid: .* for the tasks"):
        AlbFargateService(stack, "Web", vpc=vpc, image=IMAGE, protocol="HTTP")
    # With both selections given, the isolated subnets (reaching AWS through endpoints) serve.
    AlbFargateService(
        stack,
        "Ok",
        vpc=vpc,
        image=IMAGE,
        protocol="HTTP",
        internal=True,
        task_subnets=isolated,
        load_balancer_subnets=isolated,
    )


def test_a_network_is_accepted_as_vpc_and_grant_read_logs_stays_nag_clean() -> None:
    from aws_cdk import Validations
    from cdk_nag import AwsSolutionsChecks

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "Grants")
    network = Network(stack, "Net")
    service = AlbFargateService(
        stack,
        "Svc",
        vpc=network,
        image=IMAGE,
        certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERT_ARN),
    )
    reader = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())
    grant = service.grant_read_logs(reader)
    assert grant.success
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    assembly = app.synth()
    template = assembly.get_stack_by_name("Grants").template
    (policy,) = [
        p["Properties"]
        for k, p in resources_of_type(template, "AWS::IAM::Policy").items()
        if k.startswith("ReaderDefaultPolicy")
    ]
    log_group = _logical_id(template, "AWS::Logs::LogGroup", "Svc/Logs")
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Action": ["logs:DescribeLogStreams", "logs:FilterLogEvents", "logs:GetLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [log_group, "Arn"]},
        }
    ]
    vpc_id = template["Resources"][_logical_id(template, "AWS::EC2::SecurityGroup", "Svc/TaskSecurityGroup")]
    assert vpc_id["Properties"]["VpcId"] == {"Ref": _logical_id(template, "AWS::EC2::VPC", "Net/")}


def test_metrics_take_a_keyword_only_period_defaulting_to_five_minutes(public: Public) -> None:
    svc = public.service
    assert svc.metric_target_5xx_count().period.to_seconds() == 300
    assert svc.metric_target_response_time(period=Duration.minutes(1)).period.to_seconds() == 60
    with pytest.raises(TypeError):
        svc.metric_target_response_time(Duration.minutes(1))  # type: ignore[call-arg]
    with pytest.raises(ButtressError) as error:
        svc.metric_target_5xx_count(period=60)  # type: ignore[arg-type]
    assert str(error.value) == "Public/Web: period=60 is invalid: a Duration (e.g. Duration.minutes(5)), not int"


# -- a domain: certificate, alias records, url -------------------------------------------------


def _zone(stack: Stack, name: str = "example.com") -> route53.IHostedZone:
    return route53.HostedZone.from_hosted_zone_attributes(
        stack, f"Zone{next(_counter)}", hosted_zone_id="Z0123456789ABC", zone_name=name
    )


def test_a_domain_gets_a_dns_validated_certificate_an_alias_record_and_the_url() -> None:
    stack = new_stack("Domain")
    service = AlbFargateService(
        stack, "Web", vpc=_vpc(stack), image=IMAGE, domain_name="WWW.example.com", hosted_zone=_zone(stack)
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
        _logical_id(template, "AWS::ElasticLoadBalancingV2::Listener", "Web/LoadBalancer/Listener/")
    ]
    assert listener["Properties"]["Certificates"] == [{"CertificateArn": {"Ref": certificate_id}}]
    record = _resource(template, "AWS::Route53::RecordSet")["Properties"]
    lb_id = _logical_id(template, "AWS::ElasticLoadBalancingV2::LoadBalancer", "Web/LoadBalancer")
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
        vpc=_vpc(stack),
        image=IMAGE,
        certificate=cert,
        domain_name="api.example.com",
        hosted_zone=_zone(stack),
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
    props: dict[str, Any] = {"protocol": "HTTPS", "domain_name": "a.b.example.com", "hosted_zone": _zone(stack)}
    if kind == "uncovered":
        props["certificate"] = acm.Certificate(stack, f"Wildcard{next(_counter)}", domain_name="*.example.com")
    elif kind == "outside":
        props["hosted_zone"] = _zone(stack, "example.org")
    elif kind == "private":
        props["hosted_zone"] = route53.PrivateHostedZone(
            stack, f"Private{next(_counter)}", zone_name="example.com", vpc=vpc
        )
    elif kind == "no zone":
        props["hosted_zone"] = None
    elif kind == "zone only":
        props["domain_name"] = None
    else:
        props["hosted_zone"] = "example.com"
    _fails(error_stack, message, **props)


def test_a_certificate_of_another_region_is_an_error_in_a_stack_with_a_region() -> None:
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "Dublin", env=Environment(account="111122223333", region="eu-west-1"))
    vpc = _vpc(stack)
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


# -- WAF ----------------------------------------------------------------------------------------

SHARED_ACL = "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/shared/0a1b2c3d-0000-1111-2222-333344445555"


def test_the_default_web_acl_is_logged_with_retention_and_redacts_credentials(public: Public) -> None:
    acl_id = _logical_id(public.template, "AWS::WAFv2::WebACL", "Web/WebAcl")
    acl = resources_of_type(public.template, "AWS::WAFv2::WebACL")[acl_id]["Properties"]
    assert acl["Scope"] == "REGIONAL" and acl["DefaultAction"] == {"Allow": {}}
    rate = acl["Rules"][-1]
    assert rate["Statement"] == {"RateBasedStatement": {"AggregateKeyType": "IP", "Limit": 2000}}
    assert rate["Action"] == {"Block": {}}
    managed = [r["Statement"]["ManagedRuleGroupStatement"] for r in acl["Rules"][:-1]]
    assert {m["VendorName"] for m in managed} == {"AWS"}
    logs_id = _logical_id(public.template, "AWS::Logs::LogGroup", "Web/WafLogs")
    log_group = resources_of_type(public.template, "AWS::Logs::LogGroup")[logs_id]
    assert log_group["Properties"]["LogGroupName"].startswith("aws-waf-logs-")
    assert log_group["Properties"]["RetentionInDays"] == 30
    logging = _resource(public.template, "AWS::WAFv2::LoggingConfiguration")["Properties"]
    assert logging["ResourceArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    # The log group's ARN without the ":*" suffix CloudWatch Logs ARNs usually carry: WAF refuses it.
    assert logging["LogDestinationConfigs"][0]["Fn::Join"][1][-2:] == [":log-group:", {"Ref": logs_id}]
    assert logging["RedactedFields"] == [
        {"SingleHeader": {"Name": "authorization"}},
        {"SingleHeader": {"Name": "cookie"}},
    ]
    assert public.service.web_acl is not None and public.service.waf_log_group is not None


def test_an_existing_web_acl_is_attached_and_none_is_built() -> None:
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "SharedAcl", env=Environment(account="111122223333", region="eu-west-1"))
    service = AlbFargateService(
        stack, "Web", vpc=_vpc(stack), image=IMAGE, protocol="HTTP", waf=Waf.existing(SHARED_ACL)
    )
    template = dict(Template.from_stack(stack).to_json())
    assert resources_of_type(template, "AWS::WAFv2::WebACL") == {}
    association = _resource(template, "AWS::WAFv2::WebACLAssociation")["Properties"]
    assert association["WebACLArn"] == SHARED_ACL
    assert service.web_acl is None and service.web_acl_arn == SHARED_ACL


def test_no_waf_needs_a_reason_which_the_template_records() -> None:
    stack = new_stack("NoWaf")
    reason = "CloudFront in front of this load balancer carries the web ACL"
    AlbFargateService(stack, "Web", vpc=_vpc(stack), image=IMAGE, protocol="HTTP", waf=Waf.none(reason))
    template = dict(Template.from_stack(stack).to_json())
    assert resources_of_type(template, "AWS::WAFv2::WebACLAssociation") == {}
    lb = _resource(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert lb["Metadata"]["buttress:waf"] == {"mode": "NONE", "reason": reason}


@pytest.mark.parametrize(
    ("waf", "message"),
    [
        ("none", r"waf='none' is invalid: a buttress.Waf \(Waf.managed\(\), Waf.existing\(arn\), Waf.none\(reason\)\)"),
        (Waf.none(""), r"waf.reason='' is invalid"),
        (Waf.managed(rate_limit=1), r"waf.rate_limit=1 is invalid: requests per 5 minutes per client IP"),
        (Waf.existing("arn:aws:wafv2:us-east-1:111122223333:global/webacl/cf/0a1b"), r"waf.web_acl_arn=.* REGIONAL"),
    ],
)
def test_waf_errors_at_synth(error_stack: tuple[Stack, ec2.Vpc], waf: object, message: str) -> None:
    _fails(error_stack, message, waf=waf)


def test_a_web_acl_can_protect_an_internal_load_balancer_on_request() -> None:
    stack = new_stack("InternalWaf")
    AlbFargateService(
        stack, "Api", vpc=_vpc(stack), image=IMAGE, protocol="HTTP", internal=True, waf=Waf.managed(rate_limit=500)
    )
    acl = _resource(dict(Template.from_stack(stack).to_json()), "AWS::WAFv2::WebACL")["Properties"]
    assert acl["Rules"][-1]["Statement"]["RateBasedStatement"]["Limit"] == 500


# -- one load balancer, many services ----------------------------------------------------------


class Shared:
    stack: Stack
    web: AlbFargateService
    docs: AlbFargateService
    admin: AlbFargateService
    template: dict[str, Any]


@pytest.fixture(scope="module")
def shared() -> Shared:
    result = Shared()
    stack = new_stack("Shared")
    vpc = _vpc(stack)
    common: dict[str, Any] = {
        "vpc": vpc,
        "image": IMAGE,
        "min_capacity": 1,
        "max_capacity": 1,
        "scale_on_cpu_percent": None,
    }
    result.web = AlbFargateService(
        stack, "Web", certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERT_ARN), **common
    )
    result.docs = AlbFargateService(
        stack,
        "Docs",
        load_balancer_of=result.web,
        priority=10,
        path_patterns=["/docs/*"],
        container_port=8080,
        **common,
    )
    result.admin = AlbFargateService(
        stack,
        "Admin",
        load_balancer_of=result.web,
        priority=20,
        host_headers=["admin.example.com"],
        path_patterns=["/ui/*", "/api/*"],
        **common,
    )
    result.stack, result.template = stack, dict(Template.from_stack(stack).to_json())
    return result


def test_services_share_one_load_balancer_listener_and_waf(shared: Shared) -> None:
    template = shared.template
    assert len(resources_of_type(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")) == 1
    assert len(resources_of_type(template, "AWS::ElasticLoadBalancingV2::Listener")) == 2  # HTTPS + redirect
    assert len(resources_of_type(template, "AWS::WAFv2::WebACL")) == 1
    assert len(resources_of_type(template, "AWS::S3::Bucket")) == 1
    rules_ = sorted(
        (r["Properties"]["Priority"], r["Properties"]["Conditions"])
        for r in resources_of_type(template, "AWS::ElasticLoadBalancingV2::ListenerRule").values()
    )
    assert rules_ == [
        (10, [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/docs/*"]}}]),
        (
            20,
            [
                {"Field": "host-header", "HostHeaderConfig": {"Values": ["admin.example.com"]}},
                {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/ui/*", "/api/*"]}},
            ],
        ),
    ]
    assert shared.docs.load_balancer is shared.web.load_balancer
    assert shared.docs.web_acl is shared.web.web_acl
    assert shared.docs.listener_rule is not None and shared.web.listener_rule is None


def test_shared_load_balancer_reaches_each_service_on_its_container_port_only(shared: Shared) -> None:
    template = shared.template
    lb_sg = _logical_id(template, "AWS::EC2::SecurityGroup", "Web/LoadBalancerSecurityGroup")
    ingress = sorted(
        (r["Metadata"]["aws:cdk:path"].split("/")[1], r["Properties"]["FromPort"])
        for r in resources_of_type(template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"].get("SourceSecurityGroupId") == {"Fn::GetAtt": [lb_sg, "GroupId"]}
    )
    assert ingress == [("Admin", 80), ("Docs", 8080), ("Web", 80)]
    assert shared.docs.load_balancer_security_group is shared.web.load_balancer_security_group


def test_shared_services_have_urls_on_the_shared_load_balancer(shared: Shared) -> None:
    resolve = shared.stack.resolve
    assert resolve(shared.docs.url) == resolve(f"{shared.web.url}/docs")
    assert shared.admin.url == "https://admin.example.com/ui"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"internal": True}, "internal=True is invalid: not given with load_balancer_of: the shared load balancer of"),
        ({"protocol": "HTTP"}, "protocol='HTTP' is invalid: not given with load_balancer_of"),
        (
            {"waf": Waf.none("the shared one has it anyway")},
            r"waf=Waf\(.*\) is invalid: not given with load_balancer_of",
        ),
        ({"domain_name": "x.example.com"}, "domain_name='x.example.com' is invalid: not given with load_balancer_of"),
        (
            {"priority": 10},
            r"priority=10 is invalid: a priority no other rule of the listener has \(Shared/Docs has 10\)",
        ),
        ({"priority": None}, "priority=None is invalid: a whole number"),
        ({"path_patterns": None}, "path_patterns=None is invalid: path_patterns or host_headers"),
        ({"load_balancer_of": "web"}, "load_balancer_of='web' is invalid: an AlbFargateService, not str"),
    ],
)
def test_shared_load_balancer_errors(shared: Shared, props: dict[str, Any], message: str) -> None:
    id_ = f"Svc{next(_counter)}"
    given: dict[str, Any] = {
        "vpc": shared.web.load_balancer.vpc,
        "image": IMAGE,
        "load_balancer_of": shared.web,
        "priority": 30,
        "path_patterns": ["/x/*"],
    }
    with pytest.raises(ButtressError, match=rf"^Shared/{id_}: {message}"):
        AlbFargateService(shared.stack, id_, **{**given, **props})


def test_route_props_need_load_balancer_of(error_stack: tuple[Stack, ec2.Vpc]) -> None:
    _fails(
        error_stack,
        r"priority=10 is invalid: only with load_balancer_of: a load balancer of its own sends it everything",
        priority=10,
    )


def test_a_shared_service_cannot_lend_its_load_balancer(shared: Shared) -> None:
    with pytest.raises(
        ButtressError, match=r"^Shared/Chain: load_balancer_of='Shared/Docs' is invalid: a service with"
    ):
        AlbFargateService(
            shared.stack,
            "Chain",
            vpc=shared.web.load_balancer.vpc,  # type: ignore[arg-type]
            image=IMAGE,
            load_balancer_of=shared.docs,
            priority=40,
            path_patterns=["/y/*"],
        )


# -- container health checks -------------------------------------------------------------------


def test_container_health_checks_are_written_with_every_default_spelled_out() -> None:
    stack = new_stack("Health")
    AlbFargateService(
        stack,
        "Web",
        vpc=_vpc(stack),
        image=IMAGE,
        protocol="HTTP",
        container_health_check=ecs.HealthCheck(command=["CMD-SHELL", "curl -f http://localhost/ || exit 1"]),
        sidecars=[
            Sidecar(
                name="proxy",
                image=IMAGE,
                port=9901,
                health_check=ecs.HealthCheck(
                    command=["CMD", "/ready"], interval=Duration.seconds(10), start_period=Duration.seconds(60)
                ),
            )
        ],
    )
    containers = _resource(dict(Template.from_stack(stack).to_json()), "AWS::ECS::TaskDefinition")["Properties"][
        "ContainerDefinitions"
    ]
    checks = {c["Name"]: c["HealthCheck"] for c in containers}
    assert checks == {
        "app": {
            "Command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"],
            "Interval": 30,
            "Timeout": 5,
            "Retries": 3,
            "StartPeriod": 0,
        },
        "proxy": {"Command": ["CMD", "/ready"], "Interval": 10, "Timeout": 5, "Retries": 3, "StartPeriod": 60},
    }


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"container_health_check": ["CMD", "x"]},
            r"container_health_check=\['CMD', 'x'\] is invalid: an ecs.HealthCheck\(command=\[...\], ...\), not list",
        ),
        (
            {"container_health_check": ecs.HealthCheck(command=["curl -f localhost"])},
            r"container_health_check.command=\['curl -f localhost'\] is invalid",
        ),
        (
            {"container_health_check": ecs.HealthCheck(command=["CMD", "x"], interval=Duration.minutes(10))},
            r"container_health_check.interval='600s' is invalid: 5 to 300 seconds \(the ECS limit\)",
        ),
        (
            {"container_health_check": ecs.HealthCheck(command=["CMD", "x"], timeout=Duration.millis(2500))},
            r"container_health_check.timeout='2 seconds 500 millis' is invalid: a whole number of seconds",
        ),
        (
            {
                "sidecars": [
                    Sidecar(name="p", image=IMAGE, health_check=ecs.HealthCheck(command=["CMD", "x"], retries=11))
                ]
            },
            r"sidecars\[0\].health_check.retries=11 is invalid: 1 to 10",
        ),
    ],
)
def test_container_health_check_errors_at_synth(
    error_stack: tuple[Stack, ec2.Vpc], props: dict[str, Any], message: str
) -> None:
    _fails(error_stack, message, **props)


# -- deployments: rolling by default, ECS-native blue/green, canary and linear -------------------


class Canary:
    stack: Stack
    web: AlbFargateService
    docs: AlbFargateService
    template: dict[str, Any]


@pytest.fixture(scope="module")
def canary() -> Canary:
    result = Canary()
    stack = new_stack("Canary")
    vpc = _vpc(stack)
    user_alarm = cloudwatch.Alarm(
        stack,
        "Latency",
        metric=cloudwatch.Metric(namespace="App", metric_name="Latency"),
        threshold=1,
        evaluation_periods=1,
    )
    result.web = AlbFargateService(
        stack,
        "Web",
        vpc=vpc,
        image=IMAGE,
        certificate=acm.Certificate.from_certificate_arn(stack, "Cert", CERT_ARN),
        deployment=Deployment.canary(percent=10, test_listener_port=8443, rollback_alarms=[user_alarm]),
    )
    result.docs = AlbFargateService(
        stack,
        "Docs",
        vpc=vpc,
        image=IMAGE,
        load_balancer_of=result.web,
        priority=10,
        path_patterns=["/docs/*"],
        deployment=Deployment.linear(step_percent=25, rollback_on_5xx=None),
    )
    result.stack, result.template = stack, dict(Template.from_stack(stack).to_json())
    return result


def _service_of(template: dict[str, Any], name: str) -> dict[str, Any]:
    return resources_of_type(template, "AWS::ECS::Service")[
        _logical_id(template, "AWS::ECS::Service", f"{name}/Service")
    ]


def test_canary_shifts_a_share_first_then_bakes_and_rolls_back_on_alarms(canary: Canary) -> None:
    template = canary.template
    config = _service_of(template, "Web")["Properties"]["DeploymentConfiguration"]
    assert config["Strategy"] == "CANARY"
    assert config["CanaryConfiguration"] == {"CanaryBakeTimeInMinutes": 5, "CanaryPercent": 10}
    assert config["BakeTimeInMinutes"] == 10
    assert config["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
    alarm_id = _logical_id(template, "AWS::CloudWatch::Alarm", "Web/Deployment5xxAlarm")
    latency_id = _logical_id(template, "AWS::CloudWatch::Alarm", "Canary/Latency")
    assert config["Alarms"] == {
        "AlarmNames": [{"Ref": latency_id}, {"Ref": alarm_id}],
        "Enable": True,
        "Rollback": True,
    }
    alarm = resources_of_type(template, "AWS::CloudWatch::Alarm")[alarm_id]["Properties"]
    assert (alarm["Threshold"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (10, 2, 2)
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert [m.get("Expression") for m in alarm["Metrics"] if "Expression" in m] == ["FILL(blue, 0) + FILL(green, 0)"]


def test_traffic_shifting_uses_two_target_groups_a_catch_all_production_rule_and_a_test_listener(
    canary: Canary,
) -> None:
    template = canary.template
    blue = _logical_id(template, "AWS::ElasticLoadBalancingV2::TargetGroup", "Web/TargetGroup/")
    green = _logical_id(template, "AWS::ElasticLoadBalancingV2::TargetGroup", "Web/AlternateTargetGroup/")
    (balancer,) = _service_of(template, "Web")["Properties"]["LoadBalancers"]
    production = _logical_id(template, "AWS::ElasticLoadBalancingV2::ListenerRule", "Web/ProductionRule")
    test_rule = _logical_id(template, "AWS::ElasticLoadBalancingV2::ListenerRule", "Web/TestRule")
    assert balancer["TargetGroupArn"] == {"Ref": blue}
    advanced = balancer["AdvancedConfiguration"]
    assert advanced["AlternateTargetGroupArn"] == {"Ref": green}
    assert advanced["ProductionListenerRule"] == {"Ref": production}
    assert advanced["TestListenerRule"] == {"Ref": test_rule}
    rule = resources_of_type(template, "AWS::ElasticLoadBalancingV2::ListenerRule")[production]["Properties"]
    assert rule["Priority"] == 50000
    assert rule["Conditions"] == [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}]
    weights = rule["Actions"][0]["ForwardConfig"]["TargetGroups"]
    assert weights == [
        {"TargetGroupArn": {"Ref": blue}, "Weight": 100},
        {"TargetGroupArn": {"Ref": green}, "Weight": 0},
    ]
    listeners = sorted(
        (v["Properties"]["Port"], v["Properties"]["Protocol"])
        for v in resources_of_type(template, "AWS::ElasticLoadBalancingV2::Listener").values()
    )
    assert listeners == [(80, "HTTP"), (443, "HTTPS"), (8443, "HTTPS")]
    assert canary.web.test_listener is not None and canary.web.alternate_target_group is not None
    # The test port is not opened to the internet: only the listener ports are.
    lb_sg = _logical_id(template, "AWS::EC2::SecurityGroup", "Web/LoadBalancerSecurityGroup")
    ports = [
        r["FromPort"]
        for r in resources_of_type(template, "AWS::EC2::SecurityGroup")[lb_sg]["Properties"]["SecurityGroupIngress"]
    ]
    assert sorted(ports) == [80, 443]


def test_a_shared_service_shifts_traffic_on_its_own_listener_rule(canary: Canary) -> None:
    template = canary.template
    config = _service_of(template, "Docs")["Properties"]["DeploymentConfiguration"]
    assert config["Strategy"] == "LINEAR"
    assert config["LinearConfiguration"] == {"StepBakeTimeInMinutes": 5, "StepPercent": 25}
    assert "Alarms" not in config  # rollback_on_5xx=None and no alarms of its own
    (balancer,) = _service_of(template, "Docs")["Properties"]["LoadBalancers"]
    rule = _logical_id(template, "AWS::ElasticLoadBalancingV2::ListenerRule", "Docs/ListenerRule")
    assert balancer["AdvancedConfiguration"]["ProductionListenerRule"] == {"Ref": rule}
    assert canary.docs.production_rule is canary.docs.listener_rule


def test_rolling_stays_the_default(public: Public) -> None:
    config = _service_of(public.template, "Web")["Properties"]["DeploymentConfiguration"]
    assert "Strategy" not in config and "Alarms" not in config
    assert public.service.alternate_target_group is None and public.service.production_rule is None


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"deployment": "CANARY"}, r"deployment='CANARY' is invalid: a buttress.Deployment"),
        (
            {"deployment": Deployment.canary(bake_time=Duration.seconds(90))},
            r"deployment.bake_time='1 minute 30 seconds' is invalid: a whole number of minutes",
        ),
        (
            {"deployment": Deployment.canary(percent=0)},
            r"deployment.percent=0 is invalid: a multiple of 0.1 from 0.1 to 100 percent \(ECS\)",
        ),
        (
            {"deployment": Deployment.blue_green(), "scale_on_requests_per_target": 100},
            r"scale_on_requests_per_target=100 is invalid: not given with deployment strategy BLUE_GREEN",
        ),
        (
            {"deployment": Deployment.blue_green(test_listener_port=80)},
            r"deployment.test_listener_port=80 is invalid: a port no other listener uses \(\[80\]\)",
        ),
        (
            {"deployment": Deployment.rolling(rollback_alarms=["HighLatency"])},  # type: ignore[list-item]
            r"deployment.rollback_alarms\[0\]='HighLatency' is invalid: a cloudwatch.IAlarm, not str",
        ),
    ],
)
def test_deployment_errors_at_synth(error_stack: tuple[Stack, ec2.Vpc], props: dict[str, Any], message: str) -> None:
    _fails(error_stack, message, **props)


def test_a_test_listener_belongs_to_the_load_balancer_owner(canary: Canary) -> None:
    with pytest.raises(
        ButtressError,
        match=r"^Canary/Extra: deployment.test_listener_port=9000 is invalid: not given with load_balancer_of",
    ):
        AlbFargateService(
            canary.stack,
            "Extra",
            vpc=canary.web.load_balancer.vpc,  # type: ignore[arg-type]
            image=IMAGE,
            load_balancer_of=canary.web,
            priority=20,
            path_patterns=["/x/*"],
            deployment=Deployment.blue_green(test_listener_port=9000),
        )


# -- hardened tasks and the idle timeout ------------------------------------------------------------


def test_non_root_read_only_task_with_writable_volumes_and_an_idle_timeout() -> None:
    stack = new_stack("Hardened")
    AlbFargateService(
        stack,
        "Web",
        vpc=_vpc(stack),
        image=IMAGE,
        protocol="HTTP",
        user="1000:1000",
        read_only_root_filesystem=True,
        writable_paths=["/tmp", "/var/cache/app"],
        idle_timeout=Duration.minutes(5),
    )
    template = dict(Template.from_stack(stack).to_json())
    task = _resource(template, "AWS::ECS::TaskDefinition")["Properties"]
    (container,) = task["ContainerDefinitions"]
    assert container["User"] == "1000:1000"
    assert container["ReadonlyRootFilesystem"] is True
    assert container["MountPoints"] == [
        {"ContainerPath": "/tmp", "ReadOnly": False, "SourceVolume": "writable-0"},
        {"ContainerPath": "/var/cache/app", "ReadOnly": False, "SourceVolume": "writable-1"},
    ]
    assert task["Volumes"] == [{"Name": "writable-0"}, {"Name": "writable-1"}]
    lb = _resource(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]
    attributes = {a["Key"]: a["Value"] for a in lb["LoadBalancerAttributes"]}
    assert attributes["idle_timeout.timeout_seconds"] == "300"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"user": "root"}, r"user='root' is invalid: a non-root user"),
        ({"writable_paths": ["/tmp"]}, r"writable_paths=\['/tmp'\] is invalid: only with read_only_root_filesystem"),
        ({"read_only_root_filesystem": "yes"}, r"read_only_root_filesystem='yes' is invalid: True or False"),
        ({"idle_timeout": Duration.hours(2)}, r"idle_timeout='7200s' is invalid: 1 to 4000 seconds"),
        ({"idle_timeout": 60}, r"idle_timeout=60 is invalid: a Duration"),
    ],
)
def test_hardening_errors_at_synth(error_stack: tuple[Stack, ec2.Vpc], props: dict[str, Any], message: str) -> None:
    _fails(error_stack, message, **props)


def test_idle_timeout_belongs_to_the_load_balancer_owner(shared: Shared) -> None:
    with pytest.raises(
        ButtressError, match=r"^Shared/Idle: idle_timeout=.* is invalid: not given with load_balancer_of"
    ):
        AlbFargateService(
            shared.stack,
            "Idle",
            vpc=shared.web.load_balancer.vpc,  # type: ignore[arg-type]
            image=IMAGE,
            load_balancer_of=shared.web,
            priority=99,
            path_patterns=["/idle/*"],
            idle_timeout=Duration.minutes(5),
        )


# -- ECS Exec ----------------------------------------------------------------------------------------


def test_ecs_exec_logs_sessions_to_an_encrypted_log_group_and_stays_nag_clean() -> None:
    from aws_cdk import Validations
    from cdk_nag import AwsSolutionsChecks

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "Exec")
    service = AlbFargateService(stack, "Web", vpc=Network(stack, "Net"), image=IMAGE, protocol="HTTP", enable_exec=True)
    CoreAnnotations.of(service).acknowledge_warning(PLAIN_HTTP_WARNING, "test")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    template = app.synth().get_stack_by_name("Exec").template
    key = _logical_id(template, "AWS::KMS::Key", "Web/ExecKey")
    logs_id = _logical_id(template, "AWS::Logs::LogGroup", "Web/ExecLogs")
    assert template["Resources"][key]["Properties"]["EnableKeyRotation"] is True
    assert template["Resources"][logs_id]["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key, "Arn"]}
    cluster = _resource(template, "AWS::ECS::Cluster")["Properties"]
    assert cluster["Configuration"]["ExecuteCommandConfiguration"] == {
        "KmsKeyId": {"Fn::GetAtt": [key, "Arn"]},
        "LogConfiguration": {"CloudWatchEncryptionEnabled": True, "CloudWatchLogGroupName": {"Ref": logs_id}},
        "Logging": "OVERRIDE",
    }
    assert _resource(template, "AWS::ECS::Service")["Properties"]["EnableExecuteCommand"] is True
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for k, p in resources_of_type(template, "AWS::IAM::Policy").items()
        if "TaskRole" in k
    ]
    granted = {
        action: json.dumps(statement["Resource"])
        for statement in policy
        for action in (statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]])
    }
    assert set(granted) == {
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
        "logs:DescribeLogGroups",
        "kms:Decrypt",
        "kms:GenerateDataKey",
        "logs:CreateLogStream",
        "logs:DescribeLogStreams",
        "logs:PutLogEvents",
    }
    assert granted["kms:Decrypt"] == json.dumps({"Fn::GetAtt": [key, "Arn"]})
    assert logs_id in granted["logs:PutLogEvents"]
    assert service.exec_key is not None and service.exec_log_group is not None


def test_ecs_exec_needs_the_constructs_own_cluster(error_stack: tuple[Stack, ec2.Vpc]) -> None:
    stack, vpc = error_stack
    cluster = ecs.Cluster(stack, f"Shared{next(_counter)}", vpc=vpc)
    _fails(error_stack, r"enable_exec=True is invalid: only without cluster", enable_exec=True, cluster=cluster)
    _fails(error_stack, r"enable_exec='yes' is invalid: True or False", enable_exec="yes")


# -- dual-stack --------------------------------------------------------------------------------------


def test_dual_stack_load_balancer_admits_ipv6_and_gets_an_aaaa_alias() -> None:
    stack = new_stack("DualStack")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1, ip_protocol=ec2.IpProtocol.DUAL_STACK)
    AlbFargateService(
        stack, "Web", vpc=vpc, image=IMAGE, dual_stack=True, domain_name="www.example.com", hosted_zone=_zone(stack)
    )
    template = dict(Template.from_stack(stack).to_json())
    lb = _resource(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]
    assert lb["IpAddressType"] == "dualstack"
    sg = _logical_id(template, "AWS::EC2::SecurityGroup", "Web/LoadBalancerSecurityGroup")
    ingress = resources_of_type(template, "AWS::EC2::SecurityGroup")[sg]["Properties"]["SecurityGroupIngress"]
    assert sorted((r.get("CidrIp") or r.get("CidrIpv6"), r["FromPort"]) for r in ingress) == [
        ("0.0.0.0/0", 80),
        ("0.0.0.0/0", 443),
        ("::/0", 80),
        ("::/0", 443),
    ]
    records = sorted(r["Properties"]["Type"] for r in resources_of_type(template, "AWS::Route53::RecordSet").values())
    assert records == ["A", "AAAA"]


def test_dual_stack_needs_ipv6_in_the_vpc(error_stack: tuple[Stack, ec2.Vpc]) -> None:
    _fails(error_stack, r"dual_stack=True is invalid: only in a VPC with IPv6 \(Errors/Vpc has none\)", dual_stack=True)
    _fails(error_stack, r"ingress_cidrs='::/0' is invalid: an IPv4 CIDR", ingress_cidrs=["::/0"])
