"""``matches`` remembers validated policies and parsed attributes: it must never answer from a stale entry."""

from __future__ import annotations

from typing import Any

import pytest

from buttress.rules import filter_policy
from buttress.rules.filter_policy import FilterPolicyError, matches


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


def test_parsed_attribute_cache_keeps_types_apart_and_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(filter_policy, "_PARSED_MAX", 3)
    number = {"p": {"DataType": "Number", "StringValue": "10"}}
    text = {"p": {"DataType": "String", "StringValue": "10"}}
    assert matches({"p": [10]}, attributes=number)
    assert not matches({"p": [10]}, attributes=text)
    assert matches({"p": ["10"]}, attributes=text)
    for i in range(10):
        matches({"p": [i]}, attributes={"p": {"DataType": "Number", "StringValue": str(i)}})
    assert len(filter_policy._PARSED) <= 3


def test_a_value_equal_under_eq_but_of_another_type_is_validated_again() -> None:
    policy: dict[str, Any] = {"n": [{"numeric": [">", 1]}]}
    assert matches(policy, attributes={"n": 2})
    policy["n"][0]["numeric"][1] = True  # True == 1, but a boolean is no numeric bound
    with pytest.raises(FilterPolicyError):
        matches(policy, attributes={"n": 2})
