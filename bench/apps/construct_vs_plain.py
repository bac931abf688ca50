"""One buttress construct, or the nearest plain aws-cdk-lib build of the same job, synthesized in a fresh process.

    python bench/apps/construct_vs_plain.py JOB SIDE      # JOB: see JOBS; SIDE: buttress or plain

Both sides: an explicit environment, cdk.json's feature flags, the availability zones in context
(what a team's cdk.context.json holds), no compliance plugin, the assembly in ``CDK_OUTDIR``. The
plain side never imports buttress: importing it is part of what the construct costs its user. Each
plain build makes the resources the construct makes by default (``bench/construct_vs_plain.py``
prints both counts), with aws-cdk-lib's L2s where they exist, as a team would write it by hand.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT, REGION = "111122223333", "eu-west-1"
IMAGE = "public.ecr.aws/nginx/nginx:stable"
CERTIFICATE = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/bench-0000"
BUILD_SPEC: dict[str, Any] = {"version": 0.2, "phases": {"build": {"commands": ["echo build"]}}}


def _stack() -> Any:
    from aws_cdk import App, Environment, Stack

    flags = json.loads((ROOT / "cdk.json").read_text()).get("context", {})
    context = {
        **flags,
        "aws:cdk:enable-path-metadata": True,
        "aws:cdk:enable-asset-metadata": True,
        f"availability-zones:account={ACCOUNT}:region={REGION}": [f"{REGION}{z}" for z in "abc"],
    }
    app = App(context=context, outdir=os.environ.get("CDK_OUTDIR"))
    return app, Stack(app, "Bench", env=Environment(account=ACCOUNT, region=REGION))


# -- buttress ------------------------------------------------------------------------------------


def buttress_network(stack: Any) -> None:
    import buttress

    buttress.Network(stack, "Network")


def buttress_fanout(stack: Any) -> None:
    import buttress

    topic = buttress.FanoutTopic(stack, "Orders")
    for name, category in (("Lab", "lab-supplies"), ("Office", "office-supplies"), ("Tech", "tech-supplies")):
        topic.add_queue(name, filter_policy={"category": [category]})


def buttress_alb_fargate(stack: Any) -> None:
    from aws_cdk import aws_certificatemanager as acm
    from aws_cdk import aws_ec2 as ec2

    import buttress

    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    certificate = acm.Certificate.from_certificate_arn(stack, "Certificate", CERTIFICATE)
    buttress.AlbFargateService(stack, "Shop", vpc=vpc, image=IMAGE, certificate=certificate)


def buttress_codebuild(stack: Any) -> None:
    from aws_cdk import aws_ec2 as ec2

    import buttress

    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    buttress.VpcCodeBuild(stack, "Build", vpc=vpc, build_spec=BUILD_SPEC)


def buttress_kill_switch(stack: Any) -> None:
    import buttress

    buttress.BudgetKillSwitch(
        stack, "KillSwitch", limit_usd=25, tag_key="Project", tag_value="Beta", operator_emails=["ops@example.com"]
    )


BUTTRESS: dict[str, Callable[[Any], None]] = {
    "network": buttress_network,
    "fanout": buttress_fanout,
    "alb_fargate": buttress_alb_fargate,
    "codebuild": buttress_codebuild,
    "kill_switch": buttress_kill_switch,
}
JOBS = tuple(BUTTRESS)


def main(argv: list[str]) -> int:
    job, side = argv
    app, stack = _stack()
    if side == "buttress":
        BUTTRESS[job](stack)
    else:
        from bench.apps.plain_builds import PLAIN

        PLAIN[job](stack)
    app.synth()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
