"""The kill-switch's other kinds against moto: RDS instances, Aurora clusters, EC2 Auto Scaling
groups, SageMaker notebook instances, EKS managed node groups, instance-store EC2, the re-stop
schedule; and App Runner with botocore's ``Stubber``.

moto implements every call these kinds make (stop/start DB instance and cluster, the Auto Scaling
group sizes, suspended processes and tag filter, the notebook stop/start, instance types, EKS
node group scaling) except App Runner's: moto 5.2 answers ``ListServices`` with "Not yet
implemented" and has no DescribeService/PauseService/ResumeService, so those calls are tested
against recorded responses (shapes from the App Runner API reference) through a ``Stubber``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

from buttress._lambda_src.kill_switch.actions import Clients
from buttress._lambda_src.kill_switch.config import Config, Kind
from buttress._lambda_src.kill_switch.engine import engage, restop, restore
from buttress._lambda_src.kill_switch.plan import ASG_SUSPEND
from tests.moto_env import ACCOUNT, REGION, create_records_table, kill_switch_clients, mocked_aws, moto_session

BETA: Any = [{"Key": "Project", "Value": "Beta"}]


@dataclass
class World:
    clients: Clients
    config: Config
    instances: dict[str, str]

    def db(self, name: str) -> str:
        return str(
            self.clients.rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]["DBInstanceStatus"]
        )

    def cluster(self, name: str) -> str:
        return str(self.clients.rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]["Status"])

    def group(self, name: str) -> dict[str, Any]:
        g = self.clients.asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
        return {
            "sizes": (g["MinSize"], g["MaxSize"], g["DesiredCapacity"]),
            "suspended": sorted(p["ProcessName"] for p in g["SuspendedProcesses"]),
        }

    def notebook(self, name: str) -> str:
        return str(
            self.clients.sagemaker.describe_notebook_instance(NotebookInstanceName=name)["NotebookInstanceStatus"]
        )

    def nodegroup(self, name: str) -> tuple[int, int, int]:
        scaling = self.clients.eks.describe_nodegroup(clusterName="beta-eks", nodegroupName=name)["nodegroup"]
        c = scaling["scalingConfig"]
        return (c["minSize"], c["maxSize"], c["desiredSize"])

    def instance(self, role: str) -> str:
        found = self.clients.ec2.describe_instances(InstanceIds=[self.instances[role]])["Reservations"]
        return str(found[0]["Instances"][0]["State"]["Name"])

    def snapshot(self) -> dict[str, Any]:
        return {
            "db": {n: self.db(n) for n in ("beta-db", "other-db", "aurora-1")},
            "cluster": self.cluster("beta-aurora"),
            "groups": {n: self.group(n) for n in ("beta-asg", "other-asg")},
            "notebook": self.notebook("beta-nb"),
            "nodegroups": {n: self.nodegroup(n) for n in ("beta-ng", "other-ng")},
            "ec2": {r: self.instance(r) for r in self.instances},
        }


def _db(c: Clients, name: str, tags: Any, **kwargs: Any) -> None:
    c.rds.create_db_instance(
        DBInstanceIdentifier=name,
        Engine=kwargs.pop("Engine", "postgres"),
        DBInstanceClass="db.t3.micro",
        MasterUsername="admin1",
        MasterUserPassword="password1",
        AllocatedStorage=20,
        Tags=tags,
        **kwargs,
    )


def _build() -> World:
    session = moto_session(REGION)
    c = kill_switch_clients(session)
    create_records_table(c.dynamodb)
    topic = c.sns.create_topic(Name="operators")["TopicArn"]
    _db(c, "beta-db", BETA)
    _db(c, "other-db", [{"Key": "Project", "Value": "Gamma"}])
    c.rds.create_db_cluster(
        DBClusterIdentifier="beta-aurora",
        Engine="aurora-postgresql",
        MasterUsername="admin1",
        MasterUserPassword="password1",
        Tags=BETA,
    )
    _db(c, "aurora-1", BETA, Engine="aurora-postgresql", DBClusterIdentifier="beta-aurora")
    c.ec2.create_launch_template(
        LaunchTemplateName="beta-template", LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"}
    )
    for name, project in (("beta-asg", "Beta"), ("other-asg", "Gamma")):
        c.asg.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateName": "beta-template"},
            MinSize=1,
            MaxSize=4,
            DesiredCapacity=2,
            AvailabilityZones=[f"{REGION}a"],
            Tags=[{"Key": "Project", "Value": project, "PropagateAtLaunch": True}],
        )
    # A process the owner suspended on purpose: restore must leave it suspended.
    c.asg.suspend_processes(AutoScalingGroupName="beta-asg", ScalingProcesses=["AZRebalance"])
    c.sagemaker.create_notebook_instance(
        NotebookInstanceName="beta-nb",
        InstanceType="ml.t3.medium",
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/notebook",
        Tags=BETA,
    )
    c.eks.create_cluster(
        name="beta-eks", roleArn=f"arn:aws:iam::{ACCOUNT}:role/eks", resourcesVpcConfig={"subnetIds": ["subnet-1"]}
    )
    for name, project in (("beta-ng", "Beta"), ("other-ng", "Gamma")):
        c.eks.create_nodegroup(
            clusterName="beta-eks",
            nodegroupName=name,
            nodeRole=f"arn:aws:iam::{ACCOUNT}:role/node",
            subnets=["subnet-1"],
            scalingConfig={"minSize": 1, "maxSize": 5, "desiredSize": 3},
            tags={"Project": project},
        )
    instances = {}
    types: Any = (("ebs", "t3.micro"), ("instance_store", "m5d.large"))
    for role, type_ in types:
        spec: Any = [{"ResourceType": "instance", "Tags": BETA}]
        instances[role] = c.ec2.run_instances(
            ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType=type_, TagSpecifications=spec
        )["Instances"][0]["InstanceId"]
    config = Config(
        switch_id="beta-switch",
        budget_name="Beta",
        account_id=ACCOUNT,
        table_name="records",
        summary_topic_arn=topic,
        tag_key="Project",
        tag_value="Beta",
        actions=(Kind.EC2, Kind.RDS, Kind.RDS_CLUSTER, Kind.ASG, Kind.SAGEMAKER, Kind.EKS),
        max_workers=4,
    )
    return World(c, config, instances)


@pytest.fixture
def world() -> Iterator[World]:
    with mocked_aws(REGION):
        yield _build()


def _outcomes(summary: Any) -> dict[str, tuple[str, str]]:
    return {d["resource"].rsplit(":", 1)[-1].rsplit("/", 1)[-1]: (d["outcome"], d["reason"]) for d in summary.details}


def test_engage_stops_every_kind_and_restore_puts_back_exactly(world: World) -> None:
    before = world.snapshot()
    summary = engage(world.clients, world.config, run_id="r1")
    after = world.snapshot()
    assert after["db"] == {"beta-db": "stopped", "other-db": "available", "aurora-1": "available"}
    assert after["cluster"] == "stopped"
    assert after["groups"]["beta-asg"] == {"sizes": (0, 0, 0), "suspended": sorted(ASG_SUSPEND)}
    assert after["groups"]["other-asg"] == before["groups"]["other-asg"]
    assert after["notebook"] == "Stopped"
    # EKS requires maxSize >= 1: min and desired to 0, max kept.
    assert after["nodegroups"] == {"beta-ng": (0, 5, 0), "other-ng": (1, 5, 3)}
    assert after["ec2"] == {"ebs": "stopped", "instance_store": "running"}
    outcomes = _outcomes(summary)
    assert outcomes["aurora-1"] == ("skipped", "member of Aurora cluster 'beta-aurora': stopped with its cluster")
    assert outcomes[world.instances["instance_store"]][1].startswith("instance-store volumes lose their data")
    # The group's own instances are stopped by the group, never one by one.
    assert not [d for d in summary.details if d["kind"] == "ec2" and d["outcome"] == "changed"][1:]

    # Engaging again changes nothing more; restore puts back the sizes and exactly the processes.
    assert engage(world.clients, world.config, run_id="r2").total("changed") == 0
    restored = restore(world.clients, world.config, run_id="r3")
    assert restored.total("failed") == 0
    assert world.snapshot() == before
    assert world.group("beta-asg") == {"sizes": (1, 4, 2), "suspended": ["AZRebalance"]}


def test_instance_store_stopped_only_when_opted_in(world: World) -> None:
    engage(world.clients, replace(world.config, ec2_instance_store=True), run_id="r1")
    assert world.instance("instance_store") == "stopped"


def _week_later() -> float:
    """Seven days and a bit after now: when AWS starts a stopped database again."""
    return time.time() + 7 * 86_400 + 600


def test_restop_stops_again_what_aws_restarted(world: World) -> None:
    engage(world.clients, world.config, run_id="r1")
    # Seven days later AWS starts the stopped database and cluster by itself.
    world.clients.rds.start_db_instance(DBInstanceIdentifier="beta-db")
    world.clients.rds.start_db_cluster(DBClusterIdentifier="beta-aurora")
    summary = restop(world.clients, world.config, run_id="daily", clock=_week_later)
    assert (world.db("beta-db"), world.cluster("beta-aurora")) == ("stopped", "stopped")
    assert summary.total("changed") == 2
    # Still stopped: nothing to do. After a restore, the schedule leaves everything alone.
    assert restop(world.clients, world.config, run_id="daily", clock=_week_later).total("changed") == 0
    restore(world.clients, world.config, run_id="r2")
    assert restop(world.clients, world.config, run_id="daily", clock=_week_later).total("changed") == 0
    assert world.db("beta-db") == "available"


def test_restop_message_runs_restop_only(world: World) -> None:
    from buttress._lambda_src.kill_switch import engage as ks_engage

    before = world.snapshot()
    message = json.dumps({"buttressKillSwitch": "restop", "budgetName": "Beta"})
    event = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": message}}]}
    assert ks_engage.run(event, None, world.clients, world.config)["status"] == "restopped"
    assert world.snapshot() == before  # nothing engaged: the schedule never starts an engage
    direct = {"buttressKillSwitch": "restop", "budgetName": "Beta"}
    assert ks_engage.run(direct, None, world.clients, world.config)["status"] == "restopped"


# --- App Runner: botocore Stubber with recorded responses (moto does not implement App Runner) ---

SERVICE_ARN = f"arn:aws:apprunner:{REGION}:{ACCOUNT}:service/beta-web/8fe1e10304f84fd2b0df550fe98a71fa"


def _described(status: str) -> dict[str, Any]:
    """DescribeService's response, the fields the API reference marks required."""
    return {
        "Service": {
            "ServiceName": "beta-web",
            "ServiceId": "8fe1e10304f84fd2b0df550fe98a71fa",
            "ServiceArn": SERVICE_ARN,
            "CreatedAt": "2026-11-01T00:00:00Z",
            "UpdatedAt": "2026-11-01T00:00:00Z",
            "Status": status,
            "SourceConfiguration": {},
            "InstanceConfiguration": {},
            "AutoScalingConfigurationSummary": {},
            "NetworkConfiguration": {},
        }
    }


