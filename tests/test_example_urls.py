"""Every URL output of the example web service stack reaches the service it names, by the listener rules.

ALB evaluates a listener's rules by priority, the first whose conditions all match wins, else the
default action; a path pattern is case-sensitive, ``*`` matches 0 or more characters and ``?``
exactly one; a host header is case-insensitive:
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html
"""

from __future__ import annotations

from typing import Any

import pytest

from buttress.rules.fargate.routing import host_header_matches, path_pattern_matches
from tests.harness import SynthResult, resources_of_type

STACK = "ButtressWebService"
#: Output -> the example service (its construct id) that must answer it.
SERVED_BY = {"WebUrl": "Web", "DocsUrl": "Docs", "ApiUrl": "Api"}


def _url(value: Any) -> tuple[str, Any, str]:
    """(scheme, host: a literal or a ``Fn::GetAtt`` of a load balancer's DNSName, path) of an output value."""
    parts: list[Any] = value["Fn::Join"][1] if isinstance(value, dict) else [value]
    text = "".join(p if isinstance(p, str) else "\0" for p in parts)
    scheme, rest = text.split("://", 1)
    host_end = min((i for i, c in enumerate(rest) if c in "/:"), default=len(rest))
    host: Any = rest[:host_end]
    if host == "\0":
        host = next(p for p in parts if not isinstance(p, str))
    return scheme, host, rest[host_end:]


def _load_balancer(template: dict[str, Any], host: Any) -> tuple[str, str]:
    """The load balancer a host reaches (its DNS name, or an alias record of it) and the Host header sent."""
    if isinstance(host, dict):
        return host["Fn::GetAtt"][0], "lb.elb.amazonaws.com"
    for record in resources_of_type(template, "AWS::Route53::RecordSet").values():
        props = record["Properties"]
        if props["Name"].rstrip(".") == host:
            dns = props["AliasTarget"]["DNSName"]
            target = dns["Fn::Join"][1][1]["Fn::GetAtt"][0] if "Fn::Join" in dns else dns["Fn::GetAtt"][0]
            return target, host
    raise AssertionError(f"no record for {host}")


def _conditions_match(conditions: list[dict[str, Any]], host: str, path: str) -> bool:
    for condition in conditions:
        field = condition["Field"]
        if field == "path-pattern":
            values = condition.get("PathPatternConfig", {}).get("Values") or condition["Values"]
            if not any(path_pattern_matches(v, path) for v in values):
                return False
        elif field == "host-header":
            values = condition.get("HostHeaderConfig", {}).get("Values") or condition["Values"]
            if not any(host_header_matches(v, host) for v in values):
                return False
        else:
            raise AssertionError(f"condition {field} not simulated")
    return True


def _target_groups(actions: list[dict[str, Any]]) -> set[str]:
    (action,) = actions
    assert action["Type"] == "forward", action
    if "TargetGroupArn" in action:
        return {action["TargetGroupArn"]["Ref"]}
    return {g["TargetGroupArn"]["Ref"] for g in action["ForwardConfig"]["TargetGroups"] if g.get("Weight", 1) > 0}


def served_by(template: dict[str, Any], url: Any) -> set[str]:
    """The target groups (logical ids) a GET of ``url`` reaches."""
    scheme, host, path_and_port = _url(url)
    port_text, _, path = path_and_port.partition("/") if path_and_port.startswith(":") else ("", "", path_and_port)
    path = "/" + path.lstrip("/") if port_text else (path or "/")
    port = int(port_text[1:]) if port_text else {"http": 80, "https": 443}[scheme]
    load_balancer, host_header = _load_balancer(template, host)
    (listener_id,) = [
        k
        for k, v in resources_of_type(template, "AWS::ElasticLoadBalancingV2::Listener").items()
        if v["Properties"]["LoadBalancerArn"] == {"Ref": load_balancer} and v["Properties"]["Port"] == port
    ]
    listener = template["Resources"][listener_id]["Properties"]
    assert listener["Protocol"] == scheme.upper()
    rules = sorted(
        (
            r["Properties"]
            for r in resources_of_type(template, "AWS::ElasticLoadBalancingV2::ListenerRule").values()
            if r["Properties"]["ListenerArn"] == {"Ref": listener_id}
        ),
        key=lambda r: r["Priority"],
    )
    for rule in rules:
        if _conditions_match(rule["Conditions"], host_header, path):
            return _target_groups(rule["Actions"])
    return _target_groups(listener["DefaultActions"])


def _owner(template: dict[str, Any], group: str) -> str:
    return str(template["Resources"][group]["Metadata"]["aws:cdk:path"].split("/")[1])


def _check_outputs(template: dict[str, Any]) -> None:
    outputs = {k: v["Value"] for k, v in template["Outputs"].items() if k in SERVED_BY}
    assert set(outputs) == set(SERVED_BY)
    reached = {name: {_owner(template, g) for g in served_by(template, url)} for name, url in outputs.items()}
    assert reached == {name: {service} for name, service in SERVED_BY.items()}


def test_every_url_output_reaches_its_service(synth: SynthResult) -> None:
    _check_outputs(synth.templates[STACK])


@pytest.fixture(scope="module")
def domain_template() -> dict[str, Any]:
    import tempfile

    from app import build_app
    from tests.test_web_service_stack import DOMAIN_CONTEXT

    assembly = build_app(context=DOMAIN_CONTEXT, outdir=tempfile.mkdtemp(prefix="buttress-urls-")).synth()
    return dict(assembly.get_stack_by_name(STACK).template)


def test_every_url_output_reaches_its_service_with_a_domain(domain_template: dict[str, Any]) -> None:
    _check_outputs(domain_template)
