"""The kill-switch engage and restore handlers over 5,000 tagged resources of every kind moto
implements, across two regions: wall time, AWS API calls per resource, peak memory.

Per region: Lambda functions, ECS services, EC2 instances, RDS DB instances, Aurora clusters, EC2
Auto Scaling groups, SageMaker notebook instances and EKS managed node groups (App Runner is left
out: moto does not implement it). IAM (one group) is global.

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

#: Totals, split evenly over the two regions (REGIONS): FULL is 5,000 resources plus the IAM group.
FULL = {
    "lambda": 2400,
    "ecs": 400,
    "ec2": 800,
    "rds": 600,
    "rds-cluster": 100,
    "asg": 300,
    "sagemaker": 200,
    "eks-nodegroup": 200,
}
SMALL = {
    "lambda": 60,
    "ecs": 12,
    "ec2": 20,
    "rds": 16,
    "rds-cluster": 4,
    "asg": 8,
    "sagemaker": 6,
    "eks-nodegroup": 6,
}
REGIONS = ("us-east-1", "eu-west-1")
#: Calls that change a resource, by kind (the rest are reads, the switch's own records, the summary).
MUTATING: dict[str, set[str]] = {
    "lambda": {"PutFunctionConcurrency", "DeleteFunctionConcurrency"},
    "ecs": {"UpdateService", "RegisterScalableTarget"},
    "ec2": {"StopInstances", "StartInstances"},
    "iam": {"AttachGroupPolicy", "DetachGroupPolicy", "AttachRolePolicy", "DetachRolePolicy"},
    "rds": {"StopDBInstance", "StartDBInstance"},
    "rds-cluster": {"StopDBCluster", "StartDBCluster"},
    "asg": {"SuspendProcesses", "UpdateAutoScalingGroup", "ResumeProcesses"},
    "sagemaker": {"StopNotebookInstance", "StartNotebookInstance"},
    "eks-nodegroup": {"UpdateNodegroupConfig"},
}
#: Changing calls each resource of a kind takes by design (ECS: service + scalable target for half;
#: Auto Scaling: suspend, sizes, resume).
MUTATING_LIMIT = {"ecs": 2, "asg": 3}
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


def _per_kind(sizes: dict[str, int], kind: str) -> int:
    """Resources of ``kind`` in all regions (IAM: the one group)."""
    return 1 if kind == "iam" else sizes.get(kind, 0)


def _share(sizes: dict[str, int], index: int) -> dict[str, int]:
    """Region ``index``'s part of each total (the first regions take the remainder)."""
    n = len(REGIONS)
    return {kind: total // n + (1 if index < total % n else 0) for kind, total in sizes.items()}


def build_world(sizes: dict[str, int], counter: CallCounter) -> tuple[Any, Any]:
    """The same tagged world in each of :data:`REGIONS`; the records table and topic in the first."""
    import boto3

    from buttress._lambda_src.kill_switch.config import KINDS, Config, Kind
    from tests.moto_env import create_records_table, kill_switch_clients

    home = kill_switch_clients(boto3.session.Session(region_name=REGIONS[0]))
    create_records_table(home.dynamodb)
    topic = home.sns.create_topic(Name="operators")["TopicArn"]
    role = home.iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    for index, region in enumerate(REGIONS):
        c = home.in_region(region)
        _count(c, counter)
        _build_region(c, region, _share(sizes, index), role)
    deny = home.iam.create_policy(
        PolicyName="beta-deny",
        PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "ec2:RunInstances", '
        '"Resource": "*"}]}',
    )["Policy"]["Arn"]
    home.iam.create_group(GroupName="beta-devs")
    config = Config(
        switch_id="bench",
        budget_name="Beta",
        account_id="123456789012",
        table_name="records",
        summary_topic_arn=topic,
        tag_key="Project",
        tag_value="Beta",
        actions=tuple(k for k in KINDS if k != Kind.APPRUNNER),  # moto does not implement App Runner
        iam_groups=("beta-devs",),
        deny_policy_arn=deny,
        regions=REGIONS,
    )
    return home, config


def _count(clients: Any, counter: CallCounter) -> None:
    for field in fields(clients):
        client = getattr(clients, field.name)
        if hasattr(client, "meta"):
            client.meta.events.register("before-call", counter)


BETA = [{"Key": "Project", "Value": "Beta"}]


def _build_region(c: Any, region: str, sizes: dict[str, int], role: str) -> None:
    code = _zip()
    for i in range(sizes.get("lambda", 0)):
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
    for i in range(sizes.get("ecs", 0)):
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
    left = sizes.get("ec2", 0)
    while left:
        batch = min(left, 50)
        c.ec2.run_instances(
            ImageId="ami-12c6146b",
            MinCount=batch,
            MaxCount=batch,
            InstanceType="t3.micro",
            TagSpecifications=[{"ResourceType": "instance", "Tags": BETA}],
        )
        left -= batch
    _build_more(c, region, sizes, role)


def _build_more(c: Any, region: str, sizes: dict[str, int], role: str) -> None:
    for i in range(sizes.get("rds", 0)):
        c.rds.create_db_instance(
            DBInstanceIdentifier=f"beta-db-{i:03d}",
            Engine="postgres",
            DBInstanceClass="db.t3.micro",
            MasterUsername="admin1",
            MasterUserPassword="password1",
            AllocatedStorage=20,
            Tags=BETA,
        )
    for i in range(sizes.get("rds-cluster", 0)):
        c.rds.create_db_cluster(
            DBClusterIdentifier=f"beta-aurora-{i:03d}",
            Engine="aurora-postgresql",
            MasterUsername="admin1",
            MasterUserPassword="password1",
            Tags=BETA,
        )
    if sizes.get("asg"):
        c.ec2.create_launch_template(
            LaunchTemplateName="beta-template",
            LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"},
        )
    for i in range(sizes.get("asg", 0)):
        c.asg.create_auto_scaling_group(
            AutoScalingGroupName=f"beta-asg-{i:03d}",
            LaunchTemplate={"LaunchTemplateName": "beta-template"},
            MinSize=0,
            MaxSize=2,
            DesiredCapacity=1,
            AvailabilityZones=[f"{region}a"],
            Tags=[{"Key": "Project", "Value": "Beta", "PropagateAtLaunch": True}],
        )
    for i in range(sizes.get("sagemaker", 0)):
        c.sagemaker.create_notebook_instance(
            NotebookInstanceName=f"beta-nb-{i:03d}", InstanceType="ml.t3.medium", RoleArn=role, Tags=BETA
        )
    for i in range(sizes.get("eks-nodegroup", 0)):
        cluster = f"beta-eks-{i // 50}"
        if i % 50 == 0:
            c.eks.create_cluster(name=cluster, roleArn=role, resourcesVpcConfig={"subnetIds": ["subnet-1"]})
        c.eks.create_nodegroup(
            clusterName=cluster,
            nodegroupName=f"ng-{i:03d}",
            nodeRole=role,
            subnets=["subnet-1"],
            scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2},
            tags={"Project": "Beta"},
        )


