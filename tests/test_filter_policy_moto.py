"""Differential test: ``buttress.filter_policy.matches`` against moto's ``FilterPolicyMatcher``.

Hypothesis generates policies and messages from the operators both implement; the two must agree
except where moto departs from the AWS documentation. Those intentional divergences are listed in
``DIVERGENCES`` (each with the documentation it follows) and pinned by their own tests below; the
generators steer clear of them so that any other disagreement fails the test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from moto.sns.utils import FilterPolicyMatcher

from buttress.rules.filter_policy import MAX_COMBINATIONS, combinations, matches, validate

#: Where buttress follows the AWS docs and moto 5.2.5 does not (why, and which docs page says so).
DIVERGENCES: dict[str, str] = {
    "equals-ignore-case with upper-case policy values": (
        "moto lower-cases only the message value, so {'equals-ignore-case': 'RED'} never matches; "
        "the docs ('String value matching') say the comparison ignores case on both sides"
    ),
    "$or in MessageBody scope": (
        "moto's body matcher treats '$or' as a property name and never matches; the docs ('AND/OR logic') "
        "apply $or to message attributes and message body properties alike"
    ),
    "cidr": "moto's validator rejects the cidr operator; the docs ('IP address matching') define it",
    "exists:false with no attributes at all": (
        "moto matches; the docs ('Key matching') say exists:false only matches if at least one attribute is present"
    ),
    "a key's conditions stop at the first misfit": (
        "moto returns no match as soon as one condition of a key meets an absent key or a value of the other type "
        "(e.g. [0, 'red'] against the String 'red'); the docs ('AND/OR logic') OR all conditions of a key. "
        "The differential test therefore asks moto one condition at a time and ORs the answers"
    ),
    "anything-but on String.Array / body arrays": (
        "moto requires every element to be outside the list; the docs ('Numeric value matching', anything-but) "
        "match when the array contains a value that is not excluded"
    ),
    "string condition on a Number attribute": (
        "moto compares the Number's text with the string; buttress matches strings to String values and numbers to "
        "Number values ('String value matching' vs 'Numeric value matching')"
    ),
    "operator meeting a value of the other type in the body": (
        "moto raises AttributeError/TypeError (prefix on a number, numeric on a string); "
        "SNS filters the message out like any other non-matching value"
    ),
    "anything-but prefix on a number in the body": (
        "moto answers no match in the body but a match for a Number attribute; buttress answers a match in both "
        "scopes, as moto and buttress both do for anything-but with a string value: a number is not a string "
        "starting with the prefix"
    ),
    "nested exists:false under an absent object (MessageBody)": (
        "moto never matches a nested policy when the parent object is absent; the docs ('Key matching') say "
        "exists:false matches an absent property"
    ),
}

KEYS = ["a", "b", "c"]
OR_KEYS = ["d", "e"]
WORDS = ["red", "redder", "blue", "bl", "sky-blue", "x"]
NUMBERS = [0, 1, 1.5, 100, -3, 250.25]

words = st.sampled_from(WORDS)
numbers = st.sampled_from(NUMBERS)

string_conditions = st.one_of(
    words,
    words.map(lambda w: {"prefix": w}),
    words.map(lambda w: {"suffix": w}),
    words.map(lambda w: {"equals-ignore-case": w}),  # lower-case only: see DIVERGENCES
    words.map(lambda w: {"anything-but": w}),
    st.lists(words, min_size=1, max_size=3).map(lambda ws: {"anything-but": ws}),
    words.map(lambda w: {"anything-but": {"prefix": w}}),
)
numeric_conditions = st.one_of(
    numbers,
    numbers.map(lambda n: {"numeric": ["=", n]}),
    st.tuples(st.sampled_from([">", ">=", "<", "<="]), numbers).map(lambda t: {"numeric": [t[0], t[1]]}),
    st.tuples(st.sampled_from([">", ">="]), numbers, st.sampled_from(["<", "<="]), numbers)
    .filter(lambda t: t[1] < t[3])
    .map(lambda t: {"numeric": list(t)}),
    st.lists(numbers, min_size=1, max_size=2).map(lambda ns: {"anything-but": ns}),
)
exists = st.booleans().map(lambda b: {"exists": b})


@st.composite
def condition_lists(draw: st.DrawFn) -> list[Any]:
    conditions = draw(st.lists(st.one_of(string_conditions, numeric_conditions), min_size=1, max_size=3))
    if draw(st.booleans()):
        # exists goes alone: after another condition moto short-circuits (see DIVERGENCES).
        conditions = [draw(exists)]
    return conditions


@st.composite
def flat_policies(draw: st.DrawFn, keys: list[str] = KEYS, max_keys: int = 3) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=max_keys, unique=True))
    return {key: draw(condition_lists()) for key in chosen}


@st.composite
def attribute_policies(draw: st.DrawFn) -> dict[str, Any]:
    policy = draw(flat_policies())
    if draw(st.integers(0, 3)) == 0:
        # at most 3 + 2 keys on any OR path: the 5-key limit
        policy["$or"] = draw(st.lists(flat_policies(OR_KEYS, 2), min_size=2, max_size=3))
    return policy


@st.composite
def attribute_messages(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from([*KEYS, *OR_KEYS, "z"]), min_size=1, max_size=5, unique=True))
    out: dict[str, Any] = {}
    for key in keys:
        if draw(st.booleans()):
            out[key] = {"Type": "String", "Value": draw(words)}
        else:
            out[key] = {"Type": "Number", "Value": str(draw(numbers))}
    return out


def _boto3_shape(notification_attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: {"DataType": v["Type"], "StringValue": v["Value"]} for k, v in notification_attrs.items()}


def _moto(policy: dict[str, Any], scope: str, attributes: dict[str, Any] | None, body: str) -> bool:
    return bool(FilterPolicyMatcher(policy, scope).matches(attributes, body))


def _moto_or_within_keys(policy: dict[str, Any], attributes: dict[str, Any]) -> bool:
    """moto's answer with each key's conditions asked one at a time and ORed (see DIVERGENCES)."""
    for key, conditions in policy.items():
        if key == "$or":
            if not any(_moto_or_within_keys(branch, attributes) for branch in conditions):
                return False
        elif not any(_moto({key: [c]}, "MessageAttributes", attributes, "") for c in conditions):
            return False
    return True


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy=attribute_policies(), message=attribute_messages())
def test_attribute_scope_agrees_with_moto(policy: dict[str, Any], message: dict[str, Any]) -> None:
    assume(combinations(policy) <= MAX_COMBINATIONS)  # generated policies may exceed SNS's limit
    validate(policy)
    ours = matches(policy, attributes=_boto3_shape(message))
    assert ours == _moto_or_within_keys(policy, message)


body_values = st.one_of(words, numbers)


@st.composite
def body_policies(draw: st.DrawFn) -> dict[str, Any]:
    policy: dict[str, Any] = draw(flat_policies())
    if draw(st.booleans()):
        nested = draw(flat_policies(KEYS, 5 - len(policy)))
        # no exists under a nested object: see DIVERGENCES (absent parent object)
        policy["o"] = {
            k: [c for c in v if "exists" not in (c if isinstance(c, dict) else {})] or ["red"]
            for k, v in nested.items()
        }
    return policy


@st.composite
def bodies(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from([*KEYS, *OR_KEYS, "z"]), min_size=1, max_size=5, unique=True))
    body: dict[str, Any] = {key: draw(body_values) for key in keys}
    if draw(st.booleans()):
        inner = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=3, unique=True))
        body["o"] = {key: draw(body_values) for key in inner}
    return body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy=body_policies(), body=bodies())
def test_body_scope_agrees_with_moto(policy: dict[str, Any], body: dict[str, Any]) -> None:
    assume(combinations(policy, scope="MessageBody") <= MAX_COMBINATIONS)
    validate(policy, scope="MessageBody")
    text = json.dumps(body)
    assert matches(policy, body=text, scope="MessageBody") == _moto_body_or_within_keys(policy, text)


def _moto_body_condition(policy: dict[str, Any], text: str) -> bool:
    leaf_parent, body = policy, json.loads(text)
    while True:
        ((key, inner),) = leaf_parent.items()
        if not isinstance(inner, dict):
            break
        leaf_parent, body = inner, body.get(key) if isinstance(body, dict) else None
    value = body.get(key) if isinstance(body, dict) else None
    condition = inner[0]
    if (
        isinstance(condition, dict)
        and isinstance(condition.get("anything-but"), dict)
        and isinstance(value, int | float)
    ):
        return True  # see DIVERGENCES: anything-but prefix on a number in the body
    try:
        return _moto(policy, "MessageBody", None, text)
    except (AttributeError, TypeError):
        return False  # see DIVERGENCES: an operator meeting a value of the other type in the body


def _moto_body_or_within_keys(policy: dict[str, Any], text: str, outer: str | None = None) -> bool:
    """moto's body answer, one condition at a time and ORed per key (see DIVERGENCES)."""
    for key, conditions in policy.items():
        if isinstance(conditions, dict):
            if not _moto_body_or_within_keys(conditions, text, key):
                return False
            continue
        wrap: Any = (lambda c, k=key: {k: [c]}) if outer is None else (lambda c, k=key: {outer: {k: [c]}})
        if not any(_moto_body_condition(wrap(c), text) for c in conditions):
            return False
    return True


