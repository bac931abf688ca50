"""``NetworkProps``: the keyword arguments of :class:`~buttress.network.Network`, as given, and their one check.

The constructor builds this once, in one explicit call; :func:`check` turns it into
:class:`CheckedNetwork`, what the builders read. Field names and defaults are the constructor's
(``tests/network/test_props.py`` holds them in step).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs

from buttress.parts.keys import optional_key
from buttress.rules import props as prop_checks
from buttress.rules.network import NetworkPlan, check_network


@dataclass(frozen=True)
class NetworkProps:
    """Every prop of a ``Network``, unchecked (see the construct's docstring for each)."""

    cidr: str = "10.0.0.0/16"
    max_azs: int = 2
    public_subnet_mask: int = 24
    private_subnet_mask: int | None = 20
    isolated_subnet_mask: int | None = 24
    nat_gateways: int | None = None
    interface_endpoints: Sequence[str] = ()
    log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    log_key: kms.IKey | None = None


@dataclass(frozen=True)
class CheckedNetwork:
    """The checked props: the subnet ``plan`` (plain, from ``buttress.rules.network``) and the CDK-typed ones."""

    plan: NetworkPlan
    log_retention: logs.RetentionDays
    removal_policy: RemovalPolicy
    log_key: kms.IKey | None


def check(props: NetworkProps, *, stack_azs: int) -> CheckedNetwork:
    """Check every prop (``stack_azs``: how many AZs the stack knows); the first wrong one raises."""
    plan = check_network(
        cidr=props.cidr,
        max_azs=props.max_azs,
        public_subnet_mask=props.public_subnet_mask,
        private_subnet_mask=props.private_subnet_mask,
        isolated_subnet_mask=props.isolated_subnet_mask,
        nat_gateways=props.nat_gateways,
        interface_endpoints=props.interface_endpoints,
        stack_azs=stack_azs,
    )
    return CheckedNetwork(
        plan=plan,
        log_retention=prop_checks.instance(
            "log_retention", props.log_retention, logs.RetentionDays, "a logs.RetentionDays"
        ),
        removal_policy=prop_checks.instance("removal_policy", props.removal_policy, RemovalPolicy, "a RemovalPolicy"),
        log_key=optional_key("log_key", props.log_key),
    )
