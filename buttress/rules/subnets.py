"""Subnet arithmetic: pure functions, no CDK import, so they are testable on their own.

AWS reserves five addresses in every subnet (network, VPC router, DNS, future use,
broadcast), and allows VPC and subnet CIDR blocks from /16 to /28.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from buttress.errors import invalid

#: Addresses AWS keeps in every subnet: the first four and the last one.
RESERVED_PER_SUBNET = 5
#: Largest VPC / subnet block AWS allows.
MIN_PREFIX = 16
#: Smallest VPC / subnet block AWS allows.
MAX_PREFIX = 28


def usable_addresses(prefix_length: int) -> int:
    """Addresses a subnet of ``/prefix_length`` gives to ENIs: ``2**(32 - prefix) - 5``.

    >>> usable_addresses(24)
    251
    >>> usable_addresses(28)
    11
    """
    if not MIN_PREFIX <= prefix_length <= MAX_PREFIX:
        raise invalid("prefix_length", prefix_length, f"a subnet is /{MIN_PREFIX} to /{MAX_PREFIX}")
    return int(2 ** (32 - prefix_length)) - RESERVED_PER_SUBNET


def usable_addresses_of_cidr(cidr: str) -> int:
    """:func:`usable_addresses` of a CIDR block such as ``"10.0.3.0/24"``."""
    return usable_addresses(ipaddress.IPv4Network(cidr, strict=False).prefixlen)


def parse_vpc_cidr(cidr: str) -> ipaddress.IPv4Network:
    """Parse and check a VPC IPv4 CIDR block (/16 to /28), naming the prop on error."""
    try:
        network = ipaddress.IPv4Network(cidr, strict=True)
    except ValueError as exc:
        raise invalid("cidr", cidr, f"an IPv4 network such as '10.0.0.0/16' ({exc})") from None
    if not MIN_PREFIX <= network.prefixlen <= MAX_PREFIX:
        raise invalid("cidr", cidr, f"the VPC block must be /{MIN_PREFIX} to /{MAX_PREFIX}")
    return network


@dataclass(frozen=True)
class SubnetGroupRequest:
    """One subnet group: ``name`` (used in errors as ``<name>_subnet_mask``) and its mask."""

    name: str
    mask: int


@dataclass(frozen=True)
class PlannedSubnet:
    """One subnet of a plan: its group, AZ index and CIDR block."""

    group: str
    az_index: int
    cidr: str

    @property
    def usable_addresses(self) -> int:
        return usable_addresses_of_cidr(self.cidr)


def plan_subnets(vpc_cidr: str, groups: Sequence[SubnetGroupRequest], az_count: int) -> list[PlannedSubnet]:
    """Lay out ``az_count`` subnets per group inside ``vpc_cidr`` the way CDK's ``Vpc`` does.

    Subnets are allocated group by group, AZ by AZ, each at the next address aligned to
    its own size. Raises :class:`~buttress.errors.ButtressError` naming the group's
    ``<name>_subnet_mask`` prop when a mask is out of range or the groups do not fit.
    """
    network = parse_vpc_cidr(vpc_cidr)
    if az_count < 1:
        raise invalid("max_azs", az_count, "at least 1")
    for group in groups:
        if not network.prefixlen <= group.mask <= MAX_PREFIX:
            raise invalid(
                f"{group.name}_subnet_mask",
                group.mask,
                f"a subnet mask from /{network.prefixlen} (the VPC's own size) to /{MAX_PREFIX}",
            )
    needed = sum(2 ** (32 - group.mask) * az_count for group in groups)
    planned: list[PlannedSubnet] = []
    cursor = int(network.network_address)
    end = int(network.broadcast_address) + 1
    for group in groups:
        size = 2 ** (32 - group.mask)
        for az_index in range(az_count):
            cursor = -(-cursor // size) * size  # align up to the subnet's own size
            if cursor + size > end:
                raise invalid(
                    f"{group.name}_subnet_mask",
                    group.mask,
                    f"{az_count} AZs x {len(groups)} subnet groups need at least {needed} addresses "
                    f"(more once aligned) but the VPC {vpc_cidr} has {network.num_addresses}; "
                    "use larger masks (smaller subnets) or a larger VPC cidr",
                )
            planned.append(PlannedSubnet(group.name, az_index, f"{ipaddress.IPv4Address(cursor)}/{group.mask}"))
            cursor += size
    return planned