# ---------------------------------------------------------------------------------------------
# each divergence, pinned: moto's answer and ours


def _attrs(**values: Any) -> dict[str, Any]:
    return {
        k: {"Type": "Number" if isinstance(v, int | float) else "String", "Value": str(v)} for k, v in values.items()
    }


def test_divergence_equals_ignore_case_upper_case_policy() -> None:
    policy = {"a": [{"equals-ignore-case": "RED"}]}
    message = _attrs(a="Red")
    assert _moto(policy, "MessageAttributes", message, "") is False
    assert matches(policy, attributes=_boto3_shape(message)) is True


def test_divergence_or_in_body_scope() -> None:
    policy = {"a": ["red"], "$or": [{"b": ["x"]}, {"c": [{"numeric": [">", 1]}]}]}
    body = json.dumps({"a": "red", "c": 5})
    try:
        theirs: bool | str = _moto(policy, "MessageBody", None, body)
    except Exception as exc:  # moto may crash instead of answering
        theirs = type(exc).__name__
    assert theirs is not True
    assert matches(policy, body=body, scope="MessageBody") is True


def test_divergence_cidr() -> None:
    from moto.sns.exceptions import SNSInvalidParameter
    from moto.sns.models import sns_backends

    backend = sns_backends["123456789012"]["us-east-1"]
    with pytest.raises(SNSInvalidParameter):
        backend._validate_filter_policy({"ip": [{"cidr": "10.0.0.0/24"}]}, "MessageAttributes")
    assert matches({"ip": [{"cidr": "10.0.0.0/24"}]}, attributes={"ip": "10.0.0.7"}) is True


