"""One switch with the usual props, built once for the package's tests that only read it."""

from __future__ import annotations

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from buttress import BudgetKillSwitch
from tests.kill_switch.helpers import build_switch


@pytest.fixture(scope="package")
def built() -> tuple[Stack, BudgetKillSwitch, Template]:
    return build_switch()


@pytest.fixture(scope="package")
def template(built: tuple[Stack, BudgetKillSwitch, Template]) -> Template:
    return built[2]
