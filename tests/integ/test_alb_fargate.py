"""AlbFargateService: the URL answers through the load balancer, the tasks only through it, a bad image rolls back."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest

from tests.integ.apps import BAD_IMAGE_CONTEXT, synth_apps
from tests.integ.target import Target

pytestmark = [pytest.mark.xdist_group("integ"), pytest.mark.slow]  # the CDK CLI and moto's server

#: The load balancer registers a new task after two health checks; DNS of a new load balancer takes a while.
URL_TIMEOUT_S = 300


def answers(url: str, timeout_s: float = URL_TIMEOUT_S) -> int:
    """The first HTTP status the URL answers within ``timeout_s`` (0: none)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return int(response.status)
        except OSError:
            if time.monotonic() > deadline:
                return 0
            time.sleep(10)


def test_url_answers_through_the_load_balancer(target: Target) -> None:
    target.require("alb.url_answers")
    assert answers(target.outputs("alb")["Url"]) == 200


def test_tasks_are_reachable_only_through_the_load_balancer(target: Target) -> None:
    target.require("alb.tasks_private")
    outputs = target.outputs("alb")
    ecs, ec2, elbv2 = target.client("ecs"), target.client("ec2"), target.client("elbv2")
    tasks = ecs.list_tasks(cluster=outputs["ClusterName"], serviceName=outputs["ServiceName"])["taskArns"]
    assert tasks, "the service runs no task"
    described = ecs.describe_tasks(cluster=outputs["ClusterName"], tasks=tasks)["tasks"]
    enis = [
        d["value"]
        for task in described
        for attachment in task["attachments"]
        for d in attachment["details"]
        if d["name"] == "networkInterfaceId"
    ]
    interfaces = ec2.describe_network_interfaces(NetworkInterfaceIds=enis)["NetworkInterfaces"]
    assert all("Association" not in i for i in interfaces), "a task has a public IP"
    lb_groups = set(
        elbv2.describe_load_balancers(LoadBalancerArns=[outputs["LoadBalancerArn"]])["LoadBalancers"][0][
            "SecurityGroups"
        ]
    )
    task_groups = {g["GroupId"] for i in interfaces for g in i["Groups"]}
    for group in ec2.describe_security_groups(GroupIds=sorted(task_groups))["SecurityGroups"]:
        for permission in group["IpPermissions"]:
            assert not permission.get("IpRanges") and not permission.get("Ipv6Ranges"), permission
            sources = {pair["GroupId"] for pair in permission.get("UserIdGroupPairs", [])}
            assert sources <= lb_groups, (group["GroupId"], sources)


def test_bad_image_rolls_back(target: Target, tmp_path: Path) -> None:
    """Deploy the same app with an image that cannot start: the update fails, the service rolls back."""
    target.require("alb.bad_image_rolls_back")
    from tests.integ.runner import account_env, cdk

    bad = synth_apps(tmp_path, run_id=target.run_id, names=["alb"], context={BAD_IMAGE_CONTEXT: True})["alb"]
    proc = cdk(["deploy", "--app", str(bad), "--require-approval", "never", "--all"], account_env(), check=False)
    assert proc.returncode != 0, "deploying an image that cannot start succeeded"
    assert target.status("alb") == "UPDATE_ROLLBACK_COMPLETE"
    assert answers(target.outputs("alb")["Url"], timeout_s=60) == 200
