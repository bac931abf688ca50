"""buttress.filter_policy: every documented constraint (a failing and a passing policy) and SNS matching."""

from __future__ import annotations

import json
from typing import Any

import pytest

from buttress.rules.filter_policy import (
    FilterPolicyError,
    combinations,
    matches,
    normalize_attributes,
    undot,
    validate,
)

BODY = "MessageBody"

# ---------------------------------------------------------------------------------------------
# validation: (rule, passing policy, failing policy, scope, words the error must contain)

RULES: list[tuple[str, dict[str, Any], dict[str, Any], str, list[str]]] = [
    ("exact string", {"sport": ["rugby"]}, {"sport": "rugby"}, "MessageAttributes", ["['sport']", "array"]),
    ("empty array", {"sport": ["rugby"]}, {"sport": []}, "MessageAttributes", ["['sport']", "empty"]),
    ("exact number", {"n": [301.5]}, {"n": [[301.5]]}, "MessageAttributes", ["['n'][0]", "condition"]),
    ("true/false/null", {"flag": [True, False, None]}, {"flag": [{1, 2}]}, BODY, ["['flag'][0]"]),
    ("prefix", {"s": [{"prefix": "bas"}]}, {"s": [{"prefix": 3}]}, "MessageAttributes", ["['prefix']", "string"]),
    ("suffix", {"s": [{"suffix": "ball"}]}, {"s": [{"suffix": ""}]}, "MessageAttributes", ["['suffix']"]),
    (
        "equals-ignore-case",
        {"s": [{"equals-ignore-case": "Rugby"}]},
        {"s": [{"equals-ignore-case": ["a"]}]},
        "MessageAttributes",
        ["equals-ignore-case", "string"],
    ),
    (
        "anything-but value",
        {"s": [{"anything-but": "rugby"}]},
        {"s": [{"anything-but": True}]},
        "MessageAttributes",
        ["anything-but"],
    ),
    (
        "anything-but list",
        {"s": [{"anything-but": ["rugby", 100]}]},
        {"s": [{"anything-but": []}]},
        "MessageAttributes",
        ["anything-but", "non-empty"],
    ),
    (
        "anything-but prefix",
        {"s": [{"anything-but": {"prefix": "Asia-"}}]},
        {"s": [{"anything-but": {"suffix": "x"}}]},
        "MessageAttributes",
        ["anything-but", "prefix"],
    ),
    ("numeric =", {"n": [{"numeric": ["=", 0]}]}, {"n": [{"numeric": ["==", 0]}]}, "MessageAttributes", ["'=='"]),
    (
        "numeric range",
        {"n": [{"numeric": [">", 0, "<=", 150]}]},
        {"n": [{"numeric": ["<", 0, ">", 150]}]},
        "MessageAttributes",
        ["lower bound"],
    ),
    (
        "numeric range order",
        {"n": [{"numeric": [">=", 1, "<", 2]}]},
        {"n": [{"numeric": [">", 5, "<", 5]}]},
        "MessageAttributes",
        ["not below"],
    ),
    (
        "numeric operand is a number",
        {"n": [{"numeric": ["<", 10]}]},
        {"n": [{"numeric": ["<", "10"]}]},
        "MessageAttributes",
        ["must be a number"],
    ),
    (
        "numeric bounds",
        {"n": [{"numeric": ["<", 1_000_000_000]}]},
        {"n": [{"numeric": ["<", 1_000_000_001]}]},
        "MessageAttributes",
        ["-1e9..1e9"],
    ),
    ("numeric bounds (exact)", {"n": [-1_000_000_000]}, {"n": [-1e10]}, "MessageAttributes", ["-1e9..1e9"]),
    (
        "exists",
        {"s": [{"exists": False}]},
        {"s": [{"exists": "yes"}]},
        "MessageAttributes",
        ["exists", "true or false"],
    ),
    ("cidr", {"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": [{"cidr": "10.0.0.0/33"}]}, "MessageAttributes", ["cidr"]),
    ("cidr v6", {"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": [{"cidr": 10}]}, "MessageAttributes", ["cidr"]),
    (
        "unknown operator",
        {"s": [{"prefix": "a"}]},
        {"s": [{"wildcard": "a*"}]},
        "MessageAttributes",
        ["unknown operator", "wildcard"],
    ),
    (
        "one operator per object",
        {"s": [{"prefix": "a"}, {"suffix": "b"}]},
        {"s": [{"prefix": "a", "suffix": "b"}]},
        "MessageAttributes",
        ["exactly one operator"],
    ),
    (
        "$or",
        {"a": ["x"], "$or": [{"b": ["y"]}, {"c": ["z"]}]},
        {"a": ["x"], "$or": [{"b": ["y"]}]},
        "MessageAttributes",
        ["['$or']", "at least two objects"],
    ),
    (
        "$or branches are not operators",
        {"$or": [{"a": ["x"]}, {"b": ["y"]}]},
        {"$or": [{"numeric": 123}, {"prefix": "abc"}]},
        "MessageAttributes",
        ["$or", "operator names"],
    ),
    (
        "nesting only in body scope",
        {"order": {"total": [{"numeric": [">", 1000]}]}},
        {"order": {"total": [{"numeric": [">", 1000]}]}},
        "MessageAttributes",
        ["['order']", "MessageBody"],
    ),
    ("empty nested object", {"a": {"b": ["x"]}}, {"a": {}}, BODY, ["['a']", "at least one key"]),
    ("five keys", {k: ["x"] for k in "abcde"}, {k: ["x"] for k in "abcdef"}, "MessageAttributes", ["6 keys", "5"]),
    (
        "five keys, nested leaves counted",
        {"a": {"b": ["x"], "c": ["x"]}, "d": ["x"], "e": {"f": {"g": ["x"], "h": ["x"]}}},
        {"a": {"b": ["x"], "c": ["x"]}, "d": ["x"], "e": {"f": {"g": ["x"], "h": ["x"], "i": ["x"]}}},
        BODY,
        ["6 keys", "a.b", "e.f.i"],
    ),
    (
        "150 combinations",
        {"a": ["v"] * 10, "b": ["v"] * 15},
        {"a": ["v"] * 10, "b": ["v"] * 16},
        "MessageAttributes",
        ["160 value combinations", "150"],
    ),
    (
        "150 combinations, $or paths summed",
        {"s": ["1", "2"], "$or": [{"m": ["v"] * 37}, {"t": ["v"] * 38}]},
        {"s": ["1", "2"], "$or": [{"m": ["v"] * 38}, {"t": ["v"] * 38}]},
        "MessageAttributes",
        ["152 value combinations"],
    ),
    (
        "policy size 256 KB",
        {"s": ["x" * 200_000]},
        {"s": ["x" * 140_000, "y" * 140_000]},
        "MessageAttributes",
        ["bytes", "256 KB"],
    ),
]


