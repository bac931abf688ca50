"""The one way constructs take a VPC: a buttress ``Network`` or any ``ec2.IVpc`` (imported ones too).

It lives with the ``Network`` (not in ``buttress.parts``, which imports no construct): the
constructs that take a ``vpc`` prop import ``buttress.network.vpc_input``.

Checks that need what only a ``Network`` knows (planned subnet CIDRs, which endpoints exist) use
it when it is there, fall back to what the ``IVpc`` says when that is concrete, and otherwise
warn what they could not check instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Annotations, Stack, Token
from aws_cdk import aws_ec2 as ec2
from constructs import IConstruct

from buttress.errors import invalid
from buttress.network.construct import GATEWAY_ENDPOINTS, Network, selection_kwargs
from buttress.rules import props

__all__ = ["UNCHECKED_WARNING", "VpcInput", "vpc_input"]

#: Id of the synth-time warning a check adds when the VPC does not say enough to run it.
UNCHECKED_WARNING = "buttress:vpcNotChecked"


@dataclass(frozen=True)
class VpcInput:
    """A VPC prop, resolved: the ``IVpc`` to build in and the ``Network`` behind it, if any."""

    vpc: ec2.IVpc
    network: Network | None = None

    def subnet_cidrs(self, selection: ec2.SubnetSelection) -> list[str] | None:
        """IPv4 CIDRs of the selected subnets, or ``None`` when any is unknown at synth.

        Unknown: a token, or a ``Vpc.from_lookup`` the CLI has not looked up yet (its first pass
        hands out placeholder subnets, ``1.2.3.4/5``, that no check may read).
        """
        selected = self.vpc.select_subnets(**selection_kwargs(selection))
        if self.pending_lookup or selected.is_pending_lookup:
            return None
        subnets = selected.subnets
        try:
            cidrs = [subnet.ipv4_cidr_block for subnet in subnets]
        except Exception:
            return None
        if not cidrs or any(Token.is_unresolved(cidr) for cidr in cidrs):
            return None
        return cidrs

    @property
    def pending_lookup(self) -> bool:
        """True on the CLI's first pass over a ``Vpc.from_lookup``: subnets, CIDRs and AZs are placeholders."""
        try:
            return bool(self.vpc.select_subnets().is_pending_lookup)
        except Exception:  # jsii: a VPC with no subnet of the default kind; not a lookup placeholder
            return False

    def endpoints(self) -> frozenset[str] | None:
        """Service names of the VPC's endpoints (``"s3"``, ``"logs"``...), or ``None`` if unknown."""
        if self.network is None:
            return None
        return frozenset(GATEWAY_ENDPOINTS) | frozenset(self.network.interface_endpoints)

    def check_environment(self, scope: IConstruct, prop: str = "vpc") -> None:
        """Refuse a VPC whose stack is in another account or region than ``scope``'s, when both are known.

        A VPC, its subnets and security groups are regional and belong to one account; CloudFormation
        cannot refer to them from a stack elsewhere (and aws-cdk-lib's own error is a raw reference error).
        https://docs.aws.amazon.com/vpc/latest/userguide/configure-your-vpc.html
        """
        owner, consumer = Stack.of(self.vpc), Stack.of(scope)
        for what, theirs, ours in (
            ("account", owner.account, consumer.account),
            ("region", owner.region, consumer.region),
        ):
            if Token.is_unresolved(theirs) or Token.is_unresolved(ours) or theirs == ours:
                continue
            raise invalid(
                prop,
                f"{'Network' if self.network is not None else 'VPC'} {self.vpc.node.path} in {what} {theirs}",
                f"a VPC in this stack's {what} ({ours}): a VPC cannot be used from another account or region",
            )

    def warn_unchecked(self, scope: IConstruct, what: str) -> None:
        """Warn at synth that ``what`` could not be checked against this VPC."""
        Annotations.of(scope).add_warning_v2(
            UNCHECKED_WARNING,
            f"{what} was not checked: "
            + (
                "the VPC is being looked up (Vpc.from_lookup's first pass); synthesize again once cdk.context.json "
                "holds it"
                if self.pending_lookup
                else "the VPC passed is not a buttress Network and does not say enough at synth "
                "(pass the Network, or make sure yourself)"
            ),
        )


def vpc_input(prop: str, value: object) -> VpcInput:
    """Resolve the VPC prop ``prop``: a :class:`~buttress.Network` or an ``ec2.IVpc``."""
    if isinstance(value, Network):
        return VpcInput(value.vpc, value)
    if props.offers(value, "vpc_id", "select_subnets", "availability_zones"):
        return VpcInput(value)  # type: ignore[arg-type]
    raise invalid(
        prop,
        value,
        "a buttress.Network or an ec2.IVpc (e.g. ec2.Vpc(...) or ec2.Vpc.from_lookup(...)), "
        f"not {type(value).__name__}",
    )
