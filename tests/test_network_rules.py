"""buttress.rules.network and buttress.rules.fanout on plain values: no synth."""

from __future__ import annotations

from typing import Any

import pytest

from buttress.errors import ButtressError
from buttress.options import DeadLetterQueue
from buttress.rules.fanout import check_existing_queue, check_new_queue, check_topic
from buttress.rules.network import check_interface_endpoints, check_network

NETWORK: dict[str, Any] = {
    "cidr": "10.0.0.0/16",
    "max_azs": 2,
    "public_subnet_mask": 24,
    "private_subnet_mask": 20,
    "isolated_subnet_mask": None,
    "nat_gateways": None,
    "interface_endpoints": ["logs"],
    "stack_azs": 2,
}

TOPIC: dict[str, Any] = {
    "topic_name": None,
    "display_name": None,
    "fifo": False,
    "content_based_deduplication": False,
    "service_publishers": (),
    "dashboard_name": None,
    "resource_limit": 500,
}


def test_check_network_returns_the_plan() -> None:
    plan = check_network(**NETWORK)
    assert plan.nat_gateways == 2
    assert plan.interface_endpoints == ("logs",)
    assert sorted(s.cidr for s in plan.subnets) == ["10.0.0.0/24", "10.0.1.0/24", "10.0.16.0/20", "10.0.32.0/20"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"max_azs": "2"}, "max_azs='2' is invalid: a whole number (int), not str"),
        ({"interface_endpoints": "logs"}, "interface_endpoints='logs' is invalid: a list of strings, not one string"),
        ({"interface_endpoints": [3]}, "interface_endpoints[0]=3 is invalid: a string, not int"),
        ({"nat_gateways": "1"}, "nat_gateways='1' is invalid: a whole number (int), not str"),
        ({"isolated_subnet_mask": "24"}, "isolated_subnet_mask='24' is invalid: a whole number (int), not str"),
    ],
)
def test_network_type_mistakes(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ButtressError) as caught:
        check_network(**{**NETWORK, **change})
    assert str(caught.value).startswith(message)


def test_interface_endpoints_are_never_split_into_characters() -> None:
    with pytest.raises(ButtressError) as caught:
        check_interface_endpoints("interface_endpoints", "logs")
    assert "['g', 'l', 'o', 's']" not in str(caught.value)


def test_topic_props() -> None:
    assert check_topic(**TOPIC).resource_limit == 500
    with pytest.raises(ButtressError, match=r"^service_publishers='budgets.amazonaws.com' is invalid: a list"):
        check_topic(**{**TOPIC, "service_publishers": "budgets.amazonaws.com"})
    # A token name is not matched against the pattern.
    assert check_topic(**{**TOPIC, "topic_name": "${Token[X]}"}, is_token=True).topic_name == "${Token[X]}"


def test_new_queue_defaults_and_options() -> None:
    options = check_new_queue(
        "add_queue('Q').",
        dead_letter_queue=None,
        dead_letter_is_queue=False,
        max_receive_count=None,
        queue_name=None,
        fifo=False,
    )
    assert options.dead_letter is DeadLetterQueue.OWN
    assert options.max_receive_count == 5
    with pytest.raises(ButtressError, match=r"^add_queue\('Q'\)\.max_receive_count='3' is invalid"):
        check_new_queue(
            "add_queue('Q').",
            dead_letter_queue="own",
            dead_letter_is_queue=False,
            max_receive_count="3",
            queue_name=None,
            fifo=False,
        )


def test_existing_queue_refuses_new_queue_props() -> None:
    check_existing_queue("add_queue('Q').", {"queue_name": None, "max_receive_count": None})
    with pytest.raises(ButtressError, match=r"^add_queue\('Q'\)\.max_receive_count=5 is invalid: not with queue="):
        check_existing_queue("add_queue('Q').", {"queue_name": None, "max_receive_count": 5})