@pytest.mark.parametrize(("rule", "good", "bad", "scope", "words"), RULES, ids=[r[0] for r in RULES])
def test_each_rule_accepts_the_good_policy_and_names_path_and_rule_for_the_bad(
    rule: str, good: dict[str, Any], bad: dict[str, Any], scope: str, words: list[str]
) -> None:
    good_scope = BODY if rule == "nesting only in body scope" else scope
    validate(good, scope=good_scope)
    with pytest.raises(FilterPolicyError) as caught:
        validate(bad, scope=scope)
    for word in words:
        assert word in str(caught.value), (word, str(caught.value))


def test_error_carries_path_and_rule() -> None:
    with pytest.raises(FilterPolicyError) as caught:
        validate({"order": {"lines": [{"numeric": [">", 5, "<", 1]}]}}, scope=BODY)
    assert caught.value.path == "['order']['lines'][0]['numeric']"
    assert "not below" in caught.value.rule


@pytest.mark.parametrize(
    "policy",
    [None, [], "{}", {}],
    ids=["none", "list", "string", "empty"],
)
def test_policy_must_be_a_non_empty_object(policy: Any) -> None:
    with pytest.raises(FilterPolicyError, match=r"\(root\)"):
        validate(policy)


def test_unknown_scope() -> None:
    with pytest.raises(FilterPolicyError, match="MessageAttributes, MessageBody"):
        validate({"a": ["b"]}, scope="Body")


