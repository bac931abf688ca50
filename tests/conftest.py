"""Shared fixtures: the example app synthesized once per session, one stack per parameter."""

from __future__ import annotations

import pytest

from tests.harness import SynthResult, synthesize


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Parametrize by the stacks the app really has, so a new stack gets every template test.
    if "stack_name" in metafunc.fixturenames:
        metafunc.parametrize("stack_name", sorted(synthesize().templates))


@pytest.fixture(scope="session")
def synth() -> SynthResult:
    return synthesize()