def _operation(status: str) -> dict[str, Any]:
    return {**_described(status), "OperationId": "a1b2c3d4-e5f6-a1b2-c3d4-e5f6a1b2c3d4"}


def test_app_runner_paused_and_resumed_exactly(world: World) -> None:
    from botocore.stub import Stubber

    from buttress._lambda_src.kill_switch.actions import apply_state, read_state
    from buttress._lambda_src.kill_switch.plan import Target, engaged_state, kind_of_arn, restore_state

    apprunner = moto_session(REGION).client("apprunner")
    clients = replace(world.clients, apprunner=apprunner)
    target = Target(Kind.APPRUNNER, SERVICE_ARN)
    assert kind_of_arn(SERVICE_ARN) == Kind.APPRUNNER
    with Stubber(apprunner) as stub:
        stub.add_response("describe_service", _described("RUNNING"), {"ServiceArn": SERVICE_ARN})
        stub.add_response("pause_service", _operation("OPERATION_IN_PROGRESS"), {"ServiceArn": SERVICE_ARN})
        stub.add_response("resume_service", _operation("OPERATION_IN_PROGRESS"), {"ServiceArn": SERVICE_ARN})
        previous = read_state(clients, world.config, target)
        assert previous == {"status": "RUNNING"}
        wanted = engaged_state(Kind.APPRUNNER, previous)
        assert wanted == {"status": "PAUSED"}
        apply_state(clients, world.config, target, wanted)
        apply_state(clients, world.config, target, restore_state(Kind.APPRUNNER, previous))
        stub.assert_no_pending_responses()
    assert engaged_state(Kind.APPRUNNER, {"status": "PAUSED"}) is None


