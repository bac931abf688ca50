"""``Network``: the VPC that buttress's Fargate services and CodeBuild projects share."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import RemovalPolicy, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from buttress.errors import invalid
from buttress.rules.subnets import (
    PlannedSubnet,
    SubnetGroupRequest,
    parse_vpc_cidr,
    plan_subnets,
    usable_addresses_of_cidr,
)

#: Interface endpoint service names ``Network`` accepts (the part after ``com.amazonaws.<region>.``).
KNOWN_INTERFACE_ENDPOINTS: frozenset[str] = frozenset(
    {
        "application-autoscaling",
        "athena",
        "autoscaling",
        "cloudformation",
        "codeartifact.api",
        "codeartifact.repositories",
        "codebuild",
        "codecommit",
        "git-codecommit",
        "dynamodb",
        "ec2",
        "ec2messages",
        "ecr.api",
        "ecr.dkr",
        "ecs",
        "ecs-agent",
        "ecs-telemetry",
        "elasticfilesystem",
        "elasticloadbalancing",
        "events",
        "execute-api",
        "glue",
        "kinesis-streams",
        "kms",
        "lambda",
        "logs",
        "monitoring",
        "rds",
        "s3",
        "secretsmanager",
        "sns",
        "sqs",
        "ssm",
        "ssmmessages",
        "states",
        "sts",
        "xray",
    }
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
    all traffic to a log group kept for a month. All props are checked at synth time and a bad
    one raises :class:`~buttress.errors.ButtressError` naming it.

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
    :param interface_endpoints: interface endpoint service names, e.g. ``["ecr.api", "ecr.dkr",
        "logs"]``; see :data:`KNOWN_INTERFACE_ENDPOINTS`. They share one security group that
        admits HTTPS from the VPC CIDR. Default none.
    :param flow_log_retention: retention of the flow-log log group. Default one month.
    :param removal_policy: removal policy of the flow-log log group. Default ``DESTROY``.
    """

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
        flow_log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
    ) -> None:
        super().__init__(scope, id_)
        parse_vpc_cidr(cidr)
        #: The VPC's IPv4 block as given (a literal, so rules and checks can read it at synth).
        self.cidr = cidr
        if max_azs < 2:
            raise invalid("max_azs", max_azs, "at least 2: a subnet group in one AZ is a single point of failure")
        stack_azs = self._stack_azs()
        if max_azs > len(stack_azs):
            raise invalid(
                "max_azs",
                max_azs,
                f"this stack knows {len(stack_azs)} AZs; an environment-agnostic stack knows only 2, "
                "so give the stack an explicit env (account and region) to use more",
            )
        groups = [SubnetGroupRequest("public", public_subnet_mask)]
        if private_subnet_mask is not None:
            groups.append(SubnetGroupRequest("private", private_subnet_mask))
        if isolated_subnet_mask is not None:
            groups.append(SubnetGroupRequest("isolated", isolated_subnet_mask))
        #: The subnet layout computed before CDK builds it (same CIDRs as the VPC's subnets).
        self.plan: list[PlannedSubnet] = plan_subnets(cidr, groups, max_azs)

        nat_count = max_azs if nat_gateways is None else nat_gateways
        if not 0 <= nat_count <= max_azs:
            raise invalid("nat_gateways", nat_gateways, f"0 to max_azs ({max_azs}), or None for one per AZ")
        if nat_count == 0 and private_subnet_mask is not None:
            raise invalid(
                "nat_gateways",
                nat_gateways,
                "at least 1 while private_subnet_mask is set: private subnets egress through NAT; "
                "set private_subnet_mask=None and use isolated subnets with endpoints instead",
            )
        unknown = sorted(set(interface_endpoints) - KNOWN_INTERFACE_ENDPOINTS)
        if unknown:
            raise invalid(
                "interface_endpoints",
                unknown,
                f"service names are one of: {', '.join(sorted(KNOWN_INTERFACE_ENDPOINTS))}",
            )

        subnet_configuration = [
            ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=public_subnet_mask)
        ]
        if private_subnet_mask is not None:
            subnet_configuration.append(
                ec2.SubnetConfiguration(
                    name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=private_subnet_mask
                )
            )
        if isolated_subnet_mask is not None:
            subnet_configuration.append(
                ec2.SubnetConfiguration(
                    name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=isolated_subnet_mask
                )
            )

        #: Flow-log destination.
        self.flow_log_group = logs.LogGroup(
            self, "FlowLogs", retention=flow_log_retention, removal_policy=removal_policy
        )
        #: The underlying L2 VPC.
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(cidr),
            max_azs=max_azs,
            nat_gateways=nat_count,
            subnet_configuration=subnet_configuration,
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
        #: Security group shared by the interface endpoints; admits HTTPS from the VPC CIDR.
        self.endpoint_security_group: ec2.SecurityGroup | None = None
        #: Interface endpoints by service name.
        self.interface_endpoints: dict[str, ec2.InterfaceVpcEndpoint] = {}
        for name in interface_endpoints:
            self.add_interface_endpoint(name)

    def _stack_azs(self) -> list[str]:
        from aws_cdk import Stack

        return list(Stack.of(self).availability_zones)

    def add_interface_endpoint(self, service_name: str) -> ec2.InterfaceVpcEndpoint:
        """Add (or return the existing) interface endpoint for ``service_name`` in the private subnets.

        The endpoint's private DNS is on, so SDKs and the CLI reach it under the service's
        normal host name without configuration.
        """
        if service_name not in KNOWN_INTERFACE_ENDPOINTS:
            raise invalid(
                "service_name",
                service_name,
                f"one of: {', '.join(sorted(KNOWN_INTERFACE_ENDPOINTS))}",
            )
        if service_name in self.interface_endpoints:
            return self.interface_endpoints[service_name]
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
        endpoint = self.vpc.add_interface_endpoint(
            _endpoint_id(service_name),
            service=ec2.InterfaceVpcEndpointAwsService(service_name),
            subnets=ec2.SubnetSelection(subnets=self.endpoint_subnets()),
            security_groups=[self.endpoint_security_group],
            open=False,
            private_dns_enabled=True,
        )
        self.interface_endpoints[service_name] = endpoint
        return endpoint

    def endpoint_subnets(self) -> list[ec2.ISubnet]:
        """Subnets interface endpoints go in: the private ones, else the isolated ones."""
        for subnet_type in (ec2.SubnetType.PRIVATE_WITH_EGRESS, ec2.SubnetType.PRIVATE_ISOLATED):
            subnets = self.vpc.select_subnets(subnet_type=subnet_type).subnets
            if subnets:
                return list(subnets)
        return list(self.vpc.public_subnets)

    def has_endpoint(self, service_name: str) -> bool:
        """True if the network reaches ``service_name`` privately (gateway or interface endpoint)."""
        return service_name in GATEWAY_ENDPOINTS or service_name in self.interface_endpoints

    def usable_addresses(self, selection: ec2.SubnetSelection | None = None) -> dict[str, int]:
        """Usable addresses per selected subnet (CIDR -> ``2**(32-prefix) - 5``).

        Defaults to the private-with-egress subnets. Only subnets whose CIDR is known at
        synth time are counted (all of a ``Network``'s own subnets are).
        """
        chosen = self.vpc.select_subnets(
            **(_selection_kwargs(selection) if selection else {"subnet_type": ec2.SubnetType.PRIVATE_WITH_EGRESS})
        ).subnets
        return {
            subnet.ipv4_cidr_block: usable_addresses_of_cidr(subnet.ipv4_cidr_block)
            for subnet in chosen
            if not Token.is_unresolved(subnet.ipv4_cidr_block)
        }


def _endpoint_id(service_name: str) -> str:
    return "".join(part.capitalize() for part in service_name.replace("-", ".").split(".")) + "Endpoint"


def _selection_kwargs(selection: ec2.SubnetSelection) -> dict[str, object]:
    fields = ("availability_zones", "one_per_az", "subnet_filters", "subnet_group_name", "subnets", "subnet_type")
    return {name: getattr(selection, name) for name in fields if getattr(selection, name) is not None}
