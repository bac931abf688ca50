"""Restore is exact and never fights the operator (issue 22, defects 1 and 2), against moto.

- Auto Scaling: ``ResumeProcesses``/``SuspendProcesses`` without a list means *every* process
  (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_ResumeProcesses.html), so an
  empty list is never sent: a group whose processes were all suspended keeps them all.
- RDS and Aurora: a database someone (or AWS, after seven days) already started is what restore
  wants: success, the record is marked restored, and the daily re-stop leaves it alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest

from buttress._lambda_src.kill_switch.actions import Clients
from buttress._lambda_src.kill_switch.config import Config, Kind
from buttress._lambda_src.kill_switch.engine import engage, restop, restore
from buttress._lambda_src.kill_switch.plan import ASG_PROCESSES
from tests.moto_env import ACCOUNT, REGION, create_records_table, kill_switch_clients, mocked_aws, moto_session

BETA: Any = [{"Key": "Project", "Value": "Beta"}]
DAY = 86_400


class RecordingAsg:
    """The Auto Scaling client, with every process call's list kept for the assertions."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: list[tuple[str, list[str] | None]] = []

    def suspend_processes(self, **kwargs: Any) -> Any:
        self.calls.append(("suspend", kwargs.get("ScalingProcesses")))
        return self.client.suspend_processes(**kwargs)

    def resume_processes(self, **kwargs: Any) -> Any:
        self.calls.append(("resume", kwargs.get("ScalingProcesses")))
        return self.client.resume_processes(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


@dataclass
class World:
    clients: Clients
    config: Config
    asg: RecordingAsg

    def suspended(self, name: str) -> list[str]:
        (group,) = self.asg.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
        return sorted(p["ProcessName"] for p in group["SuspendedProcesses"])

    def db(self, name: str) -> str:
        return str(
            self.clients.rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]["DBInstanceStatus"]
        )

    def cluster(self, name: str) -> str:
        return str(self.clients.rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]["Status"])

    def age_records(self, days: float) -> None:
        """Make every record look ``days`` older (the switch stopped its resources that long ago)."""
        db = self.clients.dynamodb
        for item in db.scan(TableName=self.config.table_name)["Items"]:
            stamp = int(item["engagedAt"]["N"]) - int(days * DAY)
            db.update_item(
                TableName=self.config.table_name,
                Key={"switch": item["switch"], "resource": item["resource"]},
                UpdateExpression="SET engagedAt = :t",
                ExpressionAttributeValues={":t": {"N": str(stamp)}},
            )

    def status(self, resource_suffix: str) -> str:
        items = self.clients.dynamodb.scan(TableName=self.config.table_name)["Items"]
        (item,) = [i for i in items if i["resource"]["S"].endswith(resource_suffix)]
        return str(item["status"]["S"])


def _build() -> World:
    session = moto_session(REGION)
    c = kill_switch_clients(session)
    create_records_table(c.dynamodb)
    topic = c.sns.create_topic(Name="operators")["TopicArn"]
    c.ec2.create_launch_template(
        LaunchTemplateName="beta-template", LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"}
    )
    for name in ("all-held", "some-held"):
        c.asg.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateName": "beta-template"},
            MinSize=1,
            MaxSize=3,
            DesiredCapacity=1,
            AvailabilityZones=[f"{REGION}a"],
            Tags=[{"Key": "Project", "Value": "Beta", "PropagateAtLaunch": True}],
        )
    # The owner held every process of one group, and one process of the other, on purpose.
    c.asg.suspend_processes(AutoScalingGroupName="all-held", ScalingProcesses=list(ASG_PROCESSES))
    c.asg.suspend_processes(AutoScalingGroupName="some-held", ScalingProcesses=["HealthCheck"])
    for name in ("beta-db", "beta-db-2"):
        c.rds.create_db_instance(
            DBInstanceIdentifier=name,
            Engine="postgres",
            DBInstanceClass="db.t3.micro",
            MasterUsername="admin1",
            MasterUserPassword="password1",
            AllocatedStorage=20,
            Tags=BETA,
        )
    c.rds.create_db_cluster(
        DBClusterIdentifier="beta-aurora",
        Engine="aurora-postgresql",
        MasterUsername="admin1",
        MasterUserPassword="password1",
        Tags=BETA,
    )
    recording = RecordingAsg(c.asg)
    clients = replace(c, asg=recording)
    config = Config(
        switch_id="beta-switch",
        budget_name="Beta",
        account_id=ACCOUNT,
        table_name="records",
        summary_topic_arn=topic,
        tag_key="Project",
        tag_value="Beta",
        actions=(Kind.ASG, Kind.RDS, Kind.RDS_CLUSTER),
        max_workers=2,
    )
    return World(clients, config, recording)


