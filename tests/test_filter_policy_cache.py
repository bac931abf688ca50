"""``matches`` answers from what the policy holds now: a changed policy is validated again, a compiled one is a copy."""

from __future__ import annotations

from typing import Any

import pytest

from buttress.rules.filter_policy import FilterPolicyError, compile_policy, matches


def test_a_policy_mutated_after_a_match_is_validated_again() -> None:
    policy: dict[str, Any] = {"color": ["red"]}
    assert matches(policy, attributes={"color": "red"})
    policy["color"] = []  # now invalid: an empty condition list
    with pytest.raises(FilterPolicyError):
        matches(policy, attributes={"color": "red"})
    policy["color"] = [{"numeric": [">", True]}]  # equal to [">", 1] for ==, but not a number
    with pytest.raises(FilterPolicyError):
        matches(policy, attributes={"color": "red"})


def test_equal_policies_in_new_dicts_share_the_validation_but_not_the_answer() -> None:
    assert matches({"n": [{"numeric": [">", 1]}]}, attributes={"n": 2})
    assert not matches({"n": [{"numeric": [">", 1]}]}, attributes={"n": 1})
    # A tuple is not JSON's array form: it is checked on its own, not answered from the list's entry.
    with pytest.raises(FilterPolicyError):
        matches({"n": ({"numeric": [">", 1]},)}, attributes={"n": 2})


def test_scope_is_part_of_the_validation_key() -> None:
    nested = {"order": {"kind": ["lab"]}}
    assert matches(nested, body={"order": {"kind": "lab"}}, scope="MessageBody")
    with pytest.raises(FilterPolicyError):
        matches(nested, attributes={"kind": "lab"})


def test_attribute_types_stay_apart_over_many_values() -> None:
    number = {"p": {"DataType": "Number", "StringValue": "10"}}
    text = {"p": {"DataType": "String", "StringValue": "10"}}
    assert matches({"p": [10]}, attributes=number)
    assert not matches({"p": [10]}, attributes=text)
    assert matches({"p": ["10"]}, attributes=text)
    for i in range(5000):  # more values than any cache holds: answers stay right
        assert matches({"p": [i]}, attributes={"p": {"DataType": "Number", "StringValue": str(i)}})
        assert not matches({"p": [i]}, attributes={"p": {"DataType": "String", "StringValue": str(i)}})
    assert matches({"p": [10]}, attributes=number)


def test_many_distinct_policies_are_each_validated() -> None:
    for i in range(2000):
        assert matches({"n": [{"numeric": [">", i]}]}, attributes={"n": i + 1})
    with pytest.raises(FilterPolicyError):
        matches({"n": [{"numeric": [">", "1"]}]}, attributes={"n": 2})


def test_a_compiled_policy_is_validated_once_and_keeps_its_own_copy() -> None:
    policy: dict[str, Any] = {"color": ["red"]}
    compiled = compile_policy(policy)
    policy["color"] = ["blue"]  # the compiled policy does not follow the dict
    assert matches(compiled, attributes={"color": "red"})
    assert not matches(compiled, attributes={"color": "blue"})
    with pytest.raises(FilterPolicyError):
        compile_policy({"color": []})


def test_a_compiled_policy_keeps_its_scope() -> None:
    compiled = compile_policy({"order": {"kind": ["lab"]}}, scope="MessageBody")
    assert matches(compiled, body={"order": {"kind": "lab"}})
    assert matches(compiled, body={"order": {"kind": "lab"}}, scope="MessageBody")
    with pytest.raises(ValueError, match="scope='MessageAttributes' is invalid: this policy was compiled for"):
        matches(compiled, attributes={"kind": "lab"}, scope="MessageAttributes")


def test_a_value_equal_under_eq_but_of_another_type_is_validated_again() -> None:
    policy: dict[str, Any] = {"n": [{"numeric": [">", 1]}]}
    assert matches(policy, attributes={"n": 2})
    policy["n"][0]["numeric"][1] = True  # True == 1, but a boolean is no numeric bound
    with pytest.raises(FilterPolicyError):
        matches(policy, attributes={"n": 2})
