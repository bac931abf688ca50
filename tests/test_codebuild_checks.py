"""VpcCodeBuild's synth-time checks (pure, no synthesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buttress.errors import ButtressError
from buttress.rules.codebuild import (
    BuildNeeds,
    _builds_that_fit,
    capacity_margin,
    check_isolated_egress,
    check_subnet_capacity,
    required_endpoints,
    subnet_capacity,
)

TWO_28 = ["10.0.0.0/28", "10.0.0.16/28"]


@pytest.mark.parametrize(("limit", "margin"), [(1, 2), (8, 2), (9, 3), (20, 5), (100, 25)])
def test_margin_is_a_quarter_of_the_limit_and_at_least_two(limit: int, margin: int) -> None:
    assert capacity_margin(limit) == margin


def test_capacity_counts_five_reserved_addresses_per_subnet() -> None:
    assert subnet_capacity(TWO_28) == {"10.0.0.0/28": 11, "10.0.0.16/28": 11}


def test_a_28_cannot_hold_twenty_concurrent_builds() -> None:
    with pytest.raises(ButtressError) as err:
        check_subnet_capacity(["10.0.0.0/28"], 20)
    message = str(err.value)
    assert message.startswith("concurrent_build_limit=20 is invalid:")
    assert "20 builds + a margin of 5" in message
    assert "need 25 addresses" in message
    assert "(10.0.0.0/28: 11) hold 11" in message
    assert "allow at most 8 builds" in message


def test_the_margin_makes_two_28s_too_small_for_twenty() -> None:
    # 22 addresses would hold 20 builds, but not 20 plus the margin.
    with pytest.raises(ButtressError, match=r"need 25 addresses but the selected subnets .* hold 22"):
        check_subnet_capacity(TWO_28, 20)


def test_a_limit_that_fits_passes_silently() -> None:
    assert check_subnet_capacity(TWO_28, 17) is None  # 17 + 5 = 22
    assert check_subnet_capacity(["10.20.16.0/20", "10.20.32.0/20"], 200) is None


@pytest.mark.parametrize("limit", [0, -3])
def test_a_limit_below_one_is_rejected(limit: int) -> None:
    with pytest.raises(ButtressError, match=rf"concurrent_build_limit={limit} is invalid: at least 1"):
        check_subnet_capacity(TWO_28, limit)


def test_no_limit_gives_a_warning_saying_what_the_subnets_hold() -> None:
    warning = check_subnet_capacity(TWO_28, None)
    assert warning is not None
    assert "no concurrent_build_limit" in warning
    assert "hold 22 usable addresses, about 17 concurrent builds" in warning
    assert "10.0.0.0/28: 11, 10.0.0.16/28: 11" in warning


def test_no_subnets_is_an_error() -> None:
    with pytest.raises(ButtressError, match=r"subnet_cidrs=\[\] is invalid"):
        check_subnet_capacity([], 1)


@given(st.integers(min_value=0, max_value=200_000))
def test_builds_that_fit_is_the_largest_limit_that_passes(total: int) -> None:
    n = _builds_that_fit(total)
    assert n == 0 or n + capacity_margin(n) <= total
    assert n + 1 + capacity_margin(n + 1) > total


def test_minimal_build_needs_s3_and_logs() -> None:
    assert list(required_endpoints(BuildNeeds(source_type="NO_SOURCE"))) == ["s3", "logs"]


def test_everything_a_build_can_use() -> None:
    needs = BuildNeeds(
        source_type="CODECOMMIT",
        image_kind="ecr",
        parameter_store=True,
        secrets_manager=True,
        services=["sts", "logs"],
    )
    assert list(required_endpoints(needs)) == [
        "ecr.api",
        "ecr.dkr",
        "git-codecommit",
        "s3",
        "logs",
        "ssm",
        "secretsmanager",
        "sts",
    ]


def test_unknown_image_kind_is_rejected() -> None:
    with pytest.raises(ButtressError, match="image_kind='docker' is invalid: one of codebuild, ecr, registry"):
        required_endpoints(BuildNeeds(source_type="S3", image_kind="docker"))


def test_isolated_subnets_without_logs_fail_naming_it() -> None:
    with pytest.raises(ButtressError) as err:
        check_isolated_egress(BuildNeeds(source_type="NO_SOURCE"), available={"s3", "dynamodb"})
    message = str(err.value)
    assert message.startswith("subnet_type='PRIVATE_ISOLATED' is invalid:")
    assert "lacks: logs (CloudWatch Logs: stream the build log)." in message
    assert "interface_endpoints=['logs']" in message


def test_every_missing_endpoint_is_listed() -> None:
    needs = BuildNeeds(source_type="CODECOMMIT", image_kind="ecr", secrets_manager=True)
    with pytest.raises(ButtressError) as err:
        check_isolated_egress(needs, available={"s3", "logs", "ecr.api"})
    assert "interface_endpoints=['ecr.dkr', 'git-codecommit', 'secretsmanager']" in str(err.value)


def test_all_endpoints_present_passes() -> None:
    needs = BuildNeeds(source_type="S3", parameter_store=True)
    check_isolated_egress(needs, available={"s3", "logs", "ssm"})


@pytest.mark.parametrize(
    ("needs", "named"),
    [
        (BuildNeeds(source_type="GITHUB"), "the GITHUB source"),
        (BuildNeeds(source_type="BITBUCKET"), "the BITBUCKET source"),
        (BuildNeeds(source_type="S3", image_kind="registry"), "a build image from a registry other than ECR"),
    ],
)
def test_what_only_the_internet_serves_cannot_run_isolated(needs: BuildNeeds, named: str) -> None:
    everything = {"s3", "logs", "ecr.api", "ecr.dkr", "git-codecommit", "ssm", "secretsmanager"}
    with pytest.raises(ButtressError, match=f"{named} can only be reached over the internet.*PRIVATE_WITH_EGRESS"):
        check_isolated_egress(needs, available=everything)
