"""``buttress-review``'s widening: what is allowed, not how it is grouped (issue 24 items 3, 4, 5)."""

from __future__ import annotations

import copy
from typing import Any

from buttress.tools.review import review_templates
from buttress.tools.widening import iam_widenings, security_group_widenings


def res(type_: str, **props: Any) -> dict[str, Any]:
    return {"Type": type_, "Properties": props}


def tpl(**resources: dict[str, Any]) -> dict[str, Any]:
    return {"Resources": resources}


def _policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return res(
        "AWS::IAM::Policy",
        PolicyName="p",
        Roles=[{"Ref": "Role"}],
        PolicyDocument={"Version": "2012-10-17", "Statement": list(statements)},
    )


# -- 3. merged statements ------------------------------------------------------------------------


def test_merged_statements_grant_the_same_and_are_not_a_widening() -> None:
    get = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*"}
    put = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::a/*"}
    merged = {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::a/*"}
    assert iam_widenings("App", tpl(Pol=_policy(get, put)), tpl(Pol=_policy(merged))) == []
    # Merged over actions and resources both (what minimizePolicies does): still the same grants.
    other = {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"}
    both = {**merged, "Resource": ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]}
    assert iam_widenings("App", tpl(Pol=_policy(merged, other)), tpl(Pol=_policy(both))) == []
    # A cross product the old statements did not grant is a widening: GetObject on b was not allowed.
    narrow_b = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}
    [w] = iam_widenings("App", tpl(Pol=_policy(merged, narrow_b)), tpl(Pol=_policy(both)))
    assert w.why == "s3:getobject on arn:aws:s3:::b/* was not allowed"


# -- 4. Fn::If ------------------------------------------------------------------------------------------


def test_conditional_allow_star_is_a_widening() -> None:
    narrow = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*"}
    star = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    conditional = {"Fn::If": ["IsDev", star, {"Ref": "AWS::NoValue"}]}
    [w] = iam_widenings("App", tpl(Pol=_policy(narrow)), tpl(Pol=_policy(narrow, conditional)))
    assert w.grant == "Allow * on *" and w.why.endswith("(when IsDev)")
    # A value inside the statement under Fn::If: both branches are judged.
    inner = {**narrow, "Resource": {"Fn::If": ["IsDev", "*", "arn:aws:s3:::a/*"]}}
    [w] = iam_widenings("App", tpl(Pol=_policy(narrow)), tpl(Pol=_policy(inner)))
    assert w.grant == "Allow s3:getobject on *" and "resource `*`" in w.why


def _sg(*ingress: Any) -> dict[str, Any]:
    closed = [{"CidrIp": "255.255.255.255/32", "IpProtocol": "icmp", "FromPort": 252, "ToPort": 86}]
    return res(
        "AWS::EC2::SecurityGroup",
        GroupDescription="web",
        VpcId="vpc-1",
        SecurityGroupIngress=list(ingress),
        SecurityGroupEgress=closed,
    )


def test_conditional_security_group_rule_is_judged_on_both_branches() -> None:
    private = {"CidrIp": "10.0.0.0/16", "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443}
    opened = {"Fn::If": ["Debug", {**private, "CidrIp": "0.0.0.0/0"}, {"Ref": "AWS::NoValue"}]}
    [w] = security_group_widenings("App", tpl(Sg=_sg(private)), tpl(Sg=_sg(private, opened)))
    assert (w.grant, w.public) == ("ingress tcp 443 from 0.0.0.0/0", True)
    assert w.why == "open to the internet (when Debug)"
    peer = {**private, "CidrIp": {"Fn::If": ["Debug", "0.0.0.0/0", "10.0.0.0/16"]}}
    [w] = security_group_widenings("App", tpl(Sg=_sg(private)), tpl(Sg=_sg(peer)))
    assert w.public and w.grant == "ingress tcp 443 from 0.0.0.0/0"
    standalone = res(
        "AWS::EC2::SecurityGroupIngress",
        GroupId={"Fn::GetAtt": ["Sg", "GroupId"]},
        IpProtocol="tcp",
        FromPort=22,
        ToPort=22,
        CidrIp={"Fn::If": ["Debug", "0.0.0.0/0", {"Ref": "AWS::NoValue"}]},
    )
    [w] = security_group_widenings("App", tpl(Sg=_sg(private)), tpl(Sg=_sg(private), In=standalone))
    assert w.public and w.grant == "ingress tcp 22 from 0.0.0.0/0"


# -- 5. a resource deleted with its own policy -------------------------------------------------------


def _bucket_with_policy() -> dict[str, Any]:
    deny = {
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    return tpl(
        B=res("AWS::S3::Bucket"),
        BP=res("AWS::S3::BucketPolicy", Bucket={"Ref": "B"}, PolicyDocument={"Statement": [deny]}),
    )


def test_deleting_a_resource_with_its_policy_is_not_a_widening() -> None:
    assert iam_widenings("App", _bucket_with_policy(), tpl()) == []
    # The whole stack removed (an empty head assembly): no widening either.
    assert review_templates({"App": _bucket_with_policy()}, {}).widenings == []
    # The Deny removed while the bucket stays is one.
    kept = copy.deepcopy(_bucket_with_policy())
    del kept["Resources"]["BP"]
    [w] = iam_widenings("App", _bucket_with_policy(), kept)
    assert w.why == "Deny statement removed"


def test_a_grant_that_was_conditional_and_no_longer_is_a_widening() -> None:
    star = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    dev_only = {"Fn::If": ["IsDev", star, {"Ref": "AWS::NoValue"}]}
    [w] = iam_widenings("App", tpl(Pol=_policy(dev_only)), tpl(Pol=_policy(star)))
    assert w.why == "no longer only when IsDev"
    # The same branch on both sides is no widening; a Deny that becomes conditional is one.
    assert iam_widenings("App", tpl(Pol=_policy(dev_only)), tpl(Pol=_policy(dev_only))) == []
    deny = {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
    prod_only = {"Fn::If": ["IsProd", deny, {"Ref": "AWS::NoValue"}]}
    [w] = iam_widenings("App", tpl(Pol=_policy(star, deny)), tpl(Pol=_policy(star, prod_only)))
    assert w.why == "Deny statement removed"
    private = {"CidrIp": "0.0.0.0/0", "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}
    debug_only = {"Fn::If": ["Debug", private, {"Ref": "AWS::NoValue"}]}
    [w] = security_group_widenings("App", tpl(Sg=_sg(debug_only)), tpl(Sg=_sg(private)))
    assert w.why == "open to the internet; no longer only when Debug"
