#!/usr/bin/env python3
"""A minimal CDK app of another team that uses buttress as an installed library.

It imports only the public ``buttress`` API (never this repository's ``stacks/`` or
``tests/``), with its own ``cdk.json`` and its own pins, so it synthesizes exactly as it would
in a repository of its own.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import App, CfnOutput, Stack
from constructs import Construct

import buttress


class OrdersStack(Stack):
    """One stack composing buttress constructs the way an application team would."""

    def __init__(self, scope: Construct, id_: str, **kwargs: Any) -> None:
        super().__init__(scope, id_, **kwargs)
        network = buttress.Network(self, "Network", cidr="10.40.0.0/16", nat_gateways=1)
        CfnOutput(self, "VpcId", value=network.vpc.vpc_id)


def build_app(outdir: str | None = None) -> App:
    app = App(outdir=outdir)
    OrdersStack(app, "ConsumerOrders", description=f"buttress {buttress.__version__} consumer example")
    return app


if __name__ == "__main__":
    build_app().synth()
