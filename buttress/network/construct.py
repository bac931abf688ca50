"""``Network``: the VPC that buttress's Fargate services and CodeBuild projects share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import RemovalPolicy, Stack, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from buttress.errors import reports_errors
from buttress.network.props import NetworkProps, check
from buttress.parts.log_groups import log_group
from buttress.parts.nag import acknowledge_rule
from buttress.rules import props
from buttress.rules.network import NetworkPlan, check_service_name, endpoint_id
from buttress.rules.subnets import PlannedSubnet, usable_addresses_of_cidr

__all__ = ["FLOW_LOG_READ_ACTIONS", "GATEWAY_ENDPOINTS", "Network", "selection_kwargs"]

#: What :meth:`Network.grant_read_flow_logs` allows, on the flow-log group only.
FLOW_LOG_READ_ACTIONS: tuple[str, ...] = (
    "logs:DescribeLogStreams",
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
    "logs:GetLogGroupFields",
)

#: Gateway endpoints every ``Network`` gets: they cost nothing and keep S3/DynamoDB traffic
#: (ECR image layers, CodeBuild caches, DynamoDB tables) off the NAT gateways.
GATEWAY_ENDPOINTS: Mapping[str, ec2.GatewayVpcEndpointAwsService] = {
    "s3": ec2.GatewayVpcEndpointAwsService.S3,
    "dynamodb": ec2.GatewayVpcEndpointAwsService.DYNAMODB,
}


class Network(Construct):
    """A VPC with public, private-with-egress and isolated subnets across at least two AZs.

    Defaults: ``10.0.0.0/16`` over 2 AZs; public ``/24``, private ``/20`` and isolated ``/24``
    subnets; one NAT gateway per AZ; S3 and DynamoDB gateway endpoints; VPC flow logs of
    all traffic to a log group kept for a month; the VPC's default security group closed (its rules
    removed at deploy, whatever the app's feature flags). Every prop is type-checked and checked at synth
    time; a bad one raises :class:`~buttress.errors.ButtressError` naming this construct's path,
    the prop and the value as given.

    :param cidr: VPC IPv4 block, ``/16`` to ``/28``. Default ``"10.0.0.0/16"``.
    :param max_azs: number of AZs, at least 2. An environment-agnostic stack knows only two
        AZs, so more needs an explicit ``env`` on the stack. Default 2.
    :param public_subnet_mask: mask of the public subnets (load balancers, NAT gateways). Default 24.
    :param private_subnet_mask: mask of the private subnets with NAT egress (tasks, builds);
        ``None`` for none. Default 20.
    :param isolated_subnet_mask: mask of the isolated subnets (databases, builds that reach
        AWS only through endpoints); ``None`` for none. Default 24.
    :param nat_gateways: NAT gateways: ``None`` for one per AZ (resilient), ``1`` for a single
        one (cheap, a single-AZ dependency), ``0`` for none (then there may be no private subnets).
        Default ``None``.
    :param interface_endpoints: a list of interface endpoint service names, e.g. ``["ecr.api",
        "ecr.dkr", "logs"]``; see :data:`KNOWN_INTERFACE_ENDPOINTS`. They share one security group
        that admits HTTPS from the VPC CIDR. Default none.
    :param log_retention: retention of the flow-log log group. Default one month.
    :param removal_policy: removal policy of the flow-log log group (the only thing here that
        holds data). Default ``RETAIN``.
    :param log_key: customer-managed KMS key for the flow-log group (its policy is extended to let
        CloudWatch Logs use it); ``$1``/month per key plus requests. Default ``None``: CloudWatch
        Logs' own encryption.

    Public subnets do not give instances public IPs (``MapPublicIpOnLaunch`` false): load
    balancers and NAT gateways bring their own addresses; an instance that needs one asks for it.

    Methods: :meth:`add_interface_endpoint`, :meth:`grant_read_flow_logs`, :meth:`endpoint_subnets`,
    :meth:`has_endpoint`, :meth:`usable_addresses`.

    Attributes: ``vpc``, ``cidr``, ``plan``, ``flow_log_group``, ``endpoint_security_group``,
    ``interface_endpoints``.
    """

    @reports_errors
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        cidr: str = "10.0.0.0/16",
        max_azs: int = 2,
        public_subnet_mask: int = 24,
        private_subnet_mask: int | None = 20,
        isolated_subnet_mask: int | None = 24,
        nat_gateways: int | None = None,
        interface_endpoints: Sequence[str] = (),
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        log_key: kms.IKey | None = None,
    ) -> None:
        given = NetworkProps(
            cidr=cidr,
            max_azs=max_azs,
            public_subnet_mask=public_subnet_mask,
            private_subnet_mask=private_subnet_mask,
            isolated_subnet_mask=isolated_subnet_mask,
            nat_gateways=nat_gateways,
            interface_endpoints=interface_endpoints,
            log_retention=log_retention,
            removal_policy=removal_policy,
            log_key=log_key,
        )
        checked = check(given, stack_azs=len(Stack.of(scope).availability_zones))
        super().__init__(scope, id_)
        #: The VPC's IPv4 block as given (a literal, so rules and checks can read it at synth).
        self.cidr = checked.plan.cidr
        #: The subnet layout computed before CDK builds it (same CIDRs as the VPC's subnets).
        self.plan: list[PlannedSubnet] = list(checked.plan.subnets)
        #: Flow-log destination.
        self.flow_log_group = log_group(
            self,
            "FlowLogs",
            retention=checked.log_retention,
            removal_policy=checked.removal_policy,
            key=checked.log_key,
        )
        #: The underlying L2 VPC.
        self.vpc = self._vpc(checked.plan)
        self._acknowledge_compliance()
        #: Security group shared by the interface endpoints; admits HTTPS from the VPC CIDR.
        self.endpoint_security_group: ec2.SecurityGroup | None = None
        #: Interface endpoints by service name.
        self.interface_endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for name in checked.plan.interface_endpoints:
            self.add_interface_endpoint(name)

    def _vpc(self, checked: NetworkPlan) -> ec2.Vpc:
        return ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(checked.cidr),
            max_azs=checked.max_azs,
            nat_gateways=checked.nat_gateways,
            # Set, not left to the app's @aws-cdk/aws-ec2:restrictDefaultSecurityGroup flag: the default
            # group's rules go at deploy (AWS recommends it; compliance packs flag it otherwise).
            # https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
            restrict_default_security_group=True,
            subnet_configuration=_subnet_configuration(checked),
            gateway_endpoints={
                name: ec2.GatewayVpcEndpointOptions(service=service) for name, service in GATEWAY_ENDPOINTS.items()
            },
            flow_logs={
                "All": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_log_group),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                )
            },
        )

    def _acknowledge_compliance(self) -> None:
        """What a VPC with public subnets legitimately has, acknowledged on those resources only."""
        for subnet in self.vpc.public_subnets:
            acknowledge_rule(
                subnet,
                "VPCNoUnrestrictedRouteToIGW",
                "A public subnet's route 0.0.0.0/0 to the internet gateway is what makes it public: it carries "
                "the load balancers and NAT gateways; tasks and builds run in the private subnets.",
            )
        acknowledge_rule(
            self.vpc.node.find_child("All"),
            "IAMNoInlinePolicy",
            "aws-cdk-lib's flow-log role with its one policy (logs:CreateLogStream/PutLogEvents... on this "
            "flow-log group only); a managed policy would be a reusable object nothing else should attach.",
        )
        provider = Stack.of(self).node.try_find_child("Custom::VpcRestrictDefaultSGCustomResourceProvider")
        if provider is not None:
            acknowledge_rule(
                provider,
                "",
                "aws-cdk-lib's deploy-time handler that removes the default security group's rules: it calls "
                "only the EC2 API, once per deployment; a VPC would add interfaces for no isolation gain.",
                guard=["lambda_inside_vpc_check"],
            )

    def _endpoint_security_group(self) -> ec2.SecurityGroup:
        if self.endpoint_security_group is None:
            self.endpoint_security_group = ec2.SecurityGroup(
                self,
                "EndpointSecurityGroup",
                vpc=self.vpc,
                description="Interface VPC endpoints: HTTPS from inside the VPC",
                allow_all_outbound=False,
            )
            self.endpoint_security_group.add_ingress_rule(
                ec2.Peer.ipv4(self.cidr), ec2.Port.tcp(443), "HTTPS from the VPC"
            )
        return self.endpoint_security_group

    @reports_errors
    def add_interface_endpoint(self, service_name: str) -> ec2.InterfaceVpcEndpoint:
        """Add (or return the existing) interface endpoint for ``service_name`` in the private subnets.

        The endpoint's private DNS is on, so SDKs and the CLI reach it under the service's
        normal host name without configuration.
        """
        name = check_service_name("service_name", service_name)
        if name in self.interface_endpoints:
            return self.interface_endpoints[name]
        endpoint = self.vpc.add_interface_endpoint(
            endpoint_id(name),
            service=ec2.InterfaceVpcEndpointAwsService(name),
            subnets=ec2.SubnetSelection(subnets=self.endpoint_subnets()),
            security_groups=[self._endpoint_security_group()],
            open=False,
            private_dns_enabled=True,
        )
        self.interface_endpoints[name] = endpoint
        return endpoint

    @reports_errors
    def grant_read_flow_logs(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read the flow logs: list the streams, get and filter the events, of this log group only."""
        return self.flow_log_group.grant(grantee, *FLOW_LOG_READ_ACTIONS)

    @reports_errors
    def endpoint_subnets(self) -> list[ec2.ISubnet]:
        """Subnets interface endpoints go in: the private ones, else the isolated ones."""
        # The Vpc's lists, not select_subnets: that raises for a subnet type the VPC has no group of
        # (private_subnet_mask=None), where these are empty.
        for subnets in (self.vpc.private_subnets, self.vpc.isolated_subnets):
            if subnets:
                return list(subnets)
        return list(self.vpc.public_subnets)

    @reports_errors
    def has_endpoint(self, service_name: str) -> bool:
        """True if the network reaches ``service_name`` privately (gateway or interface endpoint)."""
        return service_name in GATEWAY_ENDPOINTS or service_name in self.interface_endpoints

    @reports_errors
    def usable_addresses(self, selection: ec2.SubnetSelection | None = None) -> dict[str, int]:
        """Usable addresses per selected subnet (CIDR -> ``2**(32-prefix) - 5``).

        Defaults to the private-with-egress subnets. Only subnets whose CIDR is known at
        synth time are counted (all of a ``Network``'s own subnets are).
        """
        if selection is not None:
            props.instance(
                "selection",
                selection,
                ec2.SubnetSelection,
                "an ec2.SubnetSelection, e.g. ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)",
            )
        chosen = self.vpc.select_subnets(
            **(selection_kwargs(selection) if selection else {"subnet_type": ec2.SubnetType.PRIVATE_WITH_EGRESS})
        ).subnets
        return {
            subnet.ipv4_cidr_block: usable_addresses_of_cidr(subnet.ipv4_cidr_block)
            for subnet in chosen
            if not Token.is_unresolved(subnet.ipv4_cidr_block)
        }


def _subnet_configuration(checked: NetworkPlan) -> list[ec2.SubnetConfiguration]:
    groups = [
        ("Public", ec2.SubnetType.PUBLIC, checked.public_subnet_mask),
        ("Private", ec2.SubnetType.PRIVATE_WITH_EGRESS, checked.private_subnet_mask),
        ("Isolated", ec2.SubnetType.PRIVATE_ISOLATED, checked.isolated_subnet_mask),
    ]
    return [
        ec2.SubnetConfiguration(
            name=name,
            subnet_type=subnet_type,
            cidr_mask=mask,
            map_public_ip_on_launch=False if subnet_type == ec2.SubnetType.PUBLIC else None,
        )
        for name, subnet_type, mask in groups
        if mask is not None
    ]


def selection_kwargs(selection: ec2.SubnetSelection) -> dict[str, Any]:
    """The fields ``selection`` sets, as keyword arguments of ``IVpc.select_subnets``."""
    fields = ("availability_zones", "one_per_az", "subnet_filters", "subnet_group_name", "subnets", "subnet_type")
    return {name: getattr(selection, name) for name in fields if getattr(selection, name) is not None}
