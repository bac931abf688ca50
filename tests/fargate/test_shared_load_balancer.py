"""AlbFargateService: One load balancer, many services: listener rules on a shared load balancer."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2

from buttress import (
    AlbFargateService,
    ButtressError,
    ListenerProtocol,
    Waf,
)
from tests.fargate.helpers import (
    IMAGE,
    Shared,
    counter,
    fails,
    logical_id_of,
)
from tests.harness import resources_of_type

# -- one load balancer, many services ----------------------------------------------------------


def test_services_share_one_load_balancer_listener_and_waf(shared: Shared) -> None:
    template = shared.template
    assert len(resources_of_type(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")) == 1
    assert len(resources_of_type(template, "AWS::ElasticLoadBalancingV2::Listener")) == 2  # HTTPS + redirect
    assert len(resources_of_type(template, "AWS::WAFv2::WebACL")) == 1
    assert len(resources_of_type(template, "AWS::S3::Bucket")) == 1
    rules_ = sorted(
        (r["Properties"]["Priority"], r["Properties"]["Conditions"])
        for r in resources_of_type(template, "AWS::ElasticLoadBalancingV2::ListenerRule").values()
    )
    assert rules_ == [
        (10, [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/docs/*"]}}]),
        (
            20,
            [
                {"Field": "host-header", "HostHeaderConfig": {"Values": ["admin.example.com"]}},
                {"Field": "path-pattern", "PathPatternConfig": {"Values": ["/ui/*", "/api/*"]}},
            ],
        ),
    ]
    assert shared.docs.load_balancer is shared.web.load_balancer
    assert shared.docs.web_acl is shared.web.web_acl
    assert shared.docs.listener_rule is not None and shared.web.listener_rule is None


def test_shared_load_balancer_reaches_each_service_on_its_container_port_only(shared: Shared) -> None:
    template = shared.template
    lb_sg = logical_id_of(template, "AWS::EC2::SecurityGroup", "Web/LoadBalancerSecurityGroup")
    ingress = sorted(
        (r["Metadata"]["aws:cdk:path"].split("/")[1], r["Properties"]["FromPort"])
        for r in resources_of_type(template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"].get("SourceSecurityGroupId") == {"Fn::GetAtt": [lb_sg, "GroupId"]}
    )
    assert ingress == [("Admin", 80), ("Docs", 8080), ("Web", 80)]
    assert shared.docs.load_balancer_security_group is shared.web.load_balancer_security_group


def test_shared_services_have_urls_on_the_shared_load_balancer(shared: Shared) -> None:
    resolve = shared.stack.resolve
    assert resolve(shared.docs.url) == resolve(f"{shared.web.url}/docs/")
    assert shared.admin.url == "https://admin.example.com/ui/"


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"internal": True}, "internal=True is invalid: not given with load_balancer_of: the shared load balancer of"),
        ({"protocol": "HTTP"}, "protocol='HTTP' is invalid: not given with load_balancer_of"),
        (
            {"waf": Waf.none("the shared one has it anyway")},
            r"waf=Waf\(.*\) is invalid: not given with load_balancer_of",
        ),
        ({"domain_name": "x.example.com"}, "domain_name='x.example.com' is invalid: not given with load_balancer_of"),
        (
            {"priority": 10},
            r"priority=10 is invalid: a priority no other rule of the listener has \(Shared/Docs has 10\)",
        ),
        ({"priority": None}, "priority=None is invalid: a whole number"),
        ({"path_patterns": None}, "path_patterns=None is invalid: path_patterns or host_headers"),
        ({"load_balancer_of": "web"}, "load_balancer_of='web' is invalid: an AlbFargateService, not str"),
    ],
)
def test_shared_load_balancer_errors(shared: Shared, props: dict[str, Any], message: str) -> None:
    id_ = f"Svc{next(counter)}"
    given: dict[str, Any] = {
        "vpc": shared.web.load_balancer.vpc,
        "image": IMAGE,
        "load_balancer_of": shared.web,
        "priority": 30,
        "path_patterns": ["/x/*"],
    }
    with pytest.raises(ButtressError, match=rf"^Shared/{id_}: {message}"):
        AlbFargateService(shared.stack, id_, **{**given, **props})


def test_route_props_need_load_balancer_of(error_stack: tuple[Stack, ec2.Vpc]) -> None:
    fails(
        error_stack,
        r"priority=10 is invalid: only with load_balancer_of: a load balancer of its own sends it everything",
        priority=10,
    )


def test_a_shared_service_cannot_lend_its_load_balancer(shared: Shared) -> None:
    with pytest.raises(
        ButtressError, match=r"^Shared/Chain: load_balancer_of='Shared/Docs' is invalid: a service with"
    ):
        AlbFargateService(
            shared.stack,
            "Chain",
            vpc=shared.web.load_balancer.vpc,  # type: ignore[arg-type]
            image=IMAGE,
            load_balancer_of=shared.docs,
            priority=40,
            path_patterns=["/y/*"],
        )


def test_the_owner_lends_its_listener_through_a_public_api(shared: Shared) -> None:
    """Sharers read the owner's settings and reserve their rule priority on it: no private access."""
    assert dict(shared.web.rule_priorities) == {10: "Shared/Docs", 20: "Shared/Admin"}
    settings = shared.web.load_balancer_settings
    assert (settings.protocol, settings.listener_port, settings.redirect_http) == ("HTTPS", 443, True)
    assert shared.docs.load_balancer_settings == settings
    with pytest.raises(TypeError):
        shared.web.rule_priorities[30] = "elsewhere"  # type: ignore[index]
    with pytest.raises(ButtressError, match=r"^Shared/Web: priority=10 is invalid: .*\(Shared/Docs has 10\)"):
        shared.web.reserve_rule_priority(10, "Shared/Other")


def test_a_shared_listener_takes_at_most_the_alb_quota_of_rules(error_stack: tuple[Stack, ec2.Vpc]) -> None:
    """Rules per Application Load Balancer: 100, default rules excluded (the shared path counts its own)."""
    stack, vpc = error_stack
    owner = AlbFargateService(stack, "Owner", vpc=vpc, image=IMAGE, protocol=ListenerProtocol.HTTP)
    free = [p for p in range(1, 200) if p not in owner.rule_priorities]
    for priority in free[: 100 - len(owner.rule_priorities)]:
        owner.reserve_rule_priority(priority, f"Errors/Service{priority}")
    with pytest.raises(
        ButtressError, match=r"^Errors/Owner: priority=101 is invalid: at most 100 rules on the listener"
    ):
        owner.reserve_rule_priority(free[-1], "Errors/OneTooMany")
