"""The kill-switch engage and restore handlers over 1,000 Lambda functions, 200 ECS services and
200 EC2 instances in moto: wall time, AWS API calls per resource, peak memory.

moto runs in-process (``mock_aws``), so wall time is Python time of the switch and of moto's
emulation together: an upper bound on the switch's own work, not AWS's latency. API calls are
counted with botocore's ``before-call`` event on every client (one per call, retries excluded).
Each cycle is engage then restore on the same world, so the world is back to its start; the last
cycle runs under ``tracemalloc`` for the peak Python memory (moto's allocations included).
"""

from __future__ import annotations

import io
import threading
import time
import tracemalloc
import zipfile
from collections import Counter
from dataclasses import fields
from typing import Any

from bench.common import QUICK, Result, Target, median, runs

FULL = {"lambda": 1000, "ecs": 200, "ec2": 200}
SMALL = {"lambda": 100, "ecs": 20, "ec2": 20}
#: Calls that change a resource, by kind (the rest are reads, the switch's own records, the summary).
MUTATING: dict[str, set[str]] = {
    "lambda": {"PutFunctionConcurrency", "DeleteFunctionConcurrency"},
    "ecs": {"UpdateService", "RegisterScalableTarget"},
    "ec2": {"StopInstances", "StartInstances"},
    "iam": {"AttachGroupPolicy", "DetachGroupPolicy", "AttachRolePolicy", "DetachRolePolicy"},
}
BUDGET_S = 15 * 60
AIM_S = 60.0