@pytest.fixture
def world() -> Iterator[World]:
    with mocked_aws(REGION):
        yield _build()


# --- defect 1: Auto Scaling ------------------------------------------------------------------------


def test_group_with_every_process_held_keeps_them_all(world: World) -> None:
    engage(world.clients, world.config, run_id="r1")
    assert world.suspended("all-held") == sorted(ASG_PROCESSES)
    assert restore(world.clients, world.config, run_id="r2").total("failed") == 0
    assert world.suspended("all-held") == sorted(ASG_PROCESSES)
    assert world.suspended("some-held") == ["HealthCheck"]
    # An omitted or empty list means every process: never sent.
    assert world.asg.calls and all(processes for _, processes in world.asg.calls), world.asg.calls


# --- defect 2: RDS and Aurora started before restore ---------------------------------------------


def test_restore_of_databases_already_started_is_success(world: World) -> None:
    engage(world.clients, world.config, run_id="r1")
    assert (world.db("beta-db"), world.cluster("beta-aurora")) == ("stopped", "stopped")
    # An operator starts one instance and the cluster by hand before running restore.
    world.clients.rds.start_db_instance(DBInstanceIdentifier="beta-db")
    world.clients.rds.start_db_cluster(DBClusterIdentifier="beta-aurora")
    summary = restore(world.clients, world.config, run_id="r2")
    assert summary.total("failed") == 0, summary.details
    assert (world.db("beta-db"), world.db("beta-db-2"), world.cluster("beta-aurora")) == ("available",) * 3
    reasons = {d["resource"].rsplit(":", 1)[-1]: d["reason"] for d in summary.details}
    assert reasons["beta-db"].startswith("already ")
    assert {world.status(":beta-db"), world.status(":beta-aurora")} == {"restored"}
    # Restored: the daily re-stop leaves them alone, even seven days on.
    world.age_records(8)
    assert restop(world.clients, world.config, run_id="daily").total("changed") == 0
    assert world.db("beta-db") == "available"


def test_restop_leaves_a_database_started_by_hand_before_seven_days(world: World) -> None:
    engage(world.clients, world.config, run_id="r1")
    # Two days later an operator brings one database back by hand, without running restore:
    # AWS starts a stopped database only after seven days, so this start was a person's.
    world.age_records(2)
    world.clients.rds.start_db_instance(DBInstanceIdentifier="beta-db")
    summary = restop(world.clients, world.config, run_id="daily")
    assert summary.total("changed") == 0 and summary.total("failed") == 0, summary.details
    assert world.db("beta-db") == "available"
    assert world.status(":beta-db") == "restored"
    assert world.status(":beta-db-2") == "engaged"  # still stopped: still the switch's
    # Resolved: never stopped again, whatever day it is.
    world.age_records(8)
    assert restop(world.clients, world.config, run_id="daily").total("changed") == 0
    assert world.db("beta-db") == "available"


def test_restop_stops_again_what_aws_started_after_seven_days(world: World) -> None:
    engage(world.clients, world.config, run_id="r1")
    world.age_records(7)
    world.clients.rds.start_db_instance(DBInstanceIdentifier="beta-db")
    world.clients.rds.start_db_cluster(DBClusterIdentifier="beta-aurora")
    summary = restop(world.clients, world.config, run_id="daily")
    assert summary.total("changed") == 2
    assert (world.db("beta-db"), world.cluster("beta-aurora")) == ("stopped", "stopped")
    # The re-stop starts the seven days again: a start the next day is a person's.
    world.clients.rds.start_db_instance(DBInstanceIdentifier="beta-db")
    assert restop(world.clients, world.config, run_id="daily").total("changed") == 0
    assert world.status(":beta-db") == "restored"
