"""AlbFargateService: WAF: the default web ACL, an existing one, or none with a reason."""

from __future__ import annotations

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Template

from app import CLI_DEFAULT_CONTEXT, cdk_json_context
from buttress import (
    AlbFargateService,
    Waf,
)
from tests.fargate.helpers import (
    IMAGE,
    Public,
    fails,
    logical_id_of,
    make_vpc,
    one_resource,
)
from tests.harness import new_stack, resources_of_type

# -- WAF ----------------------------------------------------------------------------------------

SHARED_ACL = "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/shared/0a1b2c3d-0000-1111-2222-333344445555"


def test_the_default_web_acl_is_logged_with_retention_and_redacts_credentials(public: Public) -> None:
    acl_id = logical_id_of(public.template, "AWS::WAFv2::WebACL", "Web/WebAcl")
    acl = resources_of_type(public.template, "AWS::WAFv2::WebACL")[acl_id]["Properties"]
    assert acl["Scope"] == "REGIONAL" and acl["DefaultAction"] == {"Allow": {}}
    rate = acl["Rules"][-1]
    assert rate["Statement"] == {"RateBasedStatement": {"AggregateKeyType": "IP", "Limit": 2000}}
    assert rate["Action"] == {"Block": {}}
    managed = [r["Statement"]["ManagedRuleGroupStatement"] for r in acl["Rules"][:-1]]
    assert {m["VendorName"] for m in managed} == {"AWS"}
    logs_id = logical_id_of(public.template, "AWS::Logs::LogGroup", "Web/WafLogs")
    log_group = resources_of_type(public.template, "AWS::Logs::LogGroup")[logs_id]
    assert log_group["Properties"]["LogGroupName"].startswith("aws-waf-logs-")
    assert log_group["Properties"]["RetentionInDays"] == 30
    logging = one_resource(public.template, "AWS::WAFv2::LoggingConfiguration")["Properties"]
    assert logging["ResourceArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    # The log group's ARN without the ":*" suffix CloudWatch Logs ARNs usually carry: WAF refuses it.
    assert logging["LogDestinationConfigs"][0]["Fn::Join"][1][-2:] == [":log-group:", {"Ref": logs_id}]
    assert logging["RedactedFields"] == [
        {"SingleHeader": {"Name": "authorization"}},
        {"SingleHeader": {"Name": "cookie"}},
    ]
    assert public.service.web_acl is not None and public.service.waf_log_group is not None


def test_an_existing_web_acl_is_attached_and_none_is_built() -> None:
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context()})
    stack = Stack(app, "SharedAcl", env=Environment(account="111122223333", region="eu-west-1"))
    service = AlbFargateService(
        stack, "Web", vpc=make_vpc(stack), image=IMAGE, protocol="HTTP", waf=Waf.existing(SHARED_ACL)
    )
    template = dict(Template.from_stack(stack).to_json())
    assert resources_of_type(template, "AWS::WAFv2::WebACL") == {}
    association = one_resource(template, "AWS::WAFv2::WebACLAssociation")["Properties"]
    assert association["WebACLArn"] == SHARED_ACL
    assert service.web_acl is None and service.web_acl_arn == SHARED_ACL


def test_no_waf_needs_a_reason_which_the_template_records() -> None:
    stack = new_stack("NoWaf")
    reason = "CloudFront in front of this load balancer carries the web ACL"
    AlbFargateService(stack, "Web", vpc=make_vpc(stack), image=IMAGE, protocol="HTTP", waf=Waf.none(reason))
    template = dict(Template.from_stack(stack).to_json())
    assert resources_of_type(template, "AWS::WAFv2::WebACLAssociation") == {}
    lb = one_resource(template, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert lb["Metadata"]["buttress:waf"] == {"mode": "NONE", "reason": reason}


@pytest.mark.parametrize(
    ("waf", "message"),
    [
        ("none", r"waf='none' is invalid: a buttress.Waf \(Waf.managed\(\), Waf.existing\(arn\), Waf.none\(reason\)\)"),
        (Waf.none(""), r"waf.reason='' is invalid"),
        (Waf.managed(rate_limit=1), r"waf.rate_limit=1 is invalid: requests per 5 minutes per client IP"),
        (Waf.existing("arn:aws:wafv2:us-east-1:111122223333:global/webacl/cf/0a1b"), r"waf.web_acl_arn=.* REGIONAL"),
    ],
)
def test_waf_errors_at_synth(error_stack: tuple[Stack, ec2.Vpc], waf: object, message: str) -> None:
    fails(error_stack, message, waf=waf)


def test_a_web_acl_can_protect_an_internal_load_balancer_on_request() -> None:
    stack = new_stack("InternalWaf")
    AlbFargateService(
        stack, "Api", vpc=make_vpc(stack), image=IMAGE, protocol="HTTP", internal=True, waf=Waf.managed(rate_limit=500)
    )
    acl = one_resource(dict(Template.from_stack(stack).to_json()), "AWS::WAFv2::WebACL")["Properties"]
    assert acl["Rules"][-1]["Statement"]["RateBasedStatement"]["Limit"] == 500
