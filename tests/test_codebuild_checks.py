"""VpcCodeBuild's synth-time checks (pure, no synthesis)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buttress.errors import ButtressError
from buttress.options import BuildCache
from buttress.rules.codebuild import (
    BuildImageFacts,
    BuildNeeds,
    Span,
    Variable,
    _builds_that_fit,
    capacity_margin,
    check_artifact_expiration,
    check_build_services,
    check_cache_modes,
    check_internet_reach,
    check_isolated_egress,
    check_props,
    check_subnet_capacity,
    check_variables,
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


def test_internet_reach_is_checked_whatever_the_endpoints() -> None:
    check_internet_reach(BuildNeeds(source_type="CODECOMMIT"))
    with pytest.raises(ButtressError, match="the GITLAB source can only be reached over the internet"):
        check_internet_reach(BuildNeeds(source_type="GITLAB"))


# --- props -----------------------------------------------------------------------------------

STANDARD = BuildImageFacts("aws/codebuild/standard:7.0", "LINUX_CONTAINER")
SPEC = {"version": "0.2", "phases": {}}


def _props(**overrides: Any) -> Any:
    given: dict[str, Any] = {
        "subnet_type": "PRIVATE_WITH_EGRESS",
        "has_source": False,
        "image": STANDARD,
        "timeout": Span(3600, "1 hour"),
        "build_spec": SPEC,
        "concurrent_build_limit": None,
        "cache": "none",
        "local_cache_modes": None,
        "privileged": False,
        "environment_variables": None,
        "parameter_store_variables": None,
        "secrets_manager_variables": None,
        "build_services": (),
        "known_services": {"sts", "logs", "s3"},
        "artifacts": False,
        "artifact_expiration": Span(90 * 86400, "90 days"),
        "artifact_expiration_given": False,
        "description": None,
        **overrides,
    }
    return check_props(**given)


def test_defaults() -> None:
    props = _props()
    assert (props.isolated, props.build_spec, props.cache, props.local_cache_modes) == (
        False,
        {**SPEC, "version": 0.2},  # rendered as a number (aws-cdk issue 22087)
        BuildCache.NONE,
        (),
    )
    assert props.variables == () and props.build_services == ()


def test_a_source_reads_buildspec_yml_by_default() -> None:
    assert _props(has_source=True, build_spec=None).build_spec == "buildspec.yml"


def test_local_cache_defaults_to_source_and_custom() -> None:
    assert _props(cache="local").local_cache_modes == ("SOURCE", "CUSTOM")
    assert _props(cache=BuildCache.LOCAL, local_cache_modes=["CUSTOM"]).local_cache_modes == ("CUSTOM",)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"concurrent_build_limit": "4"}, "concurrent_build_limit='4' is invalid: a whole number (int) of at least 1"),
        ({"concurrent_build_limit": True}, "concurrent_build_limit=True is invalid: a whole number (int)"),
        ({"concurrent_build_limit": 0}, "concurrent_build_limit=0 is invalid: at least 1, or None for no limit"),
        ({"cache": 3}, "cache=3 is invalid: one of 'none', 'local', 's3'"),
        ({"subnet_type": "PUBLIC"}, "subnet_type='PUBLIC' is invalid: PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED"),
        ({"build_spec": {"version": "0.2", "phases": {1, 2}}}, "build_spec={'version': '0.2', 'phases': {1, 2}} is"),
        ({"timeout": Span(120, "2 minutes")}, "timeout='2 minutes' is invalid: whole minutes from 5 to 2160"),
        (
            {"image": BuildImageFacts("aws/codebuild/x", "ARM_LAMBDA_CONTAINER")},
            "build_image='aws/codebuild/x' is invalid: an EC2-compute image",
        ),
        ({"description": ""}, "description='' is invalid: a non-empty string"),
    ],
)
def test_bad_plain_props(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ButtressError) as err:
        _props(**overrides)
    assert str(err.value).startswith(message), str(err.value)


def test_tokens_are_left_to_cloudformation() -> None:
    _props(timeout=Span(None, "<token>"))
    check_artifact_expiration(Span(None, "<token>"), given=True, artifacts=True)


@pytest.mark.parametrize("cache", [BuildCache.NONE, BuildCache.S3])
def test_cache_modes_only_with_a_local_cache(cache: BuildCache) -> None:
    with pytest.raises(ButtressError, match=rf"only with cache='local': with cache='{cache.value}'"):
        check_cache_modes(["SOURCE"], cache=cache, privileged=False)
    assert check_cache_modes(None, cache=cache, privileged=False) == ()


def test_docker_layer_cache_needs_privileged() -> None:
    with pytest.raises(ButtressError, match="needs privileged=True"):
        check_cache_modes(["DOCKER_LAYER"], cache=BuildCache.LOCAL, privileged=False)
    assert check_cache_modes(["DOCKER_LAYER"], cache=BuildCache.LOCAL, privileged=True) == ("DOCKER_LAYER",)


def test_build_services_only_in_isolated_subnets() -> None:
    assert check_build_services(["sts"], known={"sts"}, isolated=True) == ("sts",)
    with pytest.raises(
        ButtressError, match=r"build_services=\['sts'\] is invalid: only with subnet_type=PRIVATE_ISOLATED"
    ):
        check_build_services(["sts"], known={"sts"}, isolated=False)
    with pytest.raises(ButtressError, match=r"build_services=\['nope'\] is invalid: Network endpoint names"):
        check_build_services(["nope"], known={"sts"}, isolated=True)


def test_variables_keep_the_order_of_the_props() -> None:
    assert check_variables(
        environment_variables={"A": "1"},
        parameter_store_variables={"B": "/p"},
        secrets_manager_variables={"C": "s"},
    ) == (
        Variable("A", "1", "PLAINTEXT"),
        Variable("B", "/p", "PARAMETER_STORE"),
        Variable("C", "s", "SECRETS_MANAGER"),
    )


def test_artifact_expiration_only_with_artifacts() -> None:
    check_artifact_expiration(Span(86400, "1 day"), given=False, artifacts=False)  # the default: no error
    with pytest.raises(ButtressError, match="artifact_expiration='1 day' is invalid: only with artifacts=True"):
        check_artifact_expiration(Span(86400, "1 day"), given=True, artifacts=False)
    check_artifact_expiration(None, given=True, artifacts=True)


@pytest.mark.parametrize(
    ("image", "kind"),
    [
        (BuildImageFacts("aws/codebuild/standard:7.0", "LINUX_CONTAINER"), "codebuild"),
        (BuildImageFacts("123456789012.dkr.ecr.eu-west-1.amazonaws.com/ci:1", "LINUX_CONTAINER"), "ecr"),
        (BuildImageFacts("${Token[TOKEN.1]}", "LINUX_CONTAINER", from_ecr_repository=True), "ecr"),
        (BuildImageFacts("python:3.12", "LINUX_CONTAINER"), "registry"),
    ],
)
def test_image_kind(image: BuildImageFacts, kind: str) -> None:
    assert image.kind == kind