def test_five_keys_limit_is_per_or_path() -> None:
    # 3 + 2 keys on each path: accepted even though the policy names 7 keys in all.
    validate({"a": ["x"], "b": ["x"], "c": ["x"], "$or": [{"d": ["x"], "e": ["x"]}, {"f": ["x"], "g": ["x"]}]})
    with pytest.raises(FilterPolicyError, match="6 keys"):
        validate({"a": ["x"], "b": ["x"], "c": ["x"], "$or": [{"d": ["x"], "e": ["x"], "h": ["x"]}, {"f": ["x"]}]})


def test_combinations_docs_examples() -> None:
    assert combinations({"key_a": ["value_one", "value_two", "value_three"], "key_b": ["v"], "key_c": ["1", "2"]}) == 6
    nested_or = {
        "source": ["aws.cloudwatch", "aws.events"],
        "$or": [
            {"metricName": ["CPUUtilization", "ReadLatency"]},
            {"metricType": ["MetricType"], "$or": [{"metricId": [1234, 4321]}, {"spaceId": [1000, 2000, 3000]}]},
        ],
    }
    validate(nested_or)
    # Paths: source*metricName (2*2) + source*metricType*metricId (2*1*2) + source*metricType*spaceId (2*1*3).
    assert combinations(nested_or) == 4 + 4 + 6


#: The SNS Developer Guide's worked example ("Filter policy constraints", payload-based filtering):
#: "3 x 4 x 2 x 3 x 1 x 3 = 216": each array's length weighted by the depth of its key.
DOCS_NESTED: dict[str, Any] = {
    "key_a": {"key_b": {"key_c": ["value_one", "value_two", "value_three", "value_four"]}},
    "key_d": {"key_e": ["value_one", "value_two", "value_three"]},
    "key_f": ["value_one", "value_two", "value_three"],
}

#: A policy SNS rejected as too complex (issue 15); the flat product counted 3*2*1 + 3*2*3 + 2*2*1 + 2*2*3 = 40.
SNS_REJECTED_OR: dict[str, Any] = {
    "$or": [{"metricName": ["CPUUtilization", "ReadLatency", "WriteLatency"]}, {"namespace": ["AWS/EC2", "AWS/RDS"]}],
    "detail": {
        "scope": ["Service", "Cluster"],
        "$or": [{"source": ["aws.cloudwatch"]}, {"type": ["Metric", "Alarm", "Event"]}],
    },
}


def test_nested_complexity_is_the_docs_worked_example() -> None:
    # Before issue 15 buttress multiplied the plain array lengths: 4 * 3 * 3 = 36, and accepted it.
    assert combinations(DOCS_NESTED, scope=BODY) == 3 * 4 * 2 * 3 * 1 * 3 == 216
    with pytest.raises(FilterPolicyError, match="216 value combinations; SNS allows at most 150"):
        validate(DOCS_NESTED, scope=BODY)


def test_nested_complexity_weights_depth_inside_or_paths() -> None:
    # Paths: metricName*scope*source 3*(2*2)*(1*2) + metricName*scope*type 3*4*(3*2) + namespace ... = 160.
    assert combinations(SNS_REJECTED_OR, scope=BODY) == 3 * 4 * 2 + 3 * 4 * 6 + 2 * 4 * 2 + 2 * 4 * 6 == 160
    with pytest.raises(FilterPolicyError, match="160 value combinations"):
        validate(SNS_REJECTED_OR, scope=BODY)


def test_depth_weighting_leaves_flat_policies_alone() -> None:
    flat = {"a": ["v"] * 10, "b": ["v"] * 15}
    assert combinations(flat) == combinations(flat, scope=BODY) == 150
    validate(flat, scope=BODY)
    # One level down, the same arrays count twice each: 20 * 30.
    assert combinations({"o": flat}, scope=BODY) == 600


def test_dotted_keys_count_their_depth_in_the_body_scope() -> None:
    dotted = {
        "key_a.key_b.key_c": DOCS_NESTED["key_a"]["key_b"]["key_c"],
        "key_d.key_e": ["1", "2", "3"],
        "key_f": ["1", "2", "3"],
    }
    assert combinations(dotted, scope=BODY) == 216
    # Attribute names are flat: a dot there is part of the name.
    assert combinations({"a.b.c": ["1", "2"]}) == 2


