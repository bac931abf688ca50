#!/usr/bin/env python3
"""A minimal CDK app of another team that uses buttress as an installed library.

It imports only the public ``buttress`` API (never this repository's ``stacks/`` or
``tests/``), with its own ``cdk.json`` (the feature flags ``cdk init`` writes), its own pins and
its own ``cdk.context.json``, so it synthesizes exactly as it would in a repository of its own:
one stack with an explicit account and region, all five constructs, cdk-nag AwsSolutions on.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, App, CfnOutput, Environment, Stack, Validations
from aws_cdk import aws_certificatemanager as acm
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

import buttress

#: The team's account and region (override with ``-c account=... -c region=...``); the AZs of this
#: pair are in cdk.context.json, as ``cdk synth`` records them after its first lookup.
DEFAULT_ACCOUNT = "111122223333"
DEFAULT_REGION = "eu-west-1"

#: The integration test the build runs against the shop, through its load balancer.
SMOKE_TEST_SPEC: dict[str, Any] = {
    "version": "0.2",
    "phases": {"build": {"commands": ['curl --fail --retry 5 --retry-connrefused "$SHOP_URL/"']}},
}


class OrdersStack(Stack):
    """One stack composing buttress constructs the way an application team would.

    A shop service (Fargate behind an HTTPS load balancer) publishes order events to a fan-out
    topic; billing receives only placed orders, audit receives everything; a CodeBuild project
    smoke-tests the shop from inside the network; a budget kill-switch stops what is tagged
    ``Project=Orders`` when the month's spend passes the limit. All in one network.
    """

    def __init__(self, scope: Construct, id_: str, **kwargs: Any) -> None:
        super().__init__(scope, id_, **kwargs)
        network = buttress.Network(
            self, "Network", cidr="10.40.0.0/16", nat_gateways=1, interface_endpoints=["ecr.api", "ecr.dkr", "logs"]
        )
        orders = buttress.FanoutTopic(self, "Orders", vpc=network)
        orders.add_queue("Billing", filter_policy={"event": ["order_placed"]})
        orders.add_queue("Audit")
        shop = buttress.AlbFargateService(
            self,
            "Shop",
            vpc=network,
            image="public.ecr.aws/nginx/nginx:stable",
            certificate=self._certificate(),
            environment={"ORDERS_TOPIC_ARN": orders.topic.topic_arn},
        )
        orders.grant_publish(shop.task_role)
        # The team's own call: the topic ARN is configuration, not a secret (secrets go in `secrets=`).
        Validations.of(shop.task_definition).acknowledge(
            Acknowledgment(id="AwsSolutions-ECS2", reason="ORDERS_TOPIC_ARN is a resource name, not a secret")
        )
        smoke_tests = buttress.VpcCodeBuild(
            self, "SmokeTests", vpc=network, build_spec=SMOKE_TEST_SPEC, environment_variables={"SHOP_URL": shop.url}
        )
        shop.allow_from(smoke_tests, "smoke tests (CodeBuild) to the shop")
        buttress.BudgetKillSwitch(
            self,
            "KillSwitch",
            limit_usd=50,
            tag_key="Project",
            tag_value="Orders",
            operator_emails=["orders-oncall@example.com"],
        )
        CfnOutput(self, "ShopUrl", value=shop.url)

    def _certificate(self) -> acm.ICertificate:
        """The shop's certificate: ``-c certificate_arn=...``, else a placeholder of this account and region."""
        arn = self.node.try_get_context("certificate_arn") or self.format_arn(
            service="acm", resource="certificate", resource_name="00000000-0000-0000-0000-000000000000"
        )
        return acm.Certificate.from_certificate_arn(self, "Certificate", arn)


def build_app(outdir: str | None = None) -> App:
    app = App(outdir=outdir)
    env = Environment(
        account=app.node.try_get_context("account") or DEFAULT_ACCOUNT,
        region=app.node.try_get_context("region") or DEFAULT_REGION,
    )
    OrdersStack(app, "ConsumerOrders", env=env, description=f"buttress {buttress.__version__} consumer example")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


if __name__ == "__main__":
    build_app().synth()
