"""VpcCodeBuild: fine-grained template assertions in bare stacks, and every synth-time error."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template

from buttress import BuildCache, ButtressError, Network, VpcCodeBuild
from tests.harness import new_stack

SPEC: dict[str, Any] = {"version": "0.2", "phases": {"build": {"commands": ["pytest"]}}}
SPEC_WITH_ARTIFACTS: dict[str, Any] = {**SPEC, "artifacts": {"files": ["report.xml"]}}
_ids = itertools.count()


def only(template: Template, type_: str) -> tuple[str, Any]:
    found = template.find_resources(type_)
    assert len(found) == 1, sorted(found)
    return next(iter(found.items()))


def project_of(template: Template) -> Any:
    return only(template, "AWS::CodeBuild::Project")[1]


# --- a project with most features, in private subnets ------------------------------------------


@pytest.fixture(scope="module")
def full() -> tuple[Stack, VpcCodeBuild, Template]:
    stack = new_stack("Full")
    network = Network(stack, "Net")
    database = ec2.SecurityGroup(stack, "Database", vpc=network.vpc, allow_all_outbound=False)
    build = VpcCodeBuild(
        stack,
        "Build",
        vpc=network,
        build_spec=SPEC_WITH_ARTIFACTS,
        concurrent_build_limit=4,
        artifacts=True,
        cache="s3",
        timeout=Duration.minutes(30),
        environment_variables={"STAGE": "ci"},
        parameter_store_variables={"DB_HOST": "/ci/db/host"},
        secrets_manager_variables={"DB_PASSWORD": "ci/db-password:password"},
    )
    build.allow_to(database, 5432, "integration tests to the database")
    starter = iam.Role(stack, "Starter", assumed_by=iam.AccountRootPrincipal())
    build.grant_start_build(starter)
    return stack, build, Template.from_stack(stack)


def test_project_runs_in_the_private_subnets_with_its_own_security_group(full: Any) -> None:
    stack, build, template = full
    vpc_config = project_of(template)["Properties"]["VpcConfig"]
    private = build.network.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS).subnet_ids
    assert vpc_config["Subnets"] == [stack.resolve(s) for s in private]
    assert vpc_config["VpcId"] == stack.resolve(build.network.vpc.vpc_id)
    assert vpc_config["SecurityGroupIds"] == [stack.resolve(build.security_group.security_group_id)]


def test_security_group_allows_https_out_and_the_granted_path_only(full: Any) -> None:
    stack, build, template = full
    sg_id = stack.get_logical_id(build.security_group.node.default_child)
    group = template.to_json()["Resources"][stack.resolve(sg_id)]
    assert group["Properties"]["SecurityGroupEgress"] == [
        {
            "CidrIp": "0.0.0.0/0",
            "Description": "HTTPS: AWS APIs (endpoints or NAT), source hosts, registries",
            "FromPort": 443,
            "IpProtocol": "tcp",
            "ToPort": 443,
        }
    ]
    sg_ref = {"Fn::GetAtt": [stack.resolve(sg_id), "GroupId"]}
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupEgress",
        {
            "GroupId": sg_ref,
            "FromPort": 5432,
            "ToPort": 5432,
            "IpProtocol": "tcp",
            "DestinationSecurityGroupId": Match.any_value(),
        },
    )
    template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "SourceSecurityGroupId": sg_ref,
            "FromPort": 5432,
            "ToPort": 5432,
            "Description": "integration tests to the database",
        },
    )
    assert len(template.find_resources("AWS::EC2::SecurityGroupEgress")) == 1


def test_eni_permissions_are_conditioned_and_the_project_waits_for_them(full: Any) -> None:
    stack, build, template = full
    policy_id, policy = only_policy(template, "VpcPolicy")
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert statements["BuildNetworkInterfaces"]["Resource"] == "*"
    assert "ec2:DescribeSecurityGroups" in statements["BuildNetworkInterfaces"]["Action"]
    permission = statements["BuildNetworkInterfacePermission"]
    assert permission["Action"] == "ec2:CreateNetworkInterfacePermission"
    condition = permission["Condition"]["StringEquals"]
    assert condition["ec2:AuthorizedService"] == "codebuild.amazonaws.com"
    private = build.network.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS).subnet_ids
    assert [arn["Fn::Join"][1][-1] for arn in condition["ec2:Subnet"]] == [stack.resolve(s) for s in private]
    assert policy["Properties"]["Roles"] == [
        {"Ref": stack.resolve(stack.get_logical_id(build.role.node.default_child))}
    ]
    assert policy_id in project_of(template)["DependsOn"]


def only_policy(template: Template, name_part: str) -> tuple[str, Any]:
    found = {k: v for k, v in template.find_resources("AWS::IAM::Policy").items() if name_part in k}
    assert len(found) == 1, sorted(found)
    return next(iter(found.items()))


def test_no_eni_permission_lands_in_the_default_policy(full: Any) -> None:
    # The default policy refers to the project, so it is created after it: nothing CodeBuild
    # checks at creation may live there.
    _, policy = only_policy(full[2], "BuildProjectRoleDefaultPolicy")
    actions = [a for s in policy["Properties"]["PolicyDocument"]["Statement"] for a in _list(s["Action"])]
    assert not [a for a in actions if a.startswith("ec2:")]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_kms_key_encrypts_project_logs_and_bucket(full: Any) -> None:
    stack, build, template = full
    key_arn = {"Fn::GetAtt": [stack.resolve(stack.get_logical_id(build.encryption_key.node.default_child)), "Arn"]}
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    assert project_of(template)["Properties"]["EncryptionKey"] == key_arn
    template.has_resource_properties("AWS::Logs::LogGroup", {"KmsKeyId": key_arn, "RetentionInDays": 30})
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {
                        "BucketKeyEnabled": True,
                        "ServerSideEncryptionByDefault": {"KMSMasterKeyID": key_arn, "SSEAlgorithm": "aws:kms"},
                    }
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "LoggingConfiguration": Match.object_like({"LogFilePrefix": "artifacts-bucket/"}),
        },
    )


def test_key_policy_lets_cloudwatch_logs_use_the_key_for_this_log_group_only(full: Any) -> None:
    stack, build, template = full
    _, key = only(template, "AWS::KMS::Key")
    logs_statement = next(
        s for s in key["Properties"]["KeyPolicy"]["Statement"] if s.get("Sid") == "CloudWatchLogsForTheBuildLogGroup"
    )
    arn = logs_statement["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]
    group = template.to_json()["Resources"][stack.resolve(stack.get_logical_id(build.log_group.node.default_child))]
    assert group["Properties"]["LogGroupName"].startswith("/buttress/codebuild/")
    assert arn["Fn::Join"][1][-1] == f":log-group:{group['Properties']['LogGroupName']}"
    assert project_of(template)["Properties"]["LogsConfig"]["CloudWatchLogs"]["Status"] == "ENABLED"


@pytest.mark.parametrize("bucket", ["bucket", "access_logs_bucket"])
def test_buckets_deny_plain_http(full: Any, bucket: str) -> None:
    stack, build, template = full
    logical_id = stack.resolve(stack.get_logical_id(getattr(build, bucket).node.default_child))
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": logical_id},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Effect": "Deny",
                                "Action": "s3:*",
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            }
                        )
                    ]
                )
            },
        },
    )


def test_project_settings(full: Any) -> None:
    stack, build, template = full
    props = project_of(template)["Properties"]
    bucket_ref = {"Ref": stack.resolve(stack.get_logical_id(build.bucket.node.default_child))}
    assert props["ConcurrentBuildLimit"] == 4
    assert props["TimeoutInMinutes"] == 30
    assert props["Environment"]["PrivilegedMode"] is False
    assert props["Environment"]["ComputeType"] == "BUILD_GENERAL1_SMALL"
    assert props["Environment"]["Image"] == "aws/codebuild/standard:7.0"
    assert props["Cache"] == {"Type": "S3", "Location": {"Fn::Join": ["/", [bucket_ref, "cache"]]}}
    assert props["Artifacts"]["Location"] == bucket_ref
    assert props["Artifacts"]["Path"] == "artifacts"
    assert props["Source"]["Type"] == "NO_SOURCE"
    assert '"report.xml"' in props["Source"]["BuildSpec"]
    assert props["Environment"]["EnvironmentVariables"] == [
        {"Name": "STAGE", "Type": "PLAINTEXT", "Value": "ci"},
        {"Name": "DB_HOST", "Type": "PARAMETER_STORE", "Value": "/ci/db/host"},
        {"Name": "DB_PASSWORD", "Type": "SECRETS_MANAGER", "Value": "ci/db-password:password"},
    ]


def test_artifacts_expire_and_incomplete_uploads_are_aborted(full: Any) -> None:
    stack, build, template = full
    bucket = template.to_json()["Resources"][stack.resolve(stack.get_logical_id(build.bucket.node.default_child))]
    assert bucket["Properties"]["LifecycleConfiguration"]["Rules"] == [
        {
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
            "Id": "AbortIncompleteUploads",
            "Status": "Enabled",
        },
        {"ExpirationInDays": 90, "Id": "ExpireArtifacts", "Prefix": "artifacts/", "Status": "Enabled"},
    ]


def test_parameter_and_secret_reads_are_scoped_to_exactly_those(full: Any) -> None:
    _, policy = only_policy(full[2], "BuildProjectRoleDefaultPolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    ssm = [s for s in statements if "ssm" in str(s["Action"])]
    secrets = [s for s in statements if "secretsmanager" in str(s["Action"])]
    assert [s["Action"] for s in ssm] == ["ssm:GetParameters"]
    assert ssm[0]["Resource"]["Fn::Join"][1][-1] == ":parameter/ci/db/host"
    assert [s["Action"] for s in secrets] == ["secretsmanager:GetSecretValue"]
    assert secrets[0]["Resource"]["Fn::Join"][1][-1] == ":secret:ci/db-password-??????"


def test_grant_start_build_is_scoped_to_the_project(full: Any) -> None:
    stack, build, template = full
    _, policy = only_policy(template, "StarterDefaultPolicy")
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["codebuild:BatchGetBuilds", "codebuild:StartBuild", "codebuild:StopBuild"]
    assert statement["Resource"] == stack.resolve(build.project.project_arn)


def test_metric_failed_builds(full: Any) -> None:
    metric = full[1].metric_failed_builds()
    assert (metric.namespace, metric.metric_name, metric.statistic) == ("AWS/CodeBuild", "FailedBuilds", "Sum")


def test_no_warning_with_a_limit(full: Any) -> None:
    Annotations.from_stack(full[0]).has_no_warning("*", Match.any_value())


# --- defaults, isolated subnets, imported role, warning -----------------------------------------


def test_defaults_need_no_bucket_and_warn_what_the_subnets_hold() -> None:
    stack = new_stack("Defaults")
    build = VpcCodeBuild(stack, "Build", vpc=Network(stack, "Net"), build_spec=SPEC)
    template = Template.from_stack(stack)
    props = project_of(template)["Properties"]
    assert "ConcurrentBuildLimit" not in props
    assert props["TimeoutInMinutes"] == 60
    assert props["Artifacts"] == {"Type": "NO_ARTIFACTS"}
    assert props["Cache"] == {"Type": "NO_CACHE"}
    assert build.bucket is None
    template.resource_count_is("AWS::S3::Bucket", 0)
    template.has_resource("AWS::KMS::Key", {"DeletionPolicy": "Retain"})
    Annotations.from_stack(stack).has_warning(
        "/Defaults/Build",
        Match.string_like_regexp(
            r"no concurrent_build_limit: the selected subnets "
            r"\(10\.0\.16\.0/20: 4091, 10\.0\.32\.0/20: 4091\) hold 8182"
        ),
    )


def test_isolated_project_with_codecommit_source_and_the_endpoints_it_needs() -> None:
    stack = new_stack("Isolated")
    network = Network(stack, "Net", interface_endpoints=["logs", "git-codecommit"])
    repo = codecommit.Repository.from_repository_name(stack, "Repo", "app")
    build = VpcCodeBuild(
        stack,
        "Build",
        vpc=network,
        source=codebuild.Source.code_commit(repository=repo),
        subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
        concurrent_build_limit=10,
        cache="local",
    )
    template = Template.from_stack(stack)
    props = project_of(template)["Properties"]
    isolated = network.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED).subnet_ids
    assert props["VpcConfig"]["Subnets"] == [stack.resolve(s) for s in isolated]
    assert props["Source"]["Type"] == "CODECOMMIT"
    assert props["Source"]["BuildSpec"] == "buildspec.yml"
    assert props["Cache"] == {"Type": "LOCAL", "Modes": ["LOCAL_SOURCE_CACHE", "LOCAL_CUSTOM_CACHE"]}
    assert build.bucket is None


def test_github_and_s3_sources_read_the_build_spec_file_from_the_source() -> None:
    stack = new_stack("Sources")
    network = Network(stack, "Net")
    bucket = s3.Bucket.from_bucket_name(stack, "Sources", "sources")
    sources = {
        "GitHub": codebuild.Source.git_hub(owner="example", repo="app", webhook=False),
        "S3": codebuild.Source.s3(bucket=bucket, path="app.zip"),
    }
    for name, source in sources.items():
        VpcCodeBuild(stack, name, vpc=network, source=source, build_spec="ci/spec.yml", concurrent_build_limit=2)
    projects = Template.from_stack(stack).find_resources("AWS::CodeBuild::Project")
    assert sorted(
        (p["Properties"]["Source"]["Type"], p["Properties"]["Source"]["BuildSpec"]) for p in projects.values()
    ) == [
        ("GITHUB", "ci/spec.yml"),
        ("S3", "ci/spec.yml"),
    ]


def test_github_source_cannot_build_in_isolated_subnets(errors_stack: Any) -> None:
    with pytest.raises(ButtressError, match="the GITHUB source can only be reached over the internet"):
        build_in(
            errors_stack,
            source=codebuild.Source.git_hub(owner="example", repo="app", webhook=False),
            subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
        )


def test_imported_mutable_role_gets_the_eni_policy_before_the_project() -> None:
    stack = new_stack("Imported")
    role = iam.Role.from_role_arn(stack, "Role", "arn:aws:iam::123456789012:role/ci-builds")
    VpcCodeBuild(stack, "Build", vpc=Network(stack, "Net"), build_spec=SPEC, concurrent_build_limit=2, role=role)
    template = Template.from_stack(stack)
    policy_id, policy = only_policy(template, "VpcPolicy")
    assert policy["Properties"]["Roles"] == ["ci-builds"]
    assert policy_id in project_of(template)["DependsOn"]
    assert project_of(template)["Properties"]["ServiceRole"] == "arn:aws:iam::123456789012:role/ci-builds"
    template.resource_count_is("AWS::IAM::Role", 2)  # the Network's flow-log and custom-resource roles
    assert "codebuild" not in str(template.find_resources("AWS::IAM::Role"))


def test_privileged_only_on_request_and_docker_layer_cache() -> None:
    stack = new_stack("Privileged")
    VpcCodeBuild(
        stack,
        "Build",
        vpc=Network(stack, "Net"),
        build_spec=SPEC,
        concurrent_build_limit=2,
        privileged=True,
        cache="local",
        local_cache_modes=[codebuild.LocalCacheMode.DOCKER_LAYER],
        compute_type=codebuild.ComputeType.MEDIUM,
    )
    props = project_of(Template.from_stack(stack))["Properties"]
    assert props["Environment"]["PrivilegedMode"] is True
    assert props["Environment"]["ComputeType"] == "BUILD_GENERAL1_MEDIUM"
    assert props["Cache"]["Modes"] == ["LOCAL_DOCKER_LAYER_CACHE"]


# --- errors --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def errors_stack() -> tuple[Stack, Network]:
    stack = new_stack("Errors")
    return stack, Network(stack, "Net")


def build_in(errors_stack: tuple[Stack, Network], **props: Any) -> VpcCodeBuild:
    stack, network = errors_stack
    props.setdefault("build_spec", SPEC)
    props.setdefault("concurrent_build_limit", 2)
    return VpcCodeBuild(stack, f"Build{next(_ids)}", vpc=network, **props)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"subnet_type": ec2.SubnetType.PUBLIC},
            r"subnet_type='PUBLIC' is invalid: PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED",
        ),
        ({"build_spec": None}, r"build_spec=None is invalid: a build spec mapping"),
        ({"build_spec": "buildspec.yml"}, r"build_spec='buildspec.yml' is invalid: a build spec mapping: .* no files"),
        ({"build_spec": {"phases": {}}}, r"build_spec=\['phases'\] is invalid: .*'version'"),
        (
            {"build_spec": SPEC, "artifacts": True},
            r"build_spec=\['phases', 'version'\] is invalid: an 'artifacts' section",
        ),
        ({"timeout": Duration.minutes(2)}, r"timeout='2 minutes' is invalid: whole minutes from 5 to 2160"),
        ({"timeout": Duration.hours(40)}, r"timeout='1 day 16 hours' is invalid"),
        ({"cache": "efs"}, r"cache='efs' is invalid: one of 'none', 'local', 's3' \(or buttress.BuildCache.<NAME>\)"),
        ({"cache": "S3"}, r"cache='S3' is invalid: .*\(did you mean 's3'\?\)"),
        (
            {"cache": "local", "local_cache_modes": [codebuild.LocalCacheMode.DOCKER_LAYER]},
            r"local_cache_modes='DOCKER_LAYER' is invalid: .*privileged=True",
        ),
        ({"environment_variables": {"1X": "a"}}, r"environment_variables='1X' is invalid: variable names"),
        ({"environment_variables": {"CODEBUILD_X": "a"}}, r"environment_variables='CODEBUILD_X' is invalid"),
        (
            {"environment_variables": {"X": "a"}, "parameter_store_variables": {"X": "/p"}},
            r"parameter_store_variables='X' is invalid: a name not already set",
        ),
        ({"secrets_manager_variables": {"S": " "}}, r"secrets_manager_variables=\{'S': ' '\} is invalid"),
        ({"build_services": ["sts", "nope"]}, r"build_services=\['nope'\] is invalid"),
        ({"concurrent_build_limit": 0}, r"concurrent_build_limit=0 is invalid: at least 1"),
        (
            {"parameter_store_variables": {"P": "arn:aws:ssm:eu-west-1:123456789012:parameter/p"}},
            r"parameter_store_variables=\{'P': 'arn:aws:ssm:.*'\} is invalid: a parameter name such as",
        ),
        (
            {"artifact_expiration": Duration.days(5)},
            r"artifact_expiration='5 days' is invalid: only with artifacts=True",
        ),
        (
            {"artifacts": True, "build_spec": SPEC_WITH_ARTIFACTS, "artifact_expiration": Duration.hours(36)},
            r"artifact_expiration='1 day 12 hours' is invalid: whole days, at least 1, or None",
        ),
        (
            {"build_image": codebuild.LinuxLambdaBuildImage.AMAZON_LINUX_2023_PYTHON_3_12},
            r"build_image='aws/codebuild/amazonlinux-x86_64-lambda-standard:python3.12' is invalid: an EC2-compute",
        ),
    ],
)
def test_bad_props_fail_at_synth_naming_the_prop(errors_stack: Any, props: dict[str, Any], message: str) -> None:
    with pytest.raises(ButtressError, match=message):
        build_in(errors_stack, **props)


def test_file_build_spec_from_the_source_must_be_relative(errors_stack: Any) -> None:
    bucket = s3.Bucket.from_bucket_name(errors_stack[0], f"Src{next(_ids)}", "sources")
    with pytest.raises(ButtressError, match=r"build_spec='/ci/spec\.yml' is invalid: a file path relative"):
        build_in(errors_stack, source=codebuild.Source.s3(bucket=bucket, path="app.zip"), build_spec="/ci/spec.yml")


def test_immutable_imported_role_is_rejected(errors_stack: Any) -> None:
    role = iam.Role.from_role_arn(
        errors_stack[0], f"Role{next(_ids)}", "arn:aws:iam::123456789012:role/x", mutable=False
    )
    with pytest.raises(ButtressError, match=r"role='arn:aws:iam::123456789012:role/x' is invalid: .*mutable=True"):
        build_in(errors_stack, role=role)


def test_allow_to_rejects_bad_ports(errors_stack: Any) -> None:
    build = build_in(errors_stack)
    with pytest.raises(ButtressError, match="port=70000 is invalid: a TCP port from 1 to 65535"):
        build.allow_to(build, 70000)


def test_a_28_subnet_pair_cannot_hold_twenty_builds() -> None:
    stack = new_stack("Small")
    network = Network(
        stack, "Net", cidr="10.0.0.0/24", public_subnet_mask=26, private_subnet_mask=28, isolated_subnet_mask=28
    )
    with pytest.raises(ButtressError) as err:
        VpcCodeBuild(stack, "Build", vpc=network, build_spec=SPEC, concurrent_build_limit=20)
    assert str(err.value).startswith("Small/Build: concurrent_build_limit=20 is invalid:")
    assert "hold 22" in str(err.value)


def synth_error(stack: Stack) -> str:
    """The message of the validation error synthesizing ``stack`` raises."""
    with pytest.raises(RuntimeError, match="Validation failed") as err:
        Template.from_stack(stack)
    return str(err.value)


def test_isolated_subnets_without_the_logs_endpoint_fail_at_synth_naming_it() -> None:
    stack = new_stack("NoLogsEndpoint")
    VpcCodeBuild(
        stack, "Build", vpc=Network(stack, "Net"), build_spec=SPEC, subnet_type=ec2.SubnetType.PRIVATE_ISOLATED
    )
    assert (
        "[NoLogsEndpoint/Build] subnet_type='PRIVATE_ISOLATED' is invalid: builds in isolated subnets reach AWS only "
        "through VPC endpoints and the network lacks: logs (CloudWatch Logs: stream the build log). "
        "Add them (Network interface_endpoints=['logs']) or use PRIVATE_WITH_EGRESS subnets"
    ) in synth_error(stack)


def test_isolated_subnets_with_an_ecr_image_list_the_ecr_endpoints() -> None:
    stack = new_stack("EcrImage")
    image = codebuild.LinuxBuildImage.from_docker_registry("123456789012.dkr.ecr.eu-west-1.amazonaws.com/ci:1")
    VpcCodeBuild(
        stack,
        "Build",
        vpc=Network(stack, "Net"),
        build_spec=SPEC,
        concurrent_build_limit=2,
        subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
        build_image=image,
        build_services=["sts"],
    )
    assert "interface_endpoints=['ecr.api', 'ecr.dkr', 'logs', 'sts']" in synth_error(stack)


def test_endpoints_added_to_the_network_after_the_project_count() -> None:
    stack = new_stack("LateEndpoints")
    network = Network(stack, "Net")
    VpcCodeBuild(
        stack,
        "Build",
        vpc=network,
        build_spec=SPEC,
        concurrent_build_limit=2,
        subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
    )
    network.add_interface_endpoint("logs")
    props = project_of(Template.from_stack(stack))["Properties"]
    isolated = network.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED).subnet_ids
    assert props["VpcConfig"]["Subnets"] == [stack.resolve(s) for s in isolated]


def test_network_without_isolated_subnets(errors_stack: Any) -> None:
    stack = new_stack("NoIsolated")
    network = Network(stack, "Net", isolated_subnet_mask=None)
    with pytest.raises(
        ButtressError,
        match=r"subnet_type='PRIVATE_ISOLATED' is invalid: a subnet type the network has \(it has no isolated",
    ):
        VpcCodeBuild(stack, "Build", vpc=network, build_spec=SPEC, subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)


# --- every prop type-checked: exact messages, naming the construct ----------------------------


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"concurrent_build_limit": "4"},
            "concurrent_build_limit='4' is invalid: a whole number (int) of at least 1, not str",
        ),
        ({"environment_variables": {"X": 1}}, "environment_variables['X']=1 is invalid: a string (write '1'), not int"),
        (
            {"environment_variables": ["X=1"]},
            "environment_variables=['X=1'] is invalid: a mapping of strings to strings, not list",
        ),
        (
            {"parameter_store_variables": {"P": None}},
            "parameter_store_variables['P']=None is invalid: a string (write 'None'), not NoneType",
        ),
        (
            {"build_services": "sts"},
            "build_services='sts' is invalid: a list of strings, not one string: write ['sts']",
        ),
        ({"privileged": "false"}, "privileged='false' is invalid: True or False, not str"),
        ({"artifacts": 1}, "artifacts=1 is invalid: True or False, not int"),
        ({"description": 7}, "description=7 is invalid: a string, not int"),
        ({"timeout": 60}, "timeout=60 is invalid: a Duration (e.g. Duration.hours(1)) or None, not int"),
        ({"subnet_type": "PRIVATE_ISOLATED"}, "subnet_type='PRIVATE_ISOLATED' is invalid: an ec2.SubnetType, not str"),
        ({"compute_type": "SMALL"}, "compute_type='SMALL' is invalid: a codebuild.ComputeType, not str"),
        ({"log_retention": 30}, "log_retention=30 is invalid: a logs.RetentionDays, not int"),
        ({"removal_policy": "retain"}, "removal_policy='retain' is invalid: a RemovalPolicy, not str"),
        (
            {"build_image": "aws/codebuild/standard:7.0"},
            "build_image='aws/codebuild/standard:7.0' is invalid: "
            "a codebuild.IBuildImage (LinuxBuildImage...), not str",
        ),
        ({"role": "arn:aws:iam::1:role/x"}, "role='arn:aws:iam::1:role/x' is invalid: an iam.IRole, not str"),
        (
            {"build_spec": 3},
            "build_spec=3 is invalid: a mapping (build spec object) or a file name in the source, not int",
        ),
        (
            {"cache": "local", "local_cache_modes": "SOURCE"},
            "local_cache_modes='SOURCE' is invalid: a list of codebuild.LocalCacheMode members, not str",
        ),
        (
            {"cache": "local", "local_cache_modes": ["SOURCE"]},
            "local_cache_modes[0]='SOURCE' is invalid: a codebuild.LocalCacheMode, not str",
        ),
        ({"vpc": "vpc-123"}, "vpc='vpc-123' is invalid: a buttress.Network or an ec2.IVpc"),
    ],
)
def test_mistyped_props_are_buttress_errors_naming_the_construct(
    errors_stack: Any, props: dict[str, Any], message: str
) -> None:
    stack, network = errors_stack
    given: dict[str, Any] = {"vpc": network, "build_spec": SPEC, "concurrent_build_limit": 2, **props}
    with pytest.raises(ButtressError) as err:
        VpcCodeBuild(stack, "Typed", **given)
    assert str(err.value).startswith(f"Errors/Typed: {message}"), str(err.value)


# --- nothing silently ignored: props that only apply in one mode ---------------------------------


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"local_cache_modes": [codebuild.LocalCacheMode.SOURCE]},
            "local_cache_modes=['SOURCE'] is invalid: only with cache='local': with cache='none' there is no local "
            "cache for them to configure",
        ),
        (
            {"cache": "s3", "local_cache_modes": [codebuild.LocalCacheMode.SOURCE]},
            "local_cache_modes=['SOURCE'] is invalid: only with cache='local': with cache='s3'",
        ),
        (
            {"build_services": ["sts"]},
            "build_services=['sts'] is invalid: only with subnet_type=PRIVATE_ISOLATED, whose egress check requires "
            "their endpoints: with subnet_type=PRIVATE_WITH_EGRESS",
        ),
        (
            {"cache": "s3", "artifact_expiration": Duration.days(30)},
            "artifact_expiration='30 days' is invalid: only with artifacts=True: with artifacts=False no artifacts "
            "are uploaded for it to expire",
        ),
        ({"artifact_expiration": None}, "artifact_expiration=None is invalid: only with artifacts=True"),
    ],
)
def test_props_without_effect_in_the_chosen_mode_are_errors(
    errors_stack: Any, props: dict[str, Any], message: str
) -> None:
    stack, network = errors_stack
    given: dict[str, Any] = {"vpc": network, "build_spec": SPEC, "concurrent_build_limit": 2, **props}
    with pytest.raises(ButtressError) as err:
        VpcCodeBuild(stack, "Moded", **given)
    assert str(err.value).startswith(f"Errors/Moded: {message}"), str(err.value)


def test_cache_takes_the_enum_too() -> None:
    stack = new_stack("CacheEnum")
    VpcCodeBuild(
        stack, "Build", vpc=Network(stack, "Net"), build_spec=SPEC, concurrent_build_limit=2, cache=BuildCache.LOCAL
    )
    props = project_of(Template.from_stack(stack))["Properties"]
    assert props["Cache"] == {"Type": "LOCAL", "Modes": ["LOCAL_SOURCE_CACHE", "LOCAL_CUSTOM_CACHE"]}


def test_public_methods_check_their_arguments_and_name_the_construct(errors_stack: Any) -> None:
    stack, network = errors_stack
    build = VpcCodeBuild(stack, "Methods", vpc=network, build_spec=SPEC, concurrent_build_limit=2)
    with pytest.raises(ButtressError) as err:
        build.allow_to(build, "5432")  # type: ignore[arg-type]
    assert str(err.value) == "Errors/Methods: port='5432' is invalid: a whole number (int) from 1 to 65535, not str"
    with pytest.raises(ButtressError) as err:
        build.grant_start_build("ci-role")  # type: ignore[arg-type]
    assert str(err.value).startswith("Errors/Methods: grantee='ci-role' is invalid: an iam.IGrantable")
    with pytest.raises(ButtressError, match=r"^Errors/Methods: period=5 is invalid: a Duration"):
        build.metric_failed_builds(period=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        build.metric_failed_builds(Duration.minutes(1))  # type: ignore[call-arg]
    assert build.metric_failed_builds(period=Duration.minutes(1)).period.to_minutes() == 1


# --- the vpc prop: a Network, a plain ec2.Vpc, an imported VPC ----------------------------------


def _plain_vpc(stack: Stack) -> ec2.Vpc:
    return ec2.Vpc(
        stack,
        "Vpc",
        ip_addresses=ec2.IpAddresses.cidr("10.8.0.0/24"),
        max_azs=2,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=26),
            ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=28),
            ec2.SubnetConfiguration(name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=28),
        ],
    )


def test_a_plain_vpc_is_checked_with_its_subnet_cidrs() -> None:
    stack = new_stack("PlainVpc")
    vpc = _plain_vpc(stack)
    build = VpcCodeBuild(stack, "Build", vpc=vpc, build_spec=SPEC, concurrent_build_limit=4)
    assert build.vpc is vpc and build.network is None
    props = project_of(Template.from_stack(stack))["Properties"]
    assert props["VpcConfig"]["VpcId"] == stack.resolve(vpc.vpc_id)
    Annotations.from_stack(stack).has_no_warning("*", Match.any_value())
    with pytest.raises(ButtressError) as err:
        VpcCodeBuild(stack, "TooMany", vpc=vpc, build_spec=SPEC, concurrent_build_limit=20)
    assert str(err.value).startswith("PlainVpc/TooMany: concurrent_build_limit=20 is invalid: each running build")
    assert "(10.8.0.128/28: 11, 10.8.0.144/28: 11) hold 22" in str(err.value)


def test_a_plain_vpc_in_isolated_subnets_warns_that_endpoints_were_not_checked() -> None:
    stack = new_stack("PlainIsolated")
    VpcCodeBuild(
        stack,
        "Build",
        vpc=_plain_vpc(stack),
        build_spec=SPEC,
        concurrent_build_limit=2,
        subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
    )
    Annotations.from_stack(stack).has_warning(
        "/PlainIsolated/Build",
        "whether the VPC has the endpoints isolated builds need (s3, logs) was not checked: the VPC passed is not a "
        "buttress Network and does not say enough at synth (pass the Network, or make sure yourself) "
        "[ack: buttress:vpcNotChecked]",
    )


def test_an_imported_vpc_builds_and_warns_what_it_could_not_check() -> None:
    stack = new_stack("ImportedVpc")
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["eu-west-1a", "eu-west-1b"],
        private_subnet_ids=["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
    )
    VpcCodeBuild(stack, "Build", vpc=vpc, build_spec=SPEC, concurrent_build_limit=4)
    props = project_of(Template.from_stack(stack))["Properties"]
    assert props["VpcConfig"]["VpcId"] == "vpc-0123456789abcdef0"
    assert props["VpcConfig"]["Subnets"] == ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"]
    Annotations.from_stack(stack).has_warning(
        "/ImportedVpc/Build",
        Match.string_like_regexp(
            r"^whether the selected subnets hold concurrent_build_limit=4 builds plus a 25% margin "
            r"\(one IP address each\) was not checked: the VPC passed is not a buttress Network"
        ),
    )


def test_an_imported_vpc_with_subnet_cidrs_is_checked() -> None:
    stack = new_stack("ImportedCidrs")
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-0123456789abcdef0",
        availability_zones=["eu-west-1a", "eu-west-1b"],
        private_subnet_ids=["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
        private_subnet_ipv4_cidr_blocks=["10.1.0.0/28", "10.1.0.16/28"],
    )
    with pytest.raises(ButtressError, match=r"^ImportedCidrs/Build: concurrent_build_limit=20 is invalid: .* hold 22"):
        VpcCodeBuild(stack, "Build", vpc=vpc, build_spec=SPEC, concurrent_build_limit=20)


def test_a_vpc_without_the_subnet_type(errors_stack: Any) -> None:
    stack = new_stack("ImportedNoIsolated")
    vpc = ec2.Vpc.from_vpc_attributes(
        stack, "Vpc", vpc_id="vpc-1", availability_zones=["eu-west-1a"], private_subnet_ids=["subnet-1"]
    )
    with pytest.raises(ButtressError) as err:
        VpcCodeBuild(stack, "Build", vpc=vpc, build_spec=SPEC, subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
    assert str(err.value) == (
        "ImportedNoIsolated/Build: subnet_type='PRIVATE_ISOLATED' is invalid: a subnet type the network has "
        "(it has no isolated subnets)"
    )


# --- cdk-nag -------------------------------------------------------------------------------------


def test_nag_acknowledgements_cover_only_the_constructs_own_grants() -> None:
    """With own and imported roles, cdk-nag reports exactly one finding: a wildcard the user added."""
    from aws_cdk import App, Validations
    from cdk_nag import AwsSolutionsChecks

    from app import CLI_DEFAULT_CONTEXT, cdk_json_context

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "Nag")
    network = Network(stack, "Net")
    own = VpcCodeBuild(
        stack,
        "Own",
        vpc=network,
        build_spec=SPEC_WITH_ARTIFACTS,
        concurrent_build_limit=2,
        artifacts=True,
        cache="s3",
        parameter_store_variables={"P": "/ci/p"},
        secrets_manager_variables={"S": "ci/s"},
    )
    imported = iam.Role.from_role_arn(stack, "Imported", "arn:aws:iam::123456789012:role/ci")
    VpcCodeBuild(stack, "WithImportedRole", vpc=network, build_spec=SPEC, concurrent_build_limit=2, role=imported)
    own.role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"]))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed") as err:
        app.synth()
    report = str(err.value)
    findings = [line for line in report.splitlines() if "Acknowledge with" in line]
    assert findings == ["   Acknowledge with 'AwsSolutions::AwsSolutions-IAM5[Resource::*]'"], report
    assert "Nag/Own/Project/Role/DefaultPolicy/Resource" in report


@pytest.mark.parametrize("env", [None, ("111122223333", "eu-west-1")], ids=["env-agnostic", "explicit-env"])
def test_nag_clean_with_and_without_an_explicit_environment(env: tuple[str, str] | None) -> None:
    """The acknowledgements are rendered from the policies' own ARN tokens, so they match in both (every pack)."""
    from aws_cdk import App, Environment, Validations

    from app import CLI_DEFAULT_CONTEXT, cdk_json_context
    from buttress.compliance import plugins

    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "S", env=Environment(account=env[0], region=env[1]) if env else None)
    network = Network(stack, "Net", interface_endpoints=["logs", "ssm", "secretsmanager"])
    VpcCodeBuild(
        stack,
        "Build",
        vpc=network,
        build_spec=SPEC_WITH_ARTIFACTS,
        concurrent_build_limit=2,
        artifacts=True,
        cache="s3",
        parameter_store_variables={"P": "/ci/p"},
        secrets_manager_variables={"S": "ci/s"},
    )
    imported = iam.Role.from_role_arn(stack, "Imported", "arn:aws:iam::111122223333:role/ci")
    VpcCodeBuild(
        stack,
        "Isolated",
        vpc=network,
        build_spec=SPEC,
        concurrent_build_limit=2,
        role=imported,
        subnet_type=ec2.SubnetType.PRIVATE_ISOLATED,
    )
    Validations.of(app).add_plugins(*plugins(app))
    app.synth()  # raises on any unacknowledged finding
