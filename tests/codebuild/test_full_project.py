"""VpcCodeBuild with most features in private subnets: network, key, buckets, grants, metric."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Annotations, Match

from tests.codebuild.common import (
    as_list,
    only,
    only_policy,
    project_of,
)


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


def test_no_eni_permission_lands_in_the_default_policy(full: Any) -> None:
    # The default policy refers to the project, so it is created after it: nothing CodeBuild
    # checks at creation may live there.
    _, policy = only_policy(full[2], "BuildProjectRoleDefaultPolicy")
    actions = [a for s in policy["Properties"]["PolicyDocument"]["Statement"] for a in as_list(s["Action"])]
    assert not [a for a in actions if a.startswith("ec2:")]


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