# ---------------------------------------------------------------------------------------------
# dotted keys in the MessageBody scope: "a.b" is the nested path a -> b, in the policy and in the body

#: (case, policy, body, receives): every form of the same path, shared with the route() and
#: `make route` tests so the three agree.
DOTTED_CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    ("dotted policy, nested body", {"a.b": ["v"]}, {"a": {"b": "v"}}, True),
    ("dotted policy, dotted body", {"a.b": ["v"]}, {"a.b": "v"}, True),
    ("nested policy, dotted body", {"a": {"b": ["v"]}}, {"a.b": "v"}, True),
    ("dotted policy, other value", {"a.b": ["v"]}, {"a": {"b": "w"}}, False),
    ("dotted policy, array of objects", {"a.b": ["v"]}, {"a": [{"b": "x"}, {"b": "v"}]}, True),
    ("three levels, dotted + nested body", {"object.nested.test": ["v"]}, {"object.nested": {"test": "v"}}, True),
    ("three levels, nested + dotted body", {"object.nested.test": ["v"]}, {"object": {"nested.test": "v"}}, True),
    ("three levels, all dotted body", {"object.nested.test": ["v"]}, {"object.nested.test": "v"}, True),
    ("three levels, all nested body", {"object.nested.test": ["v"]}, {"object": {"nested": {"test": "v"}}}, True),
    ("three levels, wrong leaf", {"object.nested.test": ["v"]}, {"object.nested": {"tests": "v"}}, False),
    ("dotted then nested policy", {"object.nested": {"test": ["v"]}}, {"object": {"nested.test": "v"}}, True),
    ("nested then dotted policy", {"object": {"nested.test": ["v"]}}, {"object.nested": {"test": "v"}}, True),
    (
        "inside a deeper object",
        {"order": {"item.price": [{"numeric": [">", 10]}]}},
        {"order": {"item.price": 11}},
        True,
    ),
    (
        "deeper, body nested",
        {"order": {"item.price": [{"numeric": [">", 10]}]}},
        {"order": {"item": {"price": 11}}},
        True,
    ),
    (
        "deeper, body dotted above",
        {"order.item": {"price": [{"numeric": [">", 10]}]}},
        {"order": {"item.price": 9}},
        False,
    ),
    ("both body forms merge", {"a.b": ["v"], "a.c": ["w"]}, {"a": {"b": "v"}, "a.c": "w"}, True),
    ("exists:false, path absent", {"a.b": [{"exists": False}]}, {"x": 1}, True),
    ("exists:true, dotted body", {"a": {"b": [{"exists": True}]}}, {"a.b": "v"}, True),
    ("$or over dotted paths", {"$or": [{"a.b": ["v"]}, {"c.d": ["w"]}]}, {"c": {"d": "w"}}, True),
]


@pytest.mark.parametrize(("case", "policy", "body", "receives"), DOTTED_CASES, ids=[c[0] for c in DOTTED_CASES])
def test_dotted_keys_match_every_form(case: str, policy: dict[str, Any], body: dict[str, Any], receives: bool) -> None:
    assert matches(policy, body=body, scope=BODY) is receives
    assert matches(policy, body=json.dumps(body), scope=BODY) is receives


def test_dotted_attribute_names_stay_names() -> None:
    # In the MessageAttributes scope a dot is part of the attribute's name.
    assert matches({"a.b": ["v"]}, attributes={"a.b": "v"}) is True
    assert matches({"a.b": ["v"]}, attributes={"a": "v"}) is False


def test_undot_returns_the_body_itself_when_nothing_is_dotted() -> None:
    body = {"a": {"b": [1, {"c": 2}]}}
    assert undot(body) is body
    assert undot({"a.b": 1, "a": {"c": 2}}) == {"a": {"c": 2, "b": 1}}
    assert undot({"a": {"b": 1}, "a.b": 2}) == {"a": {"b": [1, 2]}}


def test_dotted_keys_count_once_against_the_key_limit() -> None:
    # "a.b" and a -> b are one key: 5 keys, accepted.
    validate({"a.b": ["x"], "a": {"b": ["y"]}, "c": ["x"], "d": ["x"], "e": ["x"], "f": ["x"]}, scope=BODY)


