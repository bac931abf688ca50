"""Subnet arithmetic (pure, no synthesis)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buttress.errors import ButtressError
from buttress.rules.subnets import (
    SubnetGroupRequest,
    parse_vpc_cidr,
    plan_subnets,
    usable_addresses,
    usable_addresses_of_cidr,
)


@pytest.mark.parametrize(("prefix", "expected"), [(16, 65531), (20, 4091), (24, 251), (27, 27), (28, 11)])
def test_usable_addresses_reserves_five_per_subnet(prefix: int, expected: int) -> None:
    assert usable_addresses(prefix) == expected


@pytest.mark.parametrize("prefix", [15, 29, 32])
def test_usable_addresses_rejects_prefixes_aws_does_not_allow(prefix: int) -> None:
    with pytest.raises(ButtressError, match=rf"prefix_length={prefix} is invalid: a subnet is /16 to /28"):
        usable_addresses(prefix)


def test_usable_addresses_of_cidr() -> None:
    assert usable_addresses_of_cidr("10.0.3.0/24") == 251


@pytest.mark.parametrize(
    ("cidr", "message"),
    [
        ("10.0.0.0/15", r"cidr='10.0.0.0/15' is invalid: the VPC block must be /16 to /28"),
        ("10.0.0.0/29", r"cidr='10.0.0.0/29' is invalid: the VPC block must be /16 to /28"),
        ("10.0.0.1/24", r"cidr='10.0.0.1/24' is invalid: an IPv4 network"),
        ("banana", r"cidr='banana' is invalid: an IPv4 network"),
    ],
)
def test_parse_vpc_cidr_errors_name_the_prop(cidr: str, message: str) -> None:
    with pytest.raises(ButtressError, match=message):
        parse_vpc_cidr(cidr)


def test_plan_lays_out_groups_then_azs_aligned() -> None:
    plan = plan_subnets(
        "10.0.0.0/16",
        [SubnetGroupRequest("public", 24), SubnetGroupRequest("private", 20), SubnetGroupRequest("isolated", 24)],
        2,
    )
    assert [(p.group, p.az_index, p.cidr) for p in plan] == [
        ("public", 0, "10.0.0.0/24"),
        ("public", 1, "10.0.1.0/24"),
        ("private", 0, "10.0.16.0/20"),
        ("private", 1, "10.0.32.0/20"),
        ("isolated", 0, "10.0.48.0/24"),
        ("isolated", 1, "10.0.49.0/24"),
    ]
    assert plan[2].usable_addresses == 4091


def test_plan_rejects_groups_that_do_not_fit() -> None:
    with pytest.raises(
        ButtressError, match=r"private_subnet_mask=24 is invalid: 2 AZs x 2 subnet groups need at least 640 addresses"
    ):
        plan_subnets("10.0.0.0/24", [SubnetGroupRequest("public", 26), SubnetGroupRequest("private", 24)], 2)


def test_plan_rejects_mask_larger_than_vpc_or_below_28() -> None:
    with pytest.raises(ButtressError, match=r"public_subnet_mask=20 is invalid: a subnet mask from /24"):
        plan_subnets("10.0.0.0/24", [SubnetGroupRequest("public", 20)], 2)
    with pytest.raises(ButtressError, match=r"isolated_subnet_mask=29 is invalid: .* to /28"):
        plan_subnets("10.0.0.0/16", [SubnetGroupRequest("isolated", 29)], 2)


@given(
    vpc_prefix=st.integers(16, 24),
    masks=st.lists(st.integers(16, 28), min_size=1, max_size=3),
    azs=st.integers(2, 4),
)
def test_plan_never_overlaps_and_stays_inside_the_vpc(vpc_prefix: int, masks: list[int], azs: int) -> None:
    vpc = ipaddress.IPv4Network(f"10.0.0.0/{vpc_prefix}")
    groups = [SubnetGroupRequest(f"g{i}", m) for i, m in enumerate(masks)]
    in_range = all(vpc_prefix <= m <= 28 for m in masks)
    fits = sum(2 ** (32 - m) * azs for m in masks) <= vpc.num_addresses
    try:
        plan = plan_subnets(str(vpc), groups, azs)
    except ButtressError:
        # Largest-first groups waste nothing on alignment, so they are rejected only when too big.
        assert not (in_range and fits and masks == sorted(masks))
        return
    assert in_range and fits
    nets = [ipaddress.IPv4Network(p.cidr) for p in plan]
    assert len(nets) == len(masks) * azs
    assert all(n.subnet_of(vpc) for n in nets)
    assert not any(a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :])