def test_divergence_exists_false_without_attributes() -> None:
    policy = {"a": [{"exists": False}]}
    assert _moto(policy, "MessageAttributes", {}, "") is True
    assert matches(policy, attributes={}) is False


def test_divergence_conditions_stop_at_first_misfit() -> None:
    cases: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"a": ["red", {"exists": False}]}, _attrs(b="x")),
        ({"a": [0, "red"]}, _attrs(a="red")),
    ]
    for policy, message in cases:
        assert _moto(policy, "MessageAttributes", message, "") is False
        assert _moto_or_within_keys(policy, message) is True
        assert matches(policy, attributes=_boto3_shape(message)) is True


def test_divergence_anything_but_on_arrays() -> None:
    policy = {"price": [{"anything-but": [100, 500]}]}
    body = json.dumps({"price": [100, 50]})
    assert _moto(policy, "MessageBody", None, body) is False
    assert matches(policy, body=body, scope="MessageBody") is True


def test_divergence_string_condition_on_number_attribute() -> None:
    policy = {"a": ["100"]}
    message = _attrs(a=100)
    assert _moto(policy, "MessageAttributes", message, "") is True
    assert matches(policy, attributes=_boto3_shape(message)) is False


def test_divergence_nested_exists_false_under_absent_object() -> None:
    policy = {"o": {"coupon": [{"exists": False}]}}
    body = json.dumps({"a": 1})
    assert _moto(policy, "MessageBody", None, body) is False
    assert matches(policy, body=body, scope="MessageBody") is True