# ---------------------------------------------------------------------------------------------
# matching


def num(value: str) -> dict[str, str]:
    return {"DataType": "Number", "StringValue": value}


def string(value: str) -> dict[str, str]:
    return {"DataType": "String", "StringValue": value}


@pytest.mark.parametrize(
    ("policy", "attributes", "expected"),
    [
        ({"sport": ["rugby"]}, {"sport": "rugby"}, True),
        ({"sport": ["rugby"]}, {"sport": "Rugby"}, False),  # case-sensitive
        ({"sport": ["rugby", "football"]}, {"sport": "football"}, True),  # OR within a key
        ({"sport": ["rugby"], "language": ["English"]}, {"sport": "rugby"}, False),  # AND across keys
        ({"sport": ["rugby"], "language": ["English"]}, {"sport": "rugby", "language": "English"}, True),
        ({"sport": [{"anything-but": "rugby"}]}, {"sport": "baseball"}, True),
        ({"sport": [{"anything-but": "rugby"}]}, {"sport": "rugby"}, False),
        ({"sport": [{"anything-but": "rugby"}]}, {"other": "x"}, False),  # absent key never matches
        ({"sport": [{"anything-but": ["rugby", "golf"]}]}, {"sport": "golf"}, False),
        ({"sport": [{"anything-but": {"prefix": "bas"}}]}, {"sport": "baseball"}, False),
        ({"sport": [{"anything-but": {"prefix": "bas"}}]}, {"sport": "rugby"}, True),
        ({"sport": [{"prefix": "bas"}]}, {"sport": "basketball"}, True),
        ({"sport": [{"suffix": "ball"}]}, {"sport": "basketball"}, True),
        ({"sport": [{"suffix": "ball"}]}, {"sport": "rugby"}, False),
        ({"sport": [{"equals-ignore-case": "RUGBY"}]}, {"sport": "Rugby"}, True),
        ({"balance": [{"numeric": ["=", 301.5]}]}, {"balance": num("301.500")}, True),
        ({"balance": [{"numeric": ["=", 301.5]}]}, {"balance": num("3.015e2")}, True),
        ({"balance": [301.5]}, {"balance": 301.5}, True),
        ({"balance": [{"numeric": ["<", 0]}]}, {"balance": -3}, True),
        ({"balance": [{"numeric": ["<", 0]}]}, {"balance": 0}, False),
        ({"balance": [{"numeric": [">", 0, "<=", 150]}]}, {"balance": 150}, True),
        ({"balance": [{"numeric": [">", 0, "<=", 150]}]}, {"balance": 150.00001}, False),
        ({"balance": [{"numeric": [">", 0, "<=", 150]}]}, {"balance": 0}, False),
        ({"balance": [{"numeric": [">", 0]}]}, {"balance": string("5")}, False),  # a String is not a Number
        ({"balance": [{"numeric": [">", 0]}]}, {"balance": num("abc")}, False),  # invalid attribute
        ({"balance": ["5"]}, {"balance": 5}, False),  # a Number never equals a string condition
        ({"price": [{"anything-but": [100, 500]}]}, {"price": 101}, True),
        ({"price": [{"anything-but": [100, 500]}]}, {"price": 100}, False),
        # String.Array: any element may match, and anything-but matches if one element is not excluded.
        ({"interests": ["rugby"]}, {"interests": ["soccer", "rugby"]}, True),
        ({"interests": ["golf"]}, {"interests": ["soccer", "rugby"]}, False),
        ({"price": [{"anything-but": [100, 500]}]}, {"price": [100, 50]}, True),
        (
            {"interests": ["rugby"]},
            {"interests": {"DataType": "String.Array", "StringValue": '["soccer", "rugby"]'}},
            True,
        ),
        ({"store": [{"exists": True}]}, {"store": "fans"}, True),
        ({"store": [{"exists": True}]}, {"other": "x"}, False),
        ({"store": [{"exists": False}]}, {"other": "x"}, True),
        ({"store": [{"exists": False}]}, {"store": "fans"}, False),
        ({"store": [{"exists": False}]}, {}, False),  # needs at least one attribute (docs, Key matching)
        ({"store": ["fans", {"exists": False}]}, {"other": "x"}, True),
        ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.0.255"}, True),
        ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "10.0.1.0"}, False),
        ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": "not-an-ip"}, False),
        ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": "2001:db8::1"}, True),
        # $or: "source" && ("metricName" || "namespace")
        (
            {"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]},
            {"source": "aws.cloudwatch", "namespace": "AWS/EC2"},
            True,
        ),
        (
            {"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]},
            {"source": "aws.cloudwatch", "namespace": "AWS/RDS"},
            False,
        ),
        ({"binary": [{"exists": True}]}, {"binary": {"DataType": "Binary", "BinaryValue": b"\x00"}}, False),
    ],
)
def test_attribute_matching(policy: dict[str, Any], attributes: dict[str, Any], expected: bool) -> None:
    assert matches(policy, attributes=attributes) is expected


