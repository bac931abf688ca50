"""Issue 22 mistakes: names and lengths AWS refuses are refused at synth, naming the page; route()'s raw errors."""

from __future__ import annotations

from typing import Any

import pytest

from buttress import ButtressError, FanoutTopic
from buttress.rules.fanout import check_new_queue, check_topic
from tests.harness import new_stack

TOPIC: dict[str, Any] = {
    "topic_name": None,
    "display_name": None,
    "fifo": False,
    "content_based_deduplication": False,
    "service_publishers": (),
    "dashboard_name": None,
    "resource_limit": 500,
}


def _queue(name: str, *, fifo: bool = False) -> None:
    check_new_queue(
        "add_queue('Q').",
        dead_letter_queue=None,
        dead_letter_is_queue=False,
        max_receive_count=None,
        queue_name=name,
        fifo=fifo,
    )


@pytest.mark.parametrize(
    ("name", "fifo"), [("a" * 80, False), ("a-b_c", False), ("a" * 75 + ".fifo", True), ("x.fifo", True)]
)
def test_queue_names_sqs_takes(name: str, fifo: bool) -> None:
    _queue(name, fifo=fifo)


@pytest.mark.parametrize(
    ("name", "fifo"),
    [("a" * 81, False), ("has space", False), ("dot.ted", False), ("a" * 76 + ".fifo", True)],
)
def test_queue_names_sqs_refuses(name: str, fifo: bool) -> None:
    with pytest.raises(ButtressError, match=r"queue_name=.* is invalid: .*80.*API_CreateQueue"):
        _queue(name, fifo=fifo)


@pytest.mark.parametrize("name", ["a" * 257, "has space", "dot.ted"])
def test_topic_names_sns_refuses(name: str) -> None:
    with pytest.raises(ButtressError, match=r"topic_name=.* is invalid: .*256.*API_CreateTopic"):
        check_topic(**{**TOPIC, "topic_name": name})


def test_fifo_topic_name_with_the_suffix_fits_in_256() -> None:
    check_topic(**{**TOPIC, "fifo": True, "topic_name": "a" * 251 + ".fifo"})
    with pytest.raises(ButtressError, match="API_CreateTopic"):
        check_topic(**{**TOPIC, "fifo": True, "topic_name": "a" * 252 + ".fifo"})


@pytest.mark.parametrize("name", ["a" * 256, "has space", "dot.ted", "slash/ed"])
def test_dashboard_names_cloudwatch_refuses(name: str) -> None:
    with pytest.raises(ButtressError, match=r"dashboard_name=.* is invalid: .*255.*API_PutDashboard"):
        check_topic(**{**TOPIC, "dashboard_name": name})


def test_dashboard_names_cloudwatch_takes() -> None:
    assert check_topic(**{**TOPIC, "dashboard_name": "a" * 255}).dashboard_name == "a" * 255
    assert check_topic(**{**TOPIC, "dashboard_name": "Orders-2_b"}).dashboard_name == "Orders-2_b"


def test_empty_names_are_refused() -> None:
    for prop in ("topic_name", "dashboard_name"):
        with pytest.raises(ButtressError, match=f"{prop}='' is invalid: a non-empty string"):
            check_topic(**{**TOPIC, prop: ""})
    with pytest.raises(ButtressError, match="queue_name='' is invalid: a non-empty string"):
        _queue("")


def test_route_with_attributes_not_a_dict_is_a_buttress_error() -> None:
    topic = FanoutTopic(new_stack("Route"), "Orders")
    topic.add_queue("Q", filter_policy={"a": ["b"]})
    with pytest.raises(ButtressError, match=r"^Route/Orders: attributes='x' is invalid: a mapping"):
        topic.route(attributes="x")  # type: ignore[arg-type]
    with pytest.raises(ButtressError, match=r"^Route/Orders: attributes=.* is invalid: .*unsupported"):
        topic.route(attributes={"a": object()})
