"""ButtressCi: the integration-test project reaches the internal api and nothing else but HTTPS."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from stacks.ci_stack import INTEGRATION_TEST_SPEC, SUITES
from tests.harness import SynthResult, resources_of_type

API_LB_SG_OUTPUT = "PublishOutputFnGetAttApiLoadBalancerSecurityGroup0EC682A9GroupIdCE460615"


def _project(synth: SynthResult) -> Any:
    (project,) = resources_of_type(synth.templates["ButtressCi"], "AWS::CodeBuild::Project").values()
    return project["Properties"]


def _from_web_service(value: Any) -> str:
    output = value["Fn::GetStackOutput"]
    assert output["StackName"] == "ButtressWebService"
    return str(output["OutputName"])


def _build_spec(props: Any) -> tuple[dict[str, Any], list[Any]]:
    """The build spec with each deploy-time value replaced by ``<token N>``, and those values."""
    parts = props["Source"]["BuildSpec"]["Fn::Join"][1]
    tokens = [part for part in parts if not isinstance(part, str)]
    text = "".join(part if isinstance(part, str) else f"<token {tokens.index(part)}>" for part in parts)
    return json.loads(text), tokens


def test_build_runs_curl_against_the_api_url(synth: SynthResult) -> None:
    props = _project(synth)
    spec, _ = _build_spec(props)
    commands = " ".join(spec["phases"]["build"]["commands"])
    assert "curl" in commands and '"$API_URL/"' in commands
    assert 'test "$FAILURES" = "0"' in commands
    (api_url,) = props["Environment"]["EnvironmentVariables"]
    assert api_url["Name"] == "API_URL"
    scheme, dns_name = api_url["Value"]["Fn::Join"][1]
    assert scheme == "http://"
    assert "ApiLoadBalancer" in _from_web_service(dns_name)
    assert props["ConcurrentBuildLimit"] == 2


def test_security_groups_open_exactly_the_build_to_api_path(synth: SynthResult) -> None:
    template = synth.templates["ButtressCi"]
    (sg_id,) = resources_of_type(template, "AWS::EC2::SecurityGroup")
    assert _project(synth)["VpcConfig"]["SecurityGroupIds"] == [{"Fn::GetAtt": [sg_id, "GroupId"]}]
    (egress,) = resources_of_type(template, "AWS::EC2::SecurityGroupEgress").values()
    (ingress,) = resources_of_type(template, "AWS::EC2::SecurityGroupIngress").values()
    build_sg = {"Fn::GetAtt": [sg_id, "GroupId"]}
    assert egress["Properties"]["GroupId"] == build_sg
    assert _from_web_service(egress["Properties"]["DestinationSecurityGroupId"]) == API_LB_SG_OUTPUT
    assert ingress["Properties"]["SourceSecurityGroupId"] == build_sg
    assert _from_web_service(ingress["Properties"]["GroupId"]) == API_LB_SG_OUTPUT
    for rule in (egress, ingress):
        assert (rule["Properties"]["IpProtocol"], rule["Properties"]["FromPort"], rule["Properties"]["ToPort"]) == (
            "tcp",
            80,
            80,
        )
    # Besides the api path, only HTTPS leaves the build.
    inline = template["Resources"][sg_id]["Properties"]["SecurityGroupEgress"]
    assert [(r["CidrIp"], r["FromPort"], r["ToPort"]) for r in inline] == [("0.0.0.0/0", 443, 443)]


def test_the_api_listener_is_the_port_opened(synth: SynthResult) -> None:
    listeners = resources_of_type(synth.templates["ButtressWebService"], "AWS::ElasticLoadBalancingV2::Listener")
    # The canary's test listener admits nobody; the build reaches the production listener.
    api = [v for k, v in listeners.items() if k.startswith("Api") and "TestListener" not in k]
    assert [listener["Properties"]["Port"] for listener in api] == [80]


def test_build_runs_in_the_shared_networks_private_subnets(synth: SynthResult) -> None:
    subnets = _project(synth)["VpcConfig"]["Subnets"]
    names = [s["Fn::GetStackOutput"]["OutputName"] for s in subnets]
    assert [s["Fn::GetStackOutput"]["StackName"] for s in subnets] == ["ButtressNetwork"] * 2
    assert all("PrivateSubnet" in name for name in names)


def test_tests_run_as_a_batch_matrix_over_the_suites(synth: SynthResult) -> None:
    template = synth.templates["ButtressCi"]
    props = _project(synth)
    spec, _ = _build_spec(props)
    assert spec["batch"]["build-matrix"]["dynamic"]["env"]["variables"] == {"SUITE": ["smoke", "stability"]}
    config = props["BuildBatchConfig"]
    assert config["Restrictions"] == {"MaximumBuildsAllowed": 2}
    (role_id,) = [k for k, v in resources_of_type(template, "AWS::IAM::Role").items() if "BatchServiceRole" in k]
    assert config["ServiceRole"] == {"Fn::GetAtt": [role_id, "Arn"]}


def test_junit_reports_go_to_the_report_group_the_stack_creates(synth: SynthResult) -> None:
    template = synth.templates["ButtressCi"]
    ((group_id, group),) = resources_of_type(template, "AWS::CodeBuild::ReportGroup").items()
    assert group["Properties"]["Type"] == "TEST"
    assert group["Properties"]["ExportConfig"]["S3Destination"]["Path"] == "reports/integration"
    spec, tokens = _build_spec(_project(synth))
    (key,) = spec["reports"]
    assert tokens[int(key.removeprefix("<token ").removesuffix(">"))] == {"Fn::GetAtt": [group_id, "Arn"]}
    assert spec["reports"][key] == {"files": ["junit-*.xml"], "file-format": "JUNITXML", "base-directory": "reports"}


@pytest.mark.parametrize("suite", list(SUITES))
@pytest.mark.parametrize("answer", ["200", "503"])
def test_each_suite_writes_a_junit_report_and_fails_on_an_error(tmp_path: Path, suite: str, answer: str) -> None:
    """The build commands, run with bash and a stand-in curl that answers ``answer``."""
    fake = tmp_path / "bin" / "curl"
    fake.parent.mkdir()
    fake.write_text('#!/bin/bash\necho -n "$FAKE_ANSWER"\n')
    fake.chmod(0o755)
    script = "\n".join(INTEGRATION_TEST_SPEC["phases"]["build"]["commands"])
    env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}", "FAKE_ANSWER": answer, "SUITE": suite}
    run = subprocess.run(["bash", "-c", script], cwd=tmp_path, env={**env, "API_URL": "http://api"}, check=False)
    report = (tmp_path / "reports" / f"junit-{suite}.xml").read_text()
    failures = 0 if answer == "200" else SUITES[suite]
    assert f'tests="{SUITES[suite]}" failures="{failures}"' in report
    assert report.count("<testcase ") == SUITES[suite]
    assert run.returncode == (0 if answer == "200" else 1)
