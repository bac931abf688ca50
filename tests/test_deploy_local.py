"""``make deploy-local``: bootstrap + deploy to moto's server on loopback, then what moto skipped."""

from __future__ import annotations

import json

from scripts.deploy_local import CUSTOM_RESOURCE_NOTE, moto_modelled_types, skipped_resources


def test_skipped_resources_classifies_by_moto_model_map() -> None:
    template = {
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Sub": {"Type": "AWS::SNS::Subscription"},
            "Build": {"Type": "AWS::CodeBuild::Project"},
            "Budget": {"Type": "AWS::Budgets::Budget"},
            "Restrict": {"Type": "Custom::VpcRestrictDefaultSG"},
            "Maybe": {"Type": "AWS::SQS::Queue", "Condition": "IsProd"},
            "Lost": {"Type": "AWS::SQS::Queue"},
        }
    }
    skipped = {s.logical_id: s.reason for s in skipped_resources("S", template, listed={"Topic", "Restrict"})}
    assert set(skipped) == {"Sub", "Build", "Budget", "Restrict", "Lost"}
    assert skipped["Restrict"] == CUSTOM_RESOURCE_NOTE
    assert "no model" in skipped["Budget"]


def test_moto_models_the_core_types_buttress_uses() -> None:
    assert {"AWS::EC2::VPC", "AWS::SNS::Topic", "AWS::ECS::Service"} <= moto_modelled_types()


def test_moto_gaps_filled_cross_stack_output_reference() -> None:
    """Stack outputs survive change-set execution and Fn::GetStackOutput resolves to them."""
    import boto3

    from scripts.deploy_local import free_port, moto_server

    producer = {
        "Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.9.0.0/16"}}},
        "Outputs": {"VpcOut": {"Value": {"Ref": "Vpc"}}},
    }
    reference = {"StackName": "Producer", "Region": {"Ref": "AWS::Region"}, "OutputName": "VpcOut"}
    consumer = {
        "Resources": {
            "Sg": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {"GroupDescription": "x", "VpcId": {"Fn::GetStackOutput": reference}},
            }
        }
    }
    with moto_server(free_port()) as endpoint:
        kwargs = {"endpoint_url": endpoint, "region_name": "us-east-1"}
        creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        cfn = boto3.client("cloudformation", **kwargs, **creds)  # type: ignore[call-overload]
        for name, template in (("Producer", producer), ("Consumer", consumer)):
            cfn.create_change_set(
                StackName=name, ChangeSetName="cs", ChangeSetType="CREATE", TemplateBody=json.dumps(template)
            )
            cfn.execute_change_set(StackName=name, ChangeSetName="cs")
        outputs = cfn.describe_stacks(StackName="Producer")["Stacks"][0]["Outputs"]
        vpc_id = outputs[0]["OutputValue"]
        assert vpc_id.startswith("vpc-")
        sg_id = cfn.describe_stack_resource(StackName="Consumer", LogicalResourceId="Sg")["StackResourceDetail"][
            "PhysicalResourceId"
        ]
        ec2 = boto3.client("ec2", **kwargs, **creds)  # type: ignore[call-overload]
        assert ec2.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]["VpcId"] == vpc_id


def test_moto_gap_filled_kms_key_with_cloudformation_tags() -> None:
    """A tagged AWS::KMS::Key (every FanoutTopic key) is created, tagged, and its Arn resolves."""
    import boto3

    from scripts.deploy_local import free_port, moto_server, needs_gap_filled

    template = {
        "Resources": {
            "Key": {
                "Type": "AWS::KMS::Key",
                "Properties": {
                    "KeyPolicy": {"Version": "2012-10-17", "Statement": []},
                    "Tags": [{"Key": "buttress:kill-switch", "Value": "exempt"}],
                },
            },
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": {"Fn::GetAtt": ["Key", "Arn"]}}},
        }
    }
    assert needs_gap_filled("AWS::KMS::Key Tags", template)
    with moto_server(free_port()) as endpoint:
        kwargs = {"endpoint_url": endpoint, "region_name": "us-east-1"}
        creds = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        cfn = boto3.client("cloudformation", **kwargs, **creds)  # type: ignore[call-overload]
        cfn.create_stack(StackName="Keyed", TemplateBody=json.dumps(template))
        key_id = cfn.describe_stack_resource(StackName="Keyed", LogicalResourceId="Key")["StackResourceDetail"][
            "PhysicalResourceId"
        ]
        kms = boto3.client("kms", **kwargs, **creds)  # type: ignore[call-overload]
        assert kms.list_resource_tags(KeyId=key_id)["Tags"] == [
            {"TagKey": "buttress:kill-switch", "TagValue": "exempt"}
        ]