class CallCounter:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.calls[model.name] += 1

    def take(self) -> Counter[str]:
        with self._lock:
            out, self.calls = self.calls, Counter()
        return out


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def build_world(sizes: dict[str, int], counter: CallCounter) -> tuple[Any, Any]:
    import boto3

    from buttress._lambda_src.kill_switch.config import Config
    from tests.moto_env import REGION, kill_switch_clients

    c = kill_switch_clients(boto3.session.Session(region_name=REGION))
    c.dynamodb.create_table(
        TableName="records",
        KeySchema=[{"AttributeName": "switch", "KeyType": "HASH"}, {"AttributeName": "resource", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "switch", "AttributeType": "S"},
            {"AttributeName": "resource", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    topic = c.sns.create_topic(Name="operators")["TopicArn"]
    role = c.iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = _zip()
    for i in range(sizes["lambda"]):
        c.lambda_.create_function(
            FunctionName=f"beta-fn-{i:04d}",
            Runtime="python3.12",
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": code},
            Tags={"Project": "Beta"},
        )
        if i % 4 == 0:  # a quarter with a limit of their own, which restore must put back
            c.lambda_.put_function_concurrency(FunctionName=f"beta-fn-{i:04d}", ReservedConcurrentExecutions=5)
    c.ecs.create_cluster(clusterName="beta")
    c.ecs.register_task_definition(
        family="web", containerDefinitions=[{"name": "web", "image": "nginx", "memory": 128}]
    )
    for i in range(sizes["ecs"]):
        service = f"web-{i:03d}"
        c.ecs.create_service(
            cluster="beta",
            serviceName=service,
            taskDefinition="web",
            desiredCount=2,
            tags=[{"key": "Project", "value": "Beta"}],
        )
        if i % 2 == 0:  # half with auto scaling
            c.autoscaling.register_scalable_target(
                ServiceNamespace="ecs",
                ResourceId=f"service/beta/{service}",
                ScalableDimension="ecs:service:DesiredCount",
                MinCapacity=1,
                MaxCapacity=4,
            )
    left = sizes["ec2"]
    while left:
        batch = min(left, 50)
        c.ec2.run_instances(
            ImageId="ami-12c6146b",
            MinCount=batch,
            MaxCount=batch,
            InstanceType="t3.micro",
            TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Project", "Value": "Beta"}]}],
        )
        left -= batch
    deny = c.iam.create_policy(
        PolicyName="beta-deny",
        PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ec2:RunInstances", '
        '"Resource": "*"}]}',
    )["Policy"]["Arn"]
    c.iam.create_group(GroupName="beta-devs")
    config = Config(
        switch_id="bench",
        budget_name="Beta",
        account_id="123456789012",
        table_name="records",
        summary_topic_arn=topic,
        tag_key="Project",
        tag_value="Beta",
        iam_groups=("beta-devs",),
        deny_policy_arn=deny,
    )
    for field in fields(c):
        getattr(c, field.name).meta.events.register("before-call", counter)
    return c, config


def run() -> Result:
    from buttress._lambda_src.kill_switch.engine import engage, restore
    from tests.moto_env import mocked_aws

    with mocked_aws():
        return _run(engage, restore)


def _run(engage: Any, restore: Any) -> Result:
    # The switch logs one JSON line per resource: keep them out of the report.
    import logging

    logging.getLogger().setLevel(logging.WARNING)

    sizes = SMALL if QUICK else FULL
    total_resources = sum(sizes.values())
    n = runs(2, 1)
    counter = CallCounter()
    times: dict[str, list[float]] = {"engage": [], "restore": []}
    calls: dict[str, Counter[str]] = {}
    counts: dict[str, Any] = {}
    peaks: dict[str, float] = {}
    start = time.perf_counter()
    clients, config = build_world(sizes, counter)
    setup_s = time.perf_counter() - start
    counter.take()
    for cycle in range(n + 1):
        traced = cycle == n  # the last, extra cycle measures memory only
        for action, fn in (("engage", engage), ("restore", restore)):
            if traced:
                tracemalloc.start()
            t0 = time.perf_counter()
            summary = fn(clients, config, run_id=f"{action}-{cycle}")
            elapsed = time.perf_counter() - t0
            if traced:
                peaks[action] = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
                counter.take()
                continue
            times[action].append(elapsed)
            calls[action] = counter.take()
            counts[action] = summary.counts
            if summary.total("failed"):
                raise RuntimeError(f"{action} failed for some resources: {summary.counts}")

    result = Result("kill_switch", "Kill-switch engage and restore at scale (moto)")
    result.lines.append(
        f"{sizes['lambda']:,} tagged Lambda functions (a quarter with their own reserved concurrency), "
        f"{sizes['ecs']} ECS services (half with auto scaling), {sizes['ec2']} EC2 instances and one IAM group: "
        f"{total_resources + 1:,} resources, built in moto in {setup_s:.0f} s. {n} engage/restore cycle(s), "
        f"medians; {config.max_workers} worker threads (the construct's default)."
    )
    result.lines.append("")
    rows = []
    for action in ("engage", "restore"):
        c = calls[action]
        total_calls = sum(c.values())
        mutating = {kind: sum(c[op] for op in ops) for kind, ops in MUTATING.items()}
        per_kind = ", ".join(
            f"{kind} {mutating[kind] / (sizes.get(kind, 1)):.2f}" for kind in ("lambda", "ecs", "ec2", "iam")
        )
        rows.append(
            [
                action,
                f"{median(times[action]):.1f}",
                f"{total_calls:,}",
                f"{total_calls / (total_resources + 1):.2f}",
                per_kind,
                f"{peaks[action]:.0f}",
            ]
        )
    result.table(
        [
            "action",
            "wall s",
            "API calls",
            "calls per resource",
            "mutating calls per resource",
            "peak MiB (tracemalloc)",
        ],
        rows,
    )
    for action in ("engage", "restore"):
        listing = ", ".join(f"{op} {k}" for op, k in sorted(calls[action].items(), key=lambda kv: -kv[1]))
        result.lines.append(f"- {action} calls: {listing}")
    result.lines.append("")
    result.lines.append(
        "ECS services with auto scaling take two changing calls by design: RegisterScalableTarget (bounds 0, "
        "scaling suspended) on the scalable target and UpdateService (desired 0) on the service; every other "
        "resource takes one. DynamoDB calls are the switch's own records (previous state before each change)."
    )
    result.lines.append("")
    worst = max(median(times["engage"]), median(times["restore"]))
    over_one = []
    for action in ("engage", "restore"):
        c = calls[action]
        for kind, ops in MUTATING.items():
            per = sum(c[op] for op in ops) / sizes.get(kind, 1)
            limit = 2 if kind == "ecs" else 1  # service + its scalable target
            if per > limit:
                over_one.append(f"{action} {kind} {per:.2f}")
    result.targets.append(
        Target(
            f"engage/restore of {total_resources:,} resources well inside a 15-minute Lambda (aim under a minute)",
            f"engage {median(times['engage']):.1f} s, restore {median(times['restore']):.1f} s in moto",
            "met" if worst < AIM_S else ("met (over the aim)" if worst < BUDGET_S / 3 else "missed"),
        )
    )
    result.targets.append(
        Target(
            "at most one mutating call per resource per action",
            "one per function, instance and IAM group; per ECS service one on the service and one on its scalable "
            "target" + (f"; exceeded: {', '.join(over_one)}" if over_one else ""),
            "met" if not over_one else "missed",
        )
    )
    if QUICK:
        result.lines.append(f"(quick mode: {total_resources} resources instead of 1,400)")
    result.data = {"times": times, "peaks": peaks, "calls": {k: dict(v) for k, v in calls.items()}, "counts": counts}
    return result


if __name__ == "__main__":
    from bench.common import emit

    emit(run())