def test_no_policy_matches_everything() -> None:
    assert matches(None, attributes={}) is True


def test_no_attributes_never_match_a_policy() -> None:
    assert matches({"sport": ["rugby"]}) is False


def test_matches_validates_the_policy() -> None:
    with pytest.raises(FilterPolicyError):
        matches({"sport": "rugby"}, attributes={"sport": "rugby"})


@pytest.mark.parametrize(
    ("policy", "body", "expected"),
    [
        ({"store": ["example_corp"]}, '{"store": "example_corp", "price_usd": 210.75}', True),
        ({"price_usd": [{"numeric": [">", 200]}]}, {"price_usd": 210.75}, True),
        ({"price_usd": [{"numeric": [">", 200]}]}, {"price_usd": "210.75"}, False),
        ({"customer_interests": ["rugby"]}, {"customer_interests": ["soccer", "rugby", "hockey"]}, True),
        ({"order": {"total": [{"numeric": [">", 1000]}]}}, {"order": {"total": 1833}}, True),
        ({"order": {"total": [{"numeric": [">", 1000]}]}}, {"order": {"total": 415}}, False),
        ({"order": {"total": [{"numeric": [">", 1000]}]}}, {"total": 1833}, False),
        ({"order": {"coupon": [{"exists": False}]}}, {"order": {"total": 1}}, True),
        ({"order": {"coupon": [{"exists": False}]}}, {"total": 1}, True),
        ({"order": {"coupon": [{"exists": True}]}}, {"order": {"coupon": None}}, False),
        ({"coupon": [{"exists": True}]}, {"coupon": ""}, False),  # non-null and non-empty
        ({"coupon": [{"exists": True}]}, {"coupon": []}, False),
        # Arrays of objects: the nested policy matches if any element does.
        (
            {"Records": {"eventName": [{"prefix": "ObjectCreated:"}]}},
            {"Records": [{"eventName": "Delete"}, {"eventName": "ObjectCreated:Put"}]},
            True,
        ),
        ({"Records": {"eventName": [{"prefix": "ObjectCreated:"}]}}, {"Records": [{"eventName": "Delete"}]}, False),
        ({"active": [True]}, {"active": True}, True),
        ({"active": [True]}, {"active": "true"}, False),
        ({"coupon": [None]}, {"coupon": None}, True),
        ({"store": ["x"]}, "not json", False),
        ({"store": ["x"]}, "[1, 2]", False),
        (
            {"a": ["1"], "$or": [{"b": {"c": ["2"]}}, {"d": ["3"]}]},
            {"a": "1", "b": {"c": "2"}},
            True,
        ),
        ({"a": ["1"], "$or": [{"b": {"c": ["2"]}}, {"d": ["3"]}]}, {"a": "1", "b": {"c": "3"}}, False),
    ],
)
def test_body_matching(policy: dict[str, Any], body: Any, expected: bool) -> None:
    assert matches(policy, body=body, scope=BODY) is expected


@pytest.mark.parametrize(
    "bad",
    [{"x": True}, {"x": {"DataType": "String"}}, {"x": object()}],
    ids=["bool", "no-value", "object"],
)
def test_bad_attribute_shapes_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="attribute"):
        normalize_attributes(bad)
