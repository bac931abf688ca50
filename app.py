#!/usr/bin/env python3
"""The buttress example app. ``cdk synth`` runs this file; tests call :func:`build_app`.

Both paths go through :func:`build_app` with the context of ``cdk.json``, so the feature
flags, metadata and cdk-nag checks that tests see are exactly those ``cdk synth`` applies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import App, Validations

from buttress import compliance
from stacks.car_dealer_stack import CarDealerStack
from stacks.ci_stack import CiStack
from stacks.cost_guard_stack import CostGuardStack
from stacks.network_stack import NetworkStack
from stacks.procurement_stack import ProcurementStack
from stacks.web_service_stack import WebServiceStack

ROOT = Path(__file__).resolve().parent

#: Context the CDK CLI sets by default; set here too so an in-process App synthesizes the same.
CLI_DEFAULT_CONTEXT: Mapping[str, Any] = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
}


def cdk_json_context() -> dict[str, Any]:
    """The ``context`` block of ``cdk.json`` (feature flags and example settings)."""
    data = json.loads((ROOT / "cdk.json").read_text())
    return dict(data.get("context", {}))


def build_app(*, context: Mapping[str, Any] | None = None, outdir: str | None = None) -> App:
    """Build the example app: every example stack, checked by every cdk-nag pack and the Control Tower rules.

    ``context`` overrides values of ``cdk.json`` (tests use it to try other settings).
    """
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context(), **(context or {})}, outdir=outdir)
    network = NetworkStack(app, "ButtressNetwork", description="buttress example: shared VPC (Network construct)")
    web = WebServiceStack(
        app,
        "ButtressWebService",
        network=network.network,
        description="buttress example: public web and internal api Fargate services (AlbFargateService)",
    )
    CiStack(
        app,
        "ButtressCi",
        network=network.network,
        api=web.api,
        description="buttress example: CodeBuild integration tests of the internal api (VpcCodeBuild)",
    )
    CostGuardStack(app, "ButtressCostGuard", description="buttress example: budget kill-switch (BudgetKillSwitch)")
    CarDealerStack(app, "ButtressCarDealer", description="buttress example: SNS fan-out, car dealer (FanoutTopic)")
    ProcurementStack(app, "ButtressProcurement", description="buttress example: SNS filter operators (FanoutTopic)")
    Validations.of(app).add_plugins(*compliance.plugins(app))
    return app


if __name__ == "__main__":
    build_app().synth()
