"""Where a :class:`~buttress.VpcCodeBuild`'s builds run: subnets, security group, endpoints check, ENI policy."""

from __future__ import annotations

import jsii
from aws_cdk import Annotations, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct, IValidation

from buttress.codebuild.props import CheckedProps
from buttress.errors import ButtressError, invalid
from buttress.network import VpcInput
from buttress.rules.codebuild import (
    MARGIN_FRACTION,
    BuildNeeds,
    check_internet_reach,
    check_isolated_egress,
    check_subnet_capacity,
    required_endpoints,
)

#: Actions CodeBuild calls to create, describe and delete a build's network interface. Granted on
#: ``*`` as in the CodeBuild user guide's VPC policy: the interface does not exist before the call
#: and the Describe* actions have no resource-level permissions.
#: https://docs.aws.amazon.com/codebuild/latest/userguide/enabling-vpc-access-in-projects.html
ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
)
#: Id of the synth warning that says what the build subnets hold.
CAPACITY_WARNING_ID = "buttress:VpcCodeBuild:subnetCapacity"
_HTTPS_EGRESS = "HTTPS: AWS APIs (endpoints or NAT), source hosts, registries"


def select_subnets(scope: Construct, props: CheckedProps) -> list[str]:
    """The build subnets' ids, after checking what they hold and (late) the endpoints isolated builds need."""
    try:
        subnet_ids = list(props.vpc.vpc.select_subnets(subnet_type=props.subnet_type).subnet_ids)
    except RuntimeError:  # jsii: "There are no 'Isolated' subnet groups in this VPC"
        group = "isolated" if props.plain.isolated else "private"
        raise invalid(
            "subnet_type", props.subnet_type.name, f"a subnet type the network has (it has no {group} subnets)"
        ) from None
    _check_capacity(scope, props)
    if props.plain.isolated:
        _check_egress(scope, props)
    return subnet_ids


def _check_capacity(scope: Construct, props: CheckedProps) -> None:
    limit = props.plain.concurrent_build_limit
    cidrs = props.vpc.subnet_cidrs(ec2.SubnetSelection(subnet_type=props.subnet_type))
    if cidrs is None:
        props.vpc.warn_unchecked(
            scope,
            "how many concurrent builds the selected subnets hold"
            if limit is None
            else f"whether the selected subnets hold concurrent_build_limit={limit} builds plus a "
            f"{MARGIN_FRACTION:.0%} margin (one IP address each)",
        )
        return
    fleet = props.plain.fleet.most_instances if props.plain.fleet else 0
    warning = check_subnet_capacity(cidrs, limit, batch_width=props.plain.batch_facts.width, fleet=fleet)
    if warning:
        Annotations.of(scope).add_warning_v2(CAPACITY_WARNING_ID, warning)


def _check_egress(scope: Construct, props: CheckedProps) -> None:
    needs = BuildNeeds(
        source_type=props.source_type,
        image_kind=props.image_facts.kind,
        parameter_store=any(v.kind == "PARAMETER_STORE" for v in props.plain.variables),
        secrets_manager=any(v.kind == "SECRETS_MANAGER" for v in props.plain.variables),
        services=props.plain.build_services,
        secondary_source_types=props.plain.secondary_source_types,
    )
    check_internet_reach(needs)
    if props.vpc.endpoints() is None:
        props.vpc.warn_unchecked(
            scope, f"whether the VPC has the endpoints isolated builds need ({', '.join(required_endpoints(needs))})"
        )
        return
    # At synth, so endpoints added to the Network after this project count too.
    scope.node.add_validation(_EgressCheck(props.vpc, needs))


@jsii.implements(IValidation)
class _EgressCheck:
    """Runs at synth: builds in isolated subnets need an endpoint for everything they reach."""

    def __init__(self, vpc: VpcInput, needs: BuildNeeds) -> None:
        self._vpc = vpc
        self._needs = needs

    def validate(self) -> list[str]:
        try:
            check_isolated_egress(self._needs, available=self._vpc.endpoints() or frozenset())
        except ButtressError as error:
            return [error.detail]
        return []


def https_only_security_group(scope: Construct, id_: str, vpc: ec2.IVpc, description: str) -> ec2.SecurityGroup:
    """A security group that allows outbound HTTPS only (the project's and the fleet's)."""
    group = ec2.SecurityGroup(scope, id_, vpc=vpc, description=description, allow_all_outbound=False)
    group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), _HTTPS_EGRESS)
    return group


def builds_on_demand(props: CheckedProps) -> bool:
    """Whether any build runs on demand (no fleet, or a fleet that overflows on demand): the project role then
    needs the VPC permissions.

    "If you choose to set your overflow behavior to on-demand while creating a VPC-connected fleet, make
    sure that you add the required VPC permissions to your project service role":
    https://docs.aws.amazon.com/codebuild/latest/userguide/fleets.reserved-capacity-fleets.html
    """
    return props.plain.fleet is None or props.fleet_overflow == codebuild.FleetOverflowBehavior.ON_DEMAND


def network_interface_arn(scope: Construct) -> str:
    """The ARN pattern of the network interfaces CodeBuild creates (``...:network-interface/*``)."""
    return Stack.of(scope).format_arn(service="ec2", resource="network-interface", resource_name="*")


def vpc_policy(
    scope: Construct, *, role: iam.IRole, cfn_project: codebuild.CfnProject, subnet_ids: list[str], eni_arn: str
) -> iam.Policy:
    """The network-interface permissions CodeBuild needs, attached to ``role``; the project waits for them."""
    stack = Stack.of(scope)
    policy = iam.Policy(
        scope,
        "VpcPolicy",
        statements=[
            iam.PolicyStatement(sid="BuildNetworkInterfaces", actions=list(ENI_ACTIONS), resources=["*"]),
            iam.PolicyStatement(
                sid="BuildNetworkInterfacePermission",
                actions=["ec2:CreateNetworkInterfacePermission"],
                resources=[eni_arn],
                conditions={
                    "StringEquals": {
                        "ec2:Subnet": [
                            stack.format_arn(service="ec2", resource="subnet", resource_name=subnet_id)
                            for subnet_id in subnet_ids
                        ],
                        "ec2:AuthorizedService": "codebuild.amazonaws.com",
                    }
                },
            ),
        ],
    )
    role.attach_inline_policy(policy)
    policy_cfn = policy.node.default_child
    assert isinstance(policy_cfn, iam.CfnPolicy)
    if not stack.resolve(policy_cfn.roles):
        raise invalid(
            "role",
            role.role_arn,
            "a role of this stack's account that buttress can attach policies to: import it with "
            "Role.from_role_arn(..., mutable=True); "
            "an immutable role would silently lose the network-interface permissions CodeBuild checks "
            "when it creates the project (aws-cdk #12705)",
        )
    # On the L1 only: the L2's node also holds the role, which the policy itself refers to.
    cfn_project.node.add_dependency(policy_cfn)
    return policy
