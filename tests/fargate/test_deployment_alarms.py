"""AlbFargateService: deployment alarms and the "may cause a circular dependency" note of aws-cdk-lib.

aws-cdk-lib's ``BaseService.enableDeploymentAlarms`` adds that info note for every alarm name that is
a token: the service then references the alarm, a cycle only when the alarm also references the
service (its own metrics). buttress's own 5xx alarm watches the target groups only, so it gets a
fixed name and no note; a user's alarm on the service's own metrics with a generated name is refused.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Fn, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk.assertions import Template

from buttress import AlbFargateService, ButtressError, Deployment
from tests.fargate.helpers import IMAGE, logical_id_of, make_vpc
from tests.harness import new_stack, resources_of_type

_NOTE = "may cause a circular dependency"


def _notes(stack: Stack) -> list[str]:
    from aws_cdk import App

    app = stack.node.root
    assert isinstance(app, App)
    assembly = app.synth()
    messages = assembly.get_stack_by_name(stack.stack_name).messages
    return [str(m.entry.data) for m in messages if _NOTE in str(m.entry.data)]


def _canary(stack: Stack, **deployment: Any) -> AlbFargateService:
    return AlbFargateService(
        stack, "Svc", vpc=make_vpc(stack), image=IMAGE, protocol="HTTP", deployment=Deployment.canary(**deployment)
    )


def test_the_construct_rollback_alarm_has_a_fixed_name_and_no_cycle_note() -> None:
    stack = new_stack("Alarms")
    service = _canary(stack)
    template = dict(Template.from_stack(stack).to_json())
    alarm_id = logical_id_of(template, "AWS::CloudWatch::Alarm", "Svc/Deployment5xxAlarm")
    name = template["Resources"][alarm_id]["Properties"]["AlarmName"]
    assert isinstance(name, str) and name.startswith("Alarms") and len(name) <= 255
    config = template["Resources"][logical_id_of(template, "AWS::ECS::Service", "Svc/Service")]["Properties"]
    assert config["DeploymentConfiguration"]["Alarms"]["AlarmNames"] == [name]
    assert service.rollback_alarm is not None
    assert _notes(stack) == []


def test_a_user_alarm_with_a_generated_name_still_gets_aws_cdk_libs_note() -> None:
    stack = new_stack("UserAlarm")
    other = cloudwatch.Alarm(
        stack,
        "Latency",
        metric=cloudwatch.Metric(namespace="Custom", metric_name="Latency"),
        threshold=1,
        evaluation_periods=1,
    )
    _canary(stack, rollback_alarms=[other])
    assert len(_notes(stack)) == 1


def _service_logical_id() -> str:
    stack = new_stack("Cycle")
    _canary(stack)
    return logical_id_of(dict(Template.from_stack(stack).to_json()), "AWS::ECS::Service", "Svc/Service")


def test_a_user_alarm_on_the_service_own_metrics_with_a_generated_name_is_refused() -> None:
    service_id = _service_logical_id()
    stack = new_stack("Cycle")
    own = cloudwatch.Alarm(
        stack,
        "Cpu",
        metric=cloudwatch.Metric(
            namespace="AWS/ECS",
            metric_name="CPUUtilization",
            dimensions_map={"ServiceName": Fn.get_att(service_id, "Name").to_string()},
        ),
        threshold=90,
        evaluation_periods=1,
    )
    with pytest.raises(
        ButtressError, match=r"^Cycle/Svc: deployment.rollback_alarms\[0\]=.*Cycle/Cpu.* is invalid: .*alarm_name"
    ):
        _canary(stack, rollback_alarms=[own])


def test_every_alarm_has_its_action(canary: Any) -> None:
    """Issue 22's alarm convention: no alarm notifies nobody. The construct's only alarm is the
    5xx rollback alarm, whose action is ECS rolling the deployment back (the service names it)."""
    template = canary.template
    rollback = {
        name
        for service in resources_of_type(template, "AWS::ECS::Service").values()
        for name in service["Properties"]["DeploymentConfiguration"].get("Alarms", {}).get("AlarmNames", [])
        if isinstance(name, str)
    }
    alarms = resources_of_type(template, "AWS::CloudWatch::Alarm")
    built = {k: v for k, v in alarms.items() if "Deployment5xxAlarm" in v["Metadata"]["aws:cdk:path"]}
    assert built
    for alarm in built.values():
        props = alarm["Properties"]
        assert props.get("AlarmActions") or props["AlarmName"] in rollback
