"""AlbFargateService: A public HTTPS service with everything on: every secure default in the template."""

from __future__ import annotations

import json

from aws_cdk import aws_ecs as ecs
from aws_cdk.assertions import Annotations, Match

from tests.fargate.helpers import (
    CERT_ARN,
    Public,
    logical_id_of,
    one_resource,
)
from tests.harness import resources_of_type

# -- a public HTTPS service with everything on ----------------------------------------------


def test_tasks_have_no_public_ip_and_run_in_private_subnets(public: Public) -> None:
    service = one_resource(public.template, "AWS::ECS::Service")["Properties"]
    awsvpc = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert awsvpc["AssignPublicIp"] == "DISABLED"
    private_subnets = [
        {"Ref": k}
        for k, v in resources_of_type(public.template, "AWS::EC2::Subnet").items()
        if "PrivateSubnet" in v["Metadata"]["aws:cdk:path"]
    ]
    assert sorted(map(json.dumps, awsvpc["Subnets"])) == sorted(map(json.dumps, private_subnets))


def test_task_security_group_admits_only_the_load_balancer_on_the_container_port(public: Public) -> None:
    task_sg = logical_id_of(public.template, "AWS::EC2::SecurityGroup", "Web/TaskSecurityGroup")
    lb_sg = logical_id_of(public.template, "AWS::EC2::SecurityGroup", "Web/LoadBalancerSecurityGroup")
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
    lb_sg = logical_id_of(public.template, "AWS::EC2::SecurityGroup", "Web/LoadBalancerSecurityGroup")
    ingress = public.template["Resources"][lb_sg]["Properties"]["SecurityGroupIngress"]
    assert sorted((r["CidrIp"], r["FromPort"], r["ToPort"]) for r in ingress) == [
        ("0.0.0.0/0", 80, 80),
        ("0.0.0.0/0", 443, 443),
    ]
    lb = one_resource(public.template, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]
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
    service = one_resource(public.template, "AWS::ECS::Service")["Properties"]
    assert service["DeploymentConfiguration"] == {
        "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True},
        "MaximumPercent": 200,
        "MinimumHealthyPercent": 100,
    }
    assert service["HealthCheckGracePeriodSeconds"] == 60
    # A capacity-provider strategy rather than LaunchType: turning spot on later is an in-place update.
    assert service["CapacityProviderStrategy"] == [{"CapacityProvider": "FARGATE", "Weight": 1}]
    assert "LaunchType" not in service
    # Auto scaling owns the task count: a deployment must not reset it.
    assert "DesiredCount" not in service


def test_target_group_health_check_and_fast_draining(public: Public) -> None:
    tg = one_resource(public.template, "AWS::ElasticLoadBalancingV2::TargetGroup")["Properties"]
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
    target = one_resource(public.template, "AWS::ApplicationAutoScaling::ScalableTarget")["Properties"]
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
    cluster = one_resource(public.template, "AWS::ECS::Cluster")["Properties"]
    assert cluster["ClusterSettings"] == [{"Name": "containerInsights", "Value": "enabled"}]
    log_group = resources_of_type(public.template, "AWS::Logs::LogGroup")[
        logical_id_of(public.template, "AWS::Logs::LogGroup", "Web/Logs/")
    ]
    assert log_group["Properties"]["RetentionInDays"] == 30
    assert log_group["DeletionPolicy"] == "Retain"
    containers = one_resource(public.template, "AWS::ECS::TaskDefinition")["Properties"]["ContainerDefinitions"]
    assert {c["Name"]: c["LogConfiguration"]["LogDriver"] for c in containers} == {"app": "awslogs", "proxy": "awslogs"}


def test_load_balancer_hardening_and_access_logs(public: Public) -> None:
    lb = one_resource(public.template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    attributes = {a["Key"]: a["Value"] for a in lb["Properties"]["LoadBalancerAttributes"]}
    bucket_id = logical_id_of(public.template, "AWS::S3::Bucket", "Web/AccessLogs")
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
    policy = one_resource(public.template, "AWS::S3::BucketPolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert {"Bool": {"aws:SecureTransport": "false"}} in [
        s.get("Condition") for s in statements if s["Effect"] == "Deny"
    ]
    delivery = [s for s in statements if s["Effect"] == "Allow"]
    assert [s["Action"] for s in delivery] == ["s3:PutObject"]
    assert delivery[0]["Principal"]["Service"] == "logdelivery.elasticloadbalancing.amazonaws.com"
    # The load balancer is created after the policy that lets it write (else creation fails).
    policy_id = logical_id_of(public.template, "AWS::S3::BucketPolicy", "Web/AccessLogs")
    assert policy_id in lb["DependsOn"]


def test_env_agnostic_stack_looks_up_the_elb_account_at_deploy_time(public: Public) -> None:
    accounts = public.template["Mappings"]["ButtressElbAccounts"]
    assert accounts["us-east-1"] == {"account": "127311923021"}
    assert accounts["ap-southeast-5"] == {"account": "none"}
    assert "ButtressRegionHasElbAccount" in public.template["Conditions"]


def test_secrets_are_readable_exactly_and_only_by_the_execution_role(public: Public) -> None:
    containers = one_resource(public.template, "AWS::ECS::TaskDefinition")["Properties"]["ContainerDefinitions"]
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
    secret_id = logical_id_of(public.template, "AWS::SecretsManager::Secret", "Public/Secret")
    sm_statement = next(s for s in statements if "secretsmanager:GetSecretValue" in s["Action"])
    assert sm_statement["Resource"] == {"Ref": secret_id}


def test_sidecar_shares_the_task_and_its_localhost(public: Public) -> None:
    task = one_resource(public.template, "AWS::ECS::TaskDefinition")["Properties"]
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