def run() -> Result:
    from buttress._lambda_src.kill_switch.engine import engage, restore
    from tests.moto_env import mocked_aws

    with mocked_aws():
        return _run(engage, restore)


def _resources(sizes: dict[str, int]) -> int:
    """Tagged resources in all regions (the Auto Scaling groups' own instances are left to the group)."""
    return sum(sizes.values())


def _run(engage: Any, restore: Any) -> Result:
    # The switch logs one JSON line per resource: keep them out of the report.
    import logging

    logging.getLogger().setLevel(logging.WARNING)

    sizes = SMALL if QUICK else FULL
    total_resources = _resources(sizes)
    n = runs(1, 1)
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
    kinds = ", ".join(f"{count:,} {kind}" for kind, count in sizes.items())
    result.lines.append(
        f"Split evenly over {len(REGIONS)} regions ({', '.join(REGIONS)}): {kinds} (Lambda: a quarter with their own "
        "reserved concurrency; ECS: half with auto scaling; Auto Scaling groups with one instance each, left "
        f"to their group); plus one IAM group (global): {total_resources + 1:,} resources, built in moto in "
        f"{setup_s:.0f} s. {n} engage/restore cycle(s); {config.max_workers} worker threads (the construct's "
        "default). App Runner is not in it: moto does not implement it."
    )
    result.lines.append("")
    rows = []
    for action in ("engage", "restore"):
        c = calls[action]
        total_calls = sum(c.values())
        mutating = {kind: sum(c[op] for op in ops) for kind, ops in MUTATING.items()}
        per_kind = ", ".join(
            f"{kind} {mutating[kind] / _per_kind(sizes, kind):.2f}" for kind in MUTATING if _per_kind(sizes, kind)
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
        "scaling suspended) on the scalable target and UpdateService (desired 0) on the service; Auto Scaling "
        "groups three (SuspendProcesses, UpdateAutoScalingGroup, ResumeProcesses for the rest, so the set of "
        "suspended processes is exact); every other resource takes one. DynamoDB calls are the switch's own "
        "records (previous state before each change)."
    )
    result.lines.append("")
    worst = max(median(times["engage"]), median(times["restore"]))
    over_one = []
    for action in ("engage", "restore"):
        c = calls[action]
        for kind, ops in MUTATING.items():
            if not _per_kind(sizes, kind):
                continue
            per = sum(c[op] for op in ops) / _per_kind(sizes, kind)
            if per > MUTATING_LIMIT.get(kind, 1):
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
            "at most one mutating call per resource per action (ECS two, Auto Scaling groups three, by design)",
            "within those limits" + (f"; exceeded: {', '.join(over_one)}" if over_one else ""),
            "met" if not over_one else "missed",
        )
    )
    if QUICK:
        result.lines.append(f"(quick mode: {total_resources} resources instead of {_resources(FULL):,})")
    result.data = {"times": times, "peaks": peaks, "calls": {k: dict(v) for k, v in calls.items()}, "counts": counts}
    return result


if __name__ == "__main__":
    from bench.common import emit

    emit(run())