# --- several regions: tagged resources in each, IAM once -----------------------------------------


def test_two_regions_engaged_and_restored(world: World) -> None:
    west = world.clients.in_region("eu-west-1")
    assert west.region == "eu-west-1" and world.clients.in_region("eu-west-1") is west
    _db(west, "beta-db", BETA)
    _db(west, "west-only", BETA)
    config = replace(world.config, regions=(REGION, "eu-west-1"), actions=(Kind.RDS,))
    summary = engage(world.clients, config, run_id="r1")
    assert summary.counts["rds"]["changed"] == 3  # beta-db in each region, and west-only
    assert world.db("beta-db") == "stopped"
    assert [
        west.rds.describe_db_instances(DBInstanceIdentifier=n)["DBInstances"][0]["DBInstanceStatus"]
        for n in ("beta-db", "west-only")
    ] == ["stopped", "stopped"]
    # The records (in the home region's table) name each resource by ARN: restore finds its region.
    restore(world.clients, config, run_id="r2")
    assert world.db("beta-db") == "available"
    assert west.rds.describe_db_instances(DBInstanceIdentifier="west-only")["DBInstances"][0]["DBInstanceStatus"] == (
        "available"
    )
    # Without regions, only the home region is searched.
    only_home = engage(world.clients, replace(config, regions=()), run_id="r3")
    assert only_home.counts["rds"]["changed"] == 1
