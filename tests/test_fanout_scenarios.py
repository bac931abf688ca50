"""Routing tables of the two AWS blog-post scenarios: each message reaches exactly the subscribers the post says."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App

from stacks.car_dealer_stack import SCM_ENDPOINT_CONTEXT, SCM_ENDPOINT_PLACEHOLDER, CarDealerStack
from stacks.procurement_stack import ProcurementStack


@pytest.fixture(scope="module")
def procurement() -> ProcurementStack:
    return ProcurementStack(App(), "Procurement")


@pytest.fixture(scope="module")
def car_dealer() -> CarDealerStack:
    return CarDealerStack(App(), "CarDealer")


def order(category: str, amount: float, location: str | None = None) -> dict[str, Any]:
    """The attributes of an order, in the boto3 publish shape."""
    attributes: dict[str, Any] = {
        "category": {"DataType": "String", "StringValue": category},
        "amount_usd": {"DataType": "Number", "StringValue": str(amount)},
    }
    if location is not None:
        attributes["location"] = {"DataType": "String", "StringValue": location}
    return attributes


#: The blog post's six orders and where each one goes.
PROCUREMENT_ROUTES = [
    ("#1 lab, $15,700, Singapore", order("lab-supplies", 15700, "Asia-Pacific-Southeast"), ["Lab-Orders-AP"]),
    ("#2 lab, $1,833, Ireland", order("lab-supplies", 1833, "Europe-West"), ["Lab-Orders-EU"]),
    ("#3 lab, $415", order("lab-supplies", 415, "Europe-West"), ["Lab-Preapproved"]),
    ("#4 lab, $0", order("lab-supplies", 0, "Asia-Pacific-Northeast"), ["Lab-Cancelled"]),
    ("#5 office", order("office-supplies", 120, "Europe-West"), ["Common-Orders"]),
    ("#6 tech", order("tech-supplies", 2400, "Asia-Pacific-Southeast"), ["Common-Orders"]),
]


@pytest.mark.parametrize(
    ("label", "attributes", "expected"), PROCUREMENT_ROUTES, ids=[r[0] for r in PROCUREMENT_ROUTES]
)
def test_procurement_orders_reach_exactly_the_blog_post_subscriber(
    procurement: ProcurementStack, label: str, attributes: dict[str, Any], expected: list[str]
) -> None:
    assert procurement.orders.route(attributes=attributes) == expected


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        (order("lab-supplies", 1000, "Europe-West"), ["Lab-Preapproved"]),  # up to $1,000 inclusive
        (order("lab-supplies", 1000.01, "Europe-West"), ["Lab-Orders-EU"]),
        (order("lab-supplies", 0.01), ["Lab-Preapproved"]),
        (order("lab-supplies", 5000, "America-East"), []),  # no approver for other labs: filtered out
        (order("lab-supplies", 5000), []),
        ({"status": {"DataType": "String", "StringValue": "cancelled"}}, []),  # Lab-Cancelled's announcement
        ({}, []),
    ],
)
def test_procurement_edges(procurement: ProcurementStack, attributes: dict[str, Any], expected: list[str]) -> None:
    assert procurement.orders.route(attributes=attributes) == expected


def test_procurement_subscribers(procurement: ProcurementStack) -> None:
    assert [(s.id, s.protocol) for s in procurement.orders.subscribers] == [
        ("Lab-Orders-AP", "sqs"),
        ("Lab-Orders-EU", "sqs"),
        ("Common-Orders", "sqs"),
        ("Lab-Preapproved", "lambda"),
        ("Lab-Cancelled", "lambda"),
    ]


@pytest.mark.parametrize(
    ("buyer_class", "expected"),
    [
        ("vip", ["ERP-Integration", "CRM-Integration", "SCM-System"]),
        ("regular", ["ERP-Integration", "SCM-System"]),
        ("VIP", ["ERP-Integration", "SCM-System"]),  # string matching is case-sensitive
        (None, ["ERP-Integration", "SCM-System"]),
    ],
)
def test_car_dealer_routes(car_dealer: CarDealerStack, buyer_class: str | None, expected: list[str]) -> None:
    attributes = {} if buyer_class is None else {"buyer-class": buyer_class}
    assert car_dealer.car_sales.route(attributes=attributes) == expected


def test_car_dealer_scm_endpoint_from_context(car_dealer: CarDealerStack) -> None:
    default = car_dealer.scm.node.default_child
    assert car_dealer.resolve(default.endpoint) == SCM_ENDPOINT_PLACEHOLDER  # type: ignore[union-attr]
    assert ".invalid/" in SCM_ENDPOINT_PLACEHOLDER  # never resolves, obviously a placeholder
    custom = CarDealerStack(App(context={SCM_ENDPOINT_CONTEXT: "https://scm.dealer.test/api"}), "Custom")
    endpoint = custom.resolve(custom.scm.node.default_child.endpoint)  # type: ignore[union-attr]
    assert endpoint == "https://scm.dealer.test/api"
