#!/usr/bin/env python3
"""A minimal CDK app of another team that uses buttress as an installed library.

It imports only the public ``buttress`` API (never this repository's ``stacks/`` or
``tests/``), with its own ``cdk.json`` and its own pins, so it synthesizes exactly as it would
in a repository of its own.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import App, CfnOutput, Stack
from aws_cdk import aws_certificatemanager as acm
from constructs import Construct

import buttress

#: Placeholder certificate of the shop's HTTPS listener; pass a real one with ``-c certificate_arn=...``.
EXAMPLE_CERTIFICATE_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"


class OrdersStack(Stack):
    """One stack composing buttress constructs the way an application team would.

    A shop service (Fargate behind an HTTPS load balancer) publishes order events to a fan-out
    topic; billing receives only placed orders, audit receives everything; all in one network.
    """

    def __init__(self, scope: Construct, id_: str, **kwargs: Any) -> None:
        super().__init__(scope, id_, **kwargs)
        network = buttress.Network(
            self, "Network", cidr="10.40.0.0/16", nat_gateways=1, interface_endpoints=["ecr.api", "ecr.dkr", "logs"]
        )
        orders = buttress.FanoutTopic(self, "Orders", vpc=network)
        orders.add_queue("Billing", filter_policy={"event": ["order_placed"]})
        orders.add_queue("Audit")
        certificate = acm.Certificate.from_certificate_arn(
            self, "Certificate", self.node.try_get_context("certificate_arn") or EXAMPLE_CERTIFICATE_ARN
        )
        shop = buttress.AlbFargateService(
            self,
            "Shop",
            vpc=network.vpc,
            image="public.ecr.aws/nginx/nginx:stable",
            certificate=certificate,
            environment={"ORDERS_TOPIC_ARN": orders.topic.topic_arn},
        )
        orders.grant_publish(shop.task_role)
        CfnOutput(self, "ShopUrl", value=shop.url)


def build_app(outdir: str | None = None) -> App:
    app = App(outdir=outdir)
    OrdersStack(app, "ConsumerOrders", description=f"buttress {buttress.__version__} consumer example")
    return app


if __name__ == "__main__":
    build_app().synth()
