"""``Network`` in an app without feature flags: it closes the VPC's default security group itself."""

from __future__ import annotations

from aws_cdk import App, Stack
from aws_cdk.assertions import Template

from buttress import Network


def test_default_security_group_is_closed_without_the_feature_flag() -> None:
    # Without @aws-cdk/aws-ec2:restrictDefaultSecurityGroup aws-cdk-lib leaves the default group's
    # rules (all traffic from the group, all outbound): AWS recommends removing them
    # https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
    stack = Stack(App(), "NoFlags")
    Network(stack, "Net")
    restrict = Template.from_stack(stack).find_resources("Custom::VpcRestrictDefaultSG")
    assert len(restrict) == 1
    assert "DefaultSecurityGroup" in str(next(iter(restrict.values()))["Properties"]["DefaultSecurityGroupId"])
