"""AlbFargateService: An internal HTTP service: private load balancer, plain-HTTP warning, allow_from."""

from __future__ import annotations

import json

from aws_cdk import Annotations as CoreAnnotations
from aws_cdk.assertions import Annotations, Match

from buttress import (
    AlbFargateService,
)
from buttress.alb_fargate import PLAIN_HTTP_WARNING
from tests.fargate.helpers import (
    IMAGE,
    Internal,
    logical_id_of,
    make_vpc,
    one_resource,
)
from tests.harness import new_stack, resources_of_type

# -- an internal HTTP service ------------------------------------------------------------------


def test_internal_load_balancer_in_private_subnets_admits_nobody_by_default(internal: Internal) -> None:
    lb = one_resource(internal.template, "AWS::ElasticLoadBalancingV2::LoadBalancer")["Properties"]
    assert lb["Scheme"] == "internal"
    private = {k for k in resources_of_type(internal.template, "AWS::EC2::Subnet") if "Private" in k}
    assert {s["Ref"] for s in lb["Subnets"]} == private
    lb_sg = logical_id_of(internal.template, "AWS::EC2::SecurityGroup", "Api/LoadBalancerSecurityGroup")
    assert "SecurityGroupIngress" not in internal.template["Resources"][lb_sg]["Properties"]


def test_http_only_listener_without_redirect(internal: Internal) -> None:
    listener = one_resource(internal.template, "AWS::ElasticLoadBalancingV2::Listener")["Properties"]
    assert (listener["Port"], listener["Protocol"]) == (80, "HTTP")
    assert internal.api.redirect_listener is None
    assert internal.api.listener_port == 80


def test_fixed_capacity_sets_desired_count_and_no_scaling(internal: Internal) -> None:
    service = one_resource(internal.template, "AWS::ECS::Service")["Properties"]
    assert service["DesiredCount"] == 1
    assert internal.api.scaling is None
    assert not resources_of_type(internal.template, "AWS::ApplicationAutoScaling::ScalableTarget")


def test_plain_http_warns_at_synth(internal: Internal) -> None:
    Annotations.from_stack(internal.stack).has_warning(
        "/Internal/Api", Match.string_like_regexp(f"serves plain HTTP.*{PLAIN_HTTP_WARNING}")
    )


def test_allow_from_same_stack_opens_the_listener_port_both_ways(internal: Internal) -> None:
    lb_sg = logical_id_of(internal.template, "AWS::EC2::SecurityGroup", "Api/LoadBalancerSecurityGroup")
    peer = logical_id_of(internal.template, "AWS::EC2::SecurityGroup", "Internal/Peer")
    ingress = [
        r["Properties"]
        for r in resources_of_type(internal.template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [lb_sg, "GroupId"]}
    ]
    assert [(r["SourceSecurityGroupId"], r["FromPort"]) for r in ingress] == [({"Fn::GetAtt": [peer, "GroupId"]}, 80)]
    egress = [
        r["Properties"]
        for r in resources_of_type(internal.template, "AWS::EC2::SecurityGroupEgress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [peer, "GroupId"]}
    ]
    assert [(r["DestinationSecurityGroupId"], r["FromPort"]) for r in egress] == [
        ({"Fn::GetAtt": [lb_sg, "GroupId"]}, 80)
    ]


def test_allow_from_another_stack_puts_the_rule_in_the_callers_stack(internal: Internal) -> None:
    ingress = list(resources_of_type(internal.caller_template, "AWS::EC2::SecurityGroupIngress").values())
    assert len(ingress) == 1
    props = ingress[0]["Properties"]
    assert (props["FromPort"], props["ToPort"], props["Description"]) == (80, 80, "integration tests")
    # The caller's stack depends on the service's stack, never the other way (no cycle).
    assert internal.stack in internal.caller_stack.dependencies
    assert internal.caller_stack not in internal.stack.dependencies
    # The tasks still admit only their load balancer.
    task_sg = logical_id_of(internal.template, "AWS::EC2::SecurityGroup", "Api/TaskSecurityGroup")
    task_rules = [
        r
        for t in (internal.template, internal.caller_template)
        for r in resources_of_type(t, "AWS::EC2::SecurityGroupIngress").values()
        if "TaskSecurityGroup" in json.dumps(r["Properties"]["GroupId"])
    ]
    assert len(task_rules) == 1
    assert task_sg in json.dumps(task_rules[0]["Properties"]["GroupId"])


def test_acknowledged_plain_http_warning_is_silent() -> None:
    stack = new_stack("Acked")
    CoreAnnotations.of(stack).acknowledge_warning(PLAIN_HTTP_WARNING, "test of the documented opt-in")
    AlbFargateService(
        stack,
        "Svc",
        vpc=make_vpc(stack),
        image=IMAGE,
        protocol="HTTP",
        min_capacity=1,
        max_capacity=1,
        scale_on_cpu_percent=None,
    )
    Annotations.from_stack(stack).has_no_warning("*", Match.any_value())
