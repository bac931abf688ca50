"""``ButtressNetwork``: the VPC the example services and builds share."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy, Stack
from constructs import Construct

from buttress import Network


class NetworkStack(Stack):
    """A two-AZ network with NAT per AZ and the endpoints that container builds and tasks use."""

    def __init__(self, scope: Construct, id_: str, **kwargs: Any) -> None:
        super().__init__(scope, id_, **kwargs)
        self.network = Network(
            self,
            "Network",
            cidr="10.20.0.0/16",
            interface_endpoints=["ecr.api", "ecr.dkr", "logs", "sts"],
            # An example stack: `cdk destroy` removes the flow logs too (the library keeps them by default).
            removal_policy=RemovalPolicy.DESTROY,
        )
