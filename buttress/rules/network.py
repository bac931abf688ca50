"""Synth-time rules of ``Network``, kept free of CDK so they are tested without synthesizing.

:func:`check_network` type-checks every prop (a mistyped one is a
:class:`~buttress.errors.ButtressError`, never a ``TypeError``), then checks the layout: at least
two AZs, subnet masks that fit the VPC block, a NAT count that the private subnets can live with,
and interface endpoint names AWS knows. It returns the checked props with the subnet plan.
"""

from __future__ import annotations

from dataclasses import dataclass

from buttress.errors import invalid
from buttress.rules import props
from buttress.rules.subnets import PlannedSubnet, SubnetGroupRequest, parse_vpc_cidr, plan_subnets

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


@dataclass(frozen=True)
class NetworkPlan:
    """The checked props of a ``Network`` and the subnet layout they give."""

    cidr: str
    max_azs: int
    public_subnet_mask: int
    private_subnet_mask: int | None
    isolated_subnet_mask: int | None
    #: NAT gateways to build (``nat_gateways=None`` resolved to one per AZ).
    nat_gateways: int
    interface_endpoints: tuple[str, ...]
    subnets: tuple[PlannedSubnet, ...]


def _mask(prop: str, value: object, *, optional: bool) -> int | None:
    if optional and value is None:
        return None
    return props.integer(prop, value)


def check_network(
    *,
    cidr: object,
    max_azs: object,
    public_subnet_mask: object,
    private_subnet_mask: object,
    isolated_subnet_mask: object,
    nat_gateways: object,
    interface_endpoints: object,
    stack_azs: int,
) -> NetworkPlan:
    """Check a ``Network``'s props; ``stack_azs`` is how many AZs its stack knows."""
    checked_cidr = props.string("cidr", cidr)
    parse_vpc_cidr(checked_cidr)
    azs = props.integer("max_azs", max_azs)
    check_max_azs(azs, stack_azs)
    public = props.integer("public_subnet_mask", public_subnet_mask)
    private = _mask("private_subnet_mask", private_subnet_mask, optional=True)
    isolated = _mask("isolated_subnet_mask", isolated_subnet_mask, optional=True)
    groups = [SubnetGroupRequest("public", public)]
    if private is not None:
        groups.append(SubnetGroupRequest("private", private))
    if isolated is not None:
        groups.append(SubnetGroupRequest("isolated", isolated))
    plan = plan_subnets(checked_cidr, groups, azs)
    nat = check_nat_gateways(nat_gateways, max_azs=azs, private_subnets=private is not None)
    endpoints = check_interface_endpoints("interface_endpoints", interface_endpoints)
    return NetworkPlan(checked_cidr, azs, public, private, isolated, nat, tuple(endpoints), tuple(plan))


def check_max_azs(max_azs: int, stack_azs: int) -> None:
    """At least 2 AZs, and no more than the stack knows."""
    if max_azs < 2:
        raise invalid("max_azs", max_azs, "at least 2: a subnet group in one AZ is a single point of failure")
    if max_azs > stack_azs:
        raise invalid(
            "max_azs",
            max_azs,
            f"this stack knows {stack_azs} AZs; an environment-agnostic stack knows only 2, "
            "so give the stack an explicit env (account and region) to use more",
        )


def check_nat_gateways(nat_gateways: object, *, max_azs: int, private_subnets: bool) -> int:
    """The NAT gateways to build: ``None`` means one per AZ; 0 only without private subnets."""
    if nat_gateways is None:
        return max_azs
    count = props.integer("nat_gateways", nat_gateways)
    if not 0 <= count <= max_azs:
        raise invalid("nat_gateways", nat_gateways, f"0 to max_azs ({max_azs}), or None for one per AZ")
    if count == 0 and private_subnets:
        raise invalid(
            "nat_gateways",
            nat_gateways,
            "at least 1 while private_subnet_mask is set: private subnets egress through NAT; "
            "set private_subnet_mask=None and use isolated subnets with endpoints instead",
        )
    return count


def check_interface_endpoints(prop: str, value: object) -> list[str]:
    """A list of known interface endpoint service names (a plain string is refused, not split)."""
    names = props.strings(prop, value)
    unknown = sorted(set(names) - KNOWN_INTERFACE_ENDPOINTS)
    if unknown:
        raise invalid(prop, unknown, f"service names are one of: {', '.join(sorted(KNOWN_INTERFACE_ENDPOINTS))}")
    return names


def check_service_name(prop: str, value: object) -> str:
    """One known interface endpoint service name."""
    name = props.string(prop, value)
    if name not in KNOWN_INTERFACE_ENDPOINTS:
        raise invalid(prop, value, f"one of: {', '.join(sorted(KNOWN_INTERFACE_ENDPOINTS))}")
    return name


def endpoint_id(service_name: str) -> str:
    """The construct id of the interface endpoint for ``service_name`` (``ecr.api`` -> ``EcrApiEndpoint``)."""
    return "".join(part.capitalize() for part in service_name.replace("-", ".").split(".")) + "Endpoint"