def test_every_divergence_has_a_pinning_test() -> None:
    pinned = [name for name in globals() if name.startswith("test_divergence_")]
    assert len(pinned) == len(DIVERGENCES)


def test_divergence_operator_meets_other_type_in_body() -> None:
    cases: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"a": [{"prefix": "red"}]}, {"a": 0}),
        ({"a": [{"numeric": [">", 0]}]}, {"a": "red"}),
    ]
    for policy, body in cases:
        with pytest.raises((AttributeError, TypeError)):
            _moto(policy, "MessageBody", None, json.dumps(body))
        assert matches(policy, body=body, scope="MessageBody") is False


def test_divergence_anything_but_prefix_on_number_in_body() -> None:
    policy = {"a": [{"anything-but": {"prefix": "red"}}]}
    assert _moto(policy, "MessageBody", None, json.dumps({"a": 0})) is False
    assert _moto(policy, "MessageAttributes", _attrs(a=0), "") is True
    assert matches(policy, body={"a": 0}, scope="MessageBody") is True
    assert matches(policy, attributes={"a": 0}) is True


# ---------------------------------------------------------------------------------------------
# complexity: moto 5.2.5 weights each array by the depth of its key as the SNS docs' worked example
# does (3 x 4 x 2 x 3 x 1 x 3 = 216), so without $or (where moto multiplies the branches instead of
# summing the OR paths) the two must accept and reject the same policies.


@st.composite
def nested_policies(draw: st.DrawFn) -> dict[str, Any]:
    """Up to 5 leaves at depths 1-3 with 1-6 values each: around SNS's limit of 150."""
    policy: dict[str, Any] = {}
    for index in range(draw(st.integers(1, 5))):
        depth = draw(st.integers(1, 3))
        values = [f"v{i}" for i in range(draw(st.integers(1, 6)))]
        node = policy
        for level in range(depth - 1):
            node = node.setdefault(f"o{level}" if level else draw(st.sampled_from(["o", "p"])), {})
        node[f"k{index}"] = values
    return policy


def _moto_accepts(policy: dict[str, Any], scope: str) -> bool:
    from moto.sns.exceptions import SNSInvalidParameter
    from moto.sns.models import SNSBackend

    try:
        SNSBackend("us-east-1", "123456789012")._validate_filter_policy(policy, scope)
    except SNSInvalidParameter as exc:
        assert "too complex" in str(exc), str(exc)
        return False
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy=nested_policies())
def test_nested_complexity_agrees_with_moto(policy: dict[str, Any]) -> None:
    ours = combinations(policy, scope="MessageBody") <= MAX_COMBINATIONS
    assert ours == _moto_accepts(policy, "MessageBody")
    if ours:
        validate(policy, scope="MessageBody")


@settings(max_examples=200, deadline=None)
@given(policy=flat_policies())
def test_flat_complexity_agrees_with_moto(policy: dict[str, Any]) -> None:
    big = {key: [f"v{i}" for i in range(len(conditions) * 5)] for key, conditions in policy.items()}
    for scope in ("MessageAttributes", "MessageBody"):
        assert (combinations(big, scope=scope) <= MAX_COMBINATIONS) == _moto_accepts(big, scope)


def test_docs_worked_example_moto_and_buttress_both_reject() -> None:
    example = {
        "key_a": {"key_b": {"key_c": ["value_one", "value_two", "value_three", "value_four"]}},
        "key_d": {"key_e": ["value_one", "value_two", "value_three"]},
        "key_f": ["value_one", "value_two", "value_three"],
    }
    assert not _moto_accepts(example, "MessageBody")
    assert combinations(example, scope="MessageBody") == 216
