"""Network: the interface endpoint resolves privately from inside the VPC; flow logs arrive."""

from __future__ import annotations

import ipaddress
import json
import time
from typing import Any

import pytest

from tests.integ.target import Target

pytestmark = [pytest.mark.xdist_group("integ"), pytest.mark.slow]  # the CDK CLI and moto's server

#: Flow logs are delivered in batches (aggregation interval plus delivery delay, ~10 min at worst).
FLOW_LOG_TIMEOUT_S = 900


def invoke(target: Target, function_name: str, payload: dict[str, Any]) -> Any:
    response = target.client("lambda").invoke(FunctionName=function_name, Payload=json.dumps(payload).encode())
    assert "FunctionError" not in response, response["Payload"].read()
    return json.loads(response["Payload"].read())


def test_interface_endpoint_resolves_to_the_vpc(target: Target) -> None:
    target.require("network.private_dns")
    outputs = target.outputs("network")
    host = f"sts.{target.region}.amazonaws.com"
    answer = invoke(target, outputs["ProbeFunctionName"], {"resolve": [host]})[host]
    assert isinstance(answer, list) and answer, answer
    cidr = ipaddress.ip_network(outputs["VpcCidr"])
    assert all(ipaddress.ip_address(ip) in cidr for ip in answer), (answer, cidr)


def test_flow_logs_arrive(target: Target) -> None:
    target.require("network.flow_logs")
    outputs = target.outputs("network")
    invoke(target, outputs["ProbeFunctionName"], {"get": [f"https://sts.{target.region}.amazonaws.com/"]})
    logs = target.client("logs")
    deadline = time.monotonic() + FLOW_LOG_TIMEOUT_S
    while time.monotonic() < deadline:
        events = logs.filter_log_events(logGroupName=outputs["FlowLogGroupName"], limit=5).get("events", [])
        if events:
            return
        time.sleep(30)
    pytest.fail(f"no flow log record in {outputs['FlowLogGroupName']} after {FLOW_LOG_TIMEOUT_S} s")
