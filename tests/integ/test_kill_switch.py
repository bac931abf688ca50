"""BudgetKillSwitch: the drill stops the tagged resources, restore brings them back exactly, nothing else moves.

On a real account the drill is published on the switch's alert topic (SNS invokes the engage
function) and the restore function is invoked as the operators invoke it. On moto, which runs
Lambda functions only in Docker, the same two handlers run in-process against moto's server, with
the configuration read from the deployed engage function and the event SNS would deliver.
"""

from __future__ import annotations

import json
import time
from types import SimpleNamespace
from typing import Any

import pytest

from tests.integ.apps import KILL_SWITCH_TARGETS
from tests.integ.target import Target

pytestmark = [pytest.mark.xdist_group("integ"), pytest.mark.slow]  # the CDK CLI and moto's server

#: How long a real engage (SNS -> Lambda -> the API calls) may take to show.
ENGAGE_TIMEOUT_S = 180


def _state(target: Target, outputs: dict[str, str]) -> dict[str, Any]:
    """Each target function's reserved concurrency (None: unreserved) and the group's attached policies."""
    lambda_, iam = target.client("lambda"), target.client("iam")
    state: dict[str, Any] = {
        name: lambda_.get_function_concurrency(FunctionName=outputs[f"{name}FunctionName"]).get(
            "ReservedConcurrentExecutions"
        )
        for name in KILL_SWITCH_TARGETS
    }
    attached = iam.list_attached_group_policies(GroupName=outputs["GroupName"])["AttachedPolicies"]
    state["group_policies"] = sorted(p["PolicyArn"] for p in attached)
    return state


def _in_process(target: Target, outputs: dict[str, str], module: str, event: object) -> dict[str, Any]:
    """Run the engage or restore handler's ``run`` here, against the target, as its function would."""
    from buttress._lambda_src.kill_switch import engage, restore
    from buttress._lambda_src.kill_switch.clients import clients_from
    from buttress._lambda_src.kill_switch.config import Config

    function_name = outputs["EngageFunctionName" if module == "engage" else "RestoreFunctionName"]
    environment = target.client("lambda").get_function_configuration(FunctionName=function_name)["Environment"]
    config = Config.from_environment(environment["Variables"])
    context = SimpleNamespace(
        function_name=function_name, aws_request_id=f"integ-{module}", get_remaining_time_in_millis=lambda: 900_000
    )
    run = engage.run if module == "engage" else restore.run
    result: dict[str, Any] = run(event, context, clients_from(target.session()), config)
    return result


def _drill(target: Target, outputs: dict[str, str]) -> dict[str, Any]:
    message = json.dumps({"buttressKillSwitch": "drill", "budgetName": outputs["BudgetName"]})
    if target.local:
        event = {
            "Records": [{"EventSource": "aws:sns", "Sns": {"TopicArn": outputs["AlertTopicArn"], "Message": message}}]
        }
        return _in_process(target, outputs, "engage", event)
    target.client("sns").publish(TopicArn=outputs["AlertTopicArn"], Message=message)
    deadline = time.monotonic() + ENGAGE_TIMEOUT_S
    while time.monotonic() < deadline:
        state = _state(target, outputs)
        if state["Tagged"] == 0 and state["group_policies"]:
            return {"status": "engaged"}
        time.sleep(5)
    return {"status": f"not engaged after {ENGAGE_TIMEOUT_S} s"}


def _restore(target: Target, outputs: dict[str, str]) -> dict[str, Any]:
    payload = {"confirm": "restore"}
    if target.local:
        return _in_process(target, outputs, "restore", payload)
    response = target.client("lambda").invoke(
        FunctionName=outputs["RestoreFunctionName"], Payload=json.dumps(payload).encode()
    )
    result: dict[str, Any] = json.loads(response["Payload"].read())
    return result


def _records(target: Target, outputs: dict[str, str]) -> list[str]:
    items = target.client("dynamodb").scan(TableName=outputs["TableName"], ConsistentRead=True)["Items"]
    return sorted(item["resource"]["S"] for item in items)


@pytest.fixture(scope="module")
def drill_and_restore(target: Target) -> dict[str, Any]:
    """The whole exercise once: state before, drill, state and records, restore, state after."""
    if "killswitch" not in target.apps:
        pytest.skip("the killswitch app was not deployed in this run")
    outputs = target.outputs("killswitch")
    run: dict[str, Any] = {"outputs": outputs, "before": _state(target, outputs)}
    run["engage"] = _drill(target, outputs)
    run["engaged"] = _state(target, outputs)
    run["records"] = _records(target, outputs)
    run["restore"] = _restore(target, outputs)
    run["restored"] = _state(target, outputs)
    return run


def test_drill_stops_the_tagged_resources(target: Target, drill_and_restore: dict[str, Any]) -> None:
    target.require("killswitch.drill_stops_tagged")
    assert drill_and_restore["engage"]["status"] == "engaged", drill_and_restore["engage"]
    assert drill_and_restore["before"]["Tagged"] is None
    assert drill_and_restore["engaged"]["Tagged"] == 0
    assert len(drill_and_restore["engaged"]["group_policies"]) == len(drill_and_restore["before"]["group_policies"]) + 1


def test_records_name_each_changed_resource(target: Target, drill_and_restore: dict[str, Any]) -> None:
    target.require("killswitch.records")
    outputs = drill_and_restore["outputs"]
    records = drill_and_restore["records"]
    assert len(records) == 2, records  # the tagged function and the group
    assert any(outputs["TaggedFunctionName"] in r for r in records), records
    assert any(outputs["GroupName"] in r for r in records), records
    assert not any(outputs[f"{name}FunctionName"] in r for r in records for name in ("Untagged", "Exempt"))


def test_untagged_and_exempt_do_not_move(target: Target, drill_and_restore: dict[str, Any]) -> None:
    target.require("killswitch.untouched")
    for name in ("Untagged", "Exempt"):
        states = [drill_and_restore[when][name] for when in ("before", "engaged", "restored")]
        assert states == [None, None, None], name


def test_restore_brings_back_exactly_the_previous_state(target: Target, drill_and_restore: dict[str, Any]) -> None:
    target.require("killswitch.restore_exact")
    assert drill_and_restore["restore"]["status"] == "restored", drill_and_restore["restore"]
    assert drill_and_restore["restored"] == drill_and_restore["before"]
