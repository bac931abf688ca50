"""``NetworkProps`` and the ``Network`` constructor agree."""

from __future__ import annotations

import dataclasses

import pytest

from buttress import Network
from buttress.network import NetworkProps
from tests.signatures import props_mismatches


def test_props_dataclass_matches_the_constructor_keywords() -> None:
    assert props_mismatches(Network, NetworkProps) == []


def test_props_dataclass_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        NetworkProps().cidr = "10.1.0.0/16"  # type: ignore[misc]
