"""``Network``: subnet layout, NAT, endpoints, flow logs, and every synth-time error."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match, Template

from buttress import ButtressError, Network
from tests.harness import new_stack, resources_of_type


def _template(**props: Any) -> tuple[Network, Template]:
    stack = new_stack()
    network = Network(stack, "Net", **props)
    return network, Template.from_stack(stack)


@pytest.fixture(scope="module")
def default() -> tuple[Network, Template]:
    return _template()


@pytest.fixture(scope="module")
def with_endpoints() -> tuple[Network, Template]:
    return _template(cidr="10.9.0.0/16", nat_gateways=1, interface_endpoints=["ecr.api", "logs"])


def _subnets_by_kind(template: Template) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {}
    for subnet in template.find_resources("AWS::EC2::Subnet").values():
        tags = {t["Key"]: t["Value"] for t in subnet["Properties"]["Tags"]}
        kinds.setdefault(tags["aws-cdk:subnet-type"], []).append(subnet["Properties"]["CidrBlock"])
    return kinds


def test_default_has_three_subnet_groups_in_two_azs(default: tuple[Network, Template]) -> None:
    network, template = default
    template.has_resource_properties("AWS::EC2::VPC", {"CidrBlock": "10.0.0.0/16"})
    kinds = _subnets_by_kind(template)
    assert sorted(kinds) == ["Isolated", "Private", "Public"]
    assert kinds["Public"] == ["10.0.0.0/24", "10.0.1.0/24"]
    assert kinds["Private"] == ["10.0.16.0/20", "10.0.32.0/20"]
    assert kinds["Isolated"] == ["10.0.48.0/24", "10.0.49.0/24"]
    # The pure plan is what CDK builds.
    assert sorted(p.cidr for p in network.plan) == sorted(c for cs in kinds.values() for c in cs)


def test_default_has_one_nat_gateway_per_az(default: tuple[Network, Template]) -> None:
    _, template = default
    template.resource_count_is("AWS::EC2::NatGateway", 2)
    template.resource_count_is("AWS::EC2::EIP", 2)


def test_gateway_endpoints_for_s3_and_dynamodb_always(default: tuple[Network, Template]) -> None:
    _, template = default
    endpoints = template.find_resources("AWS::EC2::VPCEndpoint")
    services = sorted(str(e["Properties"]["ServiceName"]) for e in endpoints.values())
    assert len(services) == 2
    assert "dynamodb" in services[0] and "s3" in services[1]
    assert all(e["Properties"]["VpcEndpointType"] == "Gateway" for e in endpoints.values())


def test_flow_logs_all_traffic_to_log_group_with_retention(default: tuple[Network, Template]) -> None:
    _, template = default
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})
    template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {"ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"},
    )


def test_no_interface_endpoint_security_group_without_endpoints(default: tuple[Network, Template]) -> None:
    network, template = default
    assert network.endpoint_security_group is None
    template.resource_count_is("AWS::EC2::SecurityGroup", 0)


def test_interface_endpoints_share_a_security_group_admitting_https_from_the_vpc(
    with_endpoints: tuple[Network, Template],
) -> None:
    network, template = with_endpoints
    template.resource_count_is("AWS::EC2::NatGateway", 1)
    interface = {
        k: v
        for k, v in template.find_resources("AWS::EC2::VPCEndpoint").items()
        if v["Properties"].get("VpcEndpointType") == "Interface"
    }
    assert len(interface) == 2
    for endpoint in interface.values():
        props = endpoint["Properties"]
        assert props["PrivateDnsEnabled"] is True
        assert len(props["SecurityGroupIds"]) == 1
        assert len(props["SubnetIds"]) == 2
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {
            "SecurityGroupIngress": [
                Match.object_like({"CidrIp": "10.9.0.0/16", "FromPort": 443, "ToPort": 443, "IpProtocol": "tcp"})
            ]
        },
    )
    assert network.has_endpoint("logs") and network.has_endpoint("s3") and not network.has_endpoint("sts")
    assert set(network.interface_endpoints) == {"ecr.api", "logs"}


def test_usable_addresses_of_private_subnets(default: tuple[Network, Template]) -> None:
    network, _ = default
    assert network.usable_addresses() == {"10.0.16.0/20": 4091, "10.0.32.0/20": 4091}
    isolated = network.usable_addresses(ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED))
    assert isolated == {"10.0.48.0/24": 251, "10.0.49.0/24": 251}


def test_cheap_shape_without_private_subnets_or_nat() -> None:
    _, template = _template(nat_gateways=0, private_subnet_mask=None)
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    assert sorted(_subnets_by_kind(template)) == ["Isolated", "Public"]


def test_more_azs_with_an_explicit_environment() -> None:
    from aws_cdk import App

    app = App()
    stack = Stack(app, "Env", env=Environment(account="111111111111", region="us-east-1"))
    Network(stack, "Net", max_azs=3, nat_gateways=1)
    template = Template.from_stack(stack)
    template.resource_count_is("AWS::EC2::Subnet", 9)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"cidr": "10.0.0.0/15"}, r"cidr='10.0.0.0/15' is invalid: the VPC block must be /16 to /28"),
        ({"cidr": "10.0.0.0/29"}, r"cidr='10.0.0.0/29' is invalid: the VPC block must be /16 to /28"),
        ({"cidr": "10.0.0.0/24"}, r"private_subnet_mask=20 is invalid: a subnet mask from /24"),
        (
            {"cidr": "10.0.0.0/22", "public_subnet_mask": 24, "private_subnet_mask": 24},
            r"isolated_subnet_mask=24 is invalid: 2 AZs x 3 subnet groups need at least 1536 addresses",
        ),
        ({"public_subnet_mask": 29}, r"public_subnet_mask=29 is invalid: a subnet mask from /16 .* to /28"),
        ({"max_azs": 1}, r"max_azs=1 is invalid: at least 2"),
        ({"max_azs": 3}, r"max_azs=3 is invalid: this stack knows 2 AZs; an environment-agnostic stack"),
        ({"nat_gateways": 3}, r"nat_gateways=3 is invalid: 0 to max_azs \(2\), or None for one per AZ"),
        ({"nat_gateways": -1}, r"nat_gateways=-1 is invalid"),
        ({"nat_gateways": 0}, r"nat_gateways=0 is invalid: at least 1 while private_subnet_mask is set"),
        (
            {"interface_endpoints": ["logs", "ecr-api", "s4"]},
            r"interface_endpoints=\['ecr-api', 's4'\] is invalid: service names are one of: .*ecr\.api",
        ),
    ],
)
def test_errors_name_the_prop_value_and_allowed_range(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ButtressError, match=message):
        Network(new_stack(), "Net", **props)


def test_add_interface_endpoint_is_idempotent_and_checked() -> None:
    network = Network(new_stack(), "Net")
    first = network.add_interface_endpoint("sts")
    assert network.add_interface_endpoint("sts") is first
    with pytest.raises(ButtressError, match=r"service_name='nope' is invalid: one of:"):
        network.add_interface_endpoint("nope")


# ---------------------------------------------------------------------------------------------
# type checks: every message names the construct, the prop and the value as given


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"max_azs": "2"}, "Test/Net: max_azs='2' is invalid: a whole number (int), not str"),
        (
            {"interface_endpoints": "logs"},
            "Test/Net: interface_endpoints='logs' is invalid: a list of strings, not one string: write ['logs']",
        ),
        ({"cidr": 10}, "Test/Net: cidr=10 is invalid: a string, not int"),
        ({"public_subnet_mask": 24.0}, "Test/Net: public_subnet_mask=24.0 is invalid: a whole number (int), not float"),
        ({"private_subnet_mask": "20"}, "Test/Net: private_subnet_mask='20' is invalid: a whole number (int), not str"),
        ({"nat_gateways": True}, "Test/Net: nat_gateways=True is invalid: a whole number (int), not bool"),
        ({"log_retention": 30}, "Test/Net: log_retention=30 is invalid: a logs.RetentionDays, not int"),
        ({"removal_policy": "destroy"}, "Test/Net: removal_policy='destroy' is invalid: a RemovalPolicy, not str"),
    ],
)
def test_type_mistakes_are_buttress_errors_naming_the_construct(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ButtressError) as caught:
        Network(new_stack(), "Net", **props)
    assert str(caught.value) == message


def test_value_errors_name_the_construct_path() -> None:
    with pytest.raises(ButtressError) as caught:
        Network(new_stack(), "Net", max_azs=1)
    assert str(caught.value).startswith("Test/Net: max_azs=1 is invalid: at least 2")
    network = Network(new_stack(), "Net2")
    with pytest.raises(ButtressError) as caught:
        network.add_interface_endpoint("nope")
    assert str(caught.value).startswith("Test/Net2: service_name='nope' is invalid: one of:")


def test_flow_log_group_is_retained_by_default_with_log_retention() -> None:
    from aws_cdk import RemovalPolicy
    from aws_cdk import aws_logs as logs

    _, template = _template(log_retention=logs.RetentionDays.ONE_WEEK)
    template.has_resource(
        "AWS::Logs::LogGroup",
        {"Properties": {"RetentionInDays": 7}, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
    )
    _, destroyed = _template(removal_policy=RemovalPolicy.DESTROY)
    destroyed.has_resource("AWS::Logs::LogGroup", {"DeletionPolicy": "Delete"})


def test_grant_read_flow_logs_reads_that_log_group_only() -> None:
    from aws_cdk import aws_iam as iam

    stack = new_stack()
    network = Network(stack, "Net")
    role = iam.Role(stack, "Reader", assumed_by=iam.AccountRootPrincipal())
    grant = network.grant_read_flow_logs(role)
    assert grant.success
    template = Template.from_stack(stack)
    (policy,) = template.find_resources(
        "AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": Match.string_like_regexp("Reader")}]}}
    ).values()
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert sorted(statement["Action"]) == [
        "logs:DescribeLogStreams",
        "logs:FilterLogEvents",
        "logs:GetLogEvents",
        "logs:GetLogGroupFields",
    ]
    log_group_id = next(iter(template.find_resources("AWS::Logs::LogGroup")))
    assert statement["Resource"] == {"Fn::GetAtt": [log_group_id, "Arn"]}


@pytest.mark.parametrize("selection", ["private", 5, ec2.SubnetType.PRIVATE_ISOLATED])
def test_usable_addresses_of_a_non_selection_is_a_buttress_error(selection: Any) -> None:
    network = Network(new_stack(), "Net")
    with pytest.raises(ButtressError, match=r"^Test/Net: selection=.* is invalid: an ec2.SubnetSelection"):
        network.usable_addresses(selection)


def test_interface_endpoints_go_in_isolated_subnets_without_private_ones() -> None:
    """private_subnet_mask=None with endpoints: the isolated subnets take them (was a raw jsii error)."""
    stack = new_stack("EndpointsOnly")
    network = Network(stack, "Network", private_subnet_mask=None, nat_gateways=0, interface_endpoints=["sts"])
    template = dict(Template.from_stack(stack).to_json())
    (endpoint,) = [
        r["Properties"]
        for r in resources_of_type(template, "AWS::EC2::VPCEndpoint").values()
        if r["Properties"].get("VpcEndpointType") == "Interface"
    ]
    isolated = [stack.resolve(s.subnet_id) for s in network.vpc.isolated_subnets]
    assert endpoint["SubnetIds"] == isolated and len(isolated) == 2
