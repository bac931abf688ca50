"""ButtressCi: the integration-test project reaches the internal api and nothing else but HTTPS."""

from __future__ import annotations

import json
from typing import Any

from tests.harness import SynthResult, resources_of_type

API_LB_SG_OUTPUT = "PublishOutputFnGetAttApiLoadBalancerSecurityGroup0EC682A9GroupIdCE460615"


def _project(synth: SynthResult) -> Any:
    (project,) = resources_of_type(synth.templates["ButtressCi"], "AWS::CodeBuild::Project").values()
    return project["Properties"]


def _from_web_service(value: Any) -> str:
    output = value["Fn::GetStackOutput"]
    assert output["StackName"] == "ButtressWebService"
    return str(output["OutputName"])


def test_build_runs_curl_against_the_api_url(synth: SynthResult) -> None:
    props = _project(synth)
    spec = json.loads(props["Source"]["BuildSpec"])
    commands = " ".join(spec["phases"]["build"]["commands"])
    assert "curl" in commands and '"$API_URL/"' in commands
    assert 'test "$(cat reports/status.txt)" = "200"' in commands
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
