"""VpcCodeBuild sources: the pure rules (webhook filter groups, RE2 patterns, connections) and the construct."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_codecommit as codecommit
from aws_cdk.assertions import Template

from buttress import ButtressError, Network, VpcCodeBuild
from buttress.rules.codebuild_sources import check_connection, check_pattern, check_triggers
from tests.harness import new_stack

SPEC: dict[str, Any] = {"version": "0.2", "phases": {"build": {"commands": ["pytest"]}}}
CONNECTION = "arn:aws:codeconnections:eu-west-1:111122223333:connection/0a1b2c3d-0000-1111-2222-333344445555"
_ids = itertools.count()


# --- RE2 patterns ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern",
    [
        "^refs/heads/main$",
        r"^refs/heads/(release|hotfix)/.+",
        r"\pL+",
        r"\p{Greek}",
        r"[[:alpha:]]+",
        r"\Q(.*\E",
        r"(?P<n>x)",
        r"(?<n>x)",
        r"(?i)main",
        r"(?U)a+",
        r"a\z",
        r"[+*]+",
        r"\\1",
        r"a{0,1000}",
    ],
)
def test_patterns_re2_accepts(pattern: str) -> None:
    check_pattern("p", pattern)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (r"^(?!main).*", "no lookahead and lookbehind"),
        (r"(?<=v)1", "no lookahead and lookbehind"),
        (r"(a)\1", "no backreferences"),
        (r"(?P<x>a)(?P=x)", "no backreferences"),
        (r"(?>a)", "no atomic groups"),
        (r"a++", "no possessive quantifiers"),
        (r"main\Z", r"no \\Z \(write \\z or \$\)"),
        (r"(?x)a b", "inline flags i, m, s and U, not 'x'"),
        (r"a{,3}", "needs a lower bound"),
        (r"a{1001}", "at most 1000 times"),
        (r"refs/heads/(main", "a regular expression that compiles: missing \\), unterminated subpattern"),
        (r"[z-a]", "a regular expression that compiles: bad character range"),
    ],
)
def test_patterns_re2_refuses_or_that_do_not_compile(pattern: str, message: str) -> None:
    with pytest.raises(ButtressError, match=message):
        check_pattern("p", pattern)


# --- filter groups ---------------------------------------------------------------------------


def _triggers(*groups: list[tuple[str, str]], build_type: str | None = None) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "webhook": True,
        "filterGroups": [[{"type": kind, "pattern": pattern} for kind, pattern in group] for group in groups],
    }
    if build_type:
        rendered["buildType"] = build_type
    return rendered


def test_valid_filter_groups_pass() -> None:
    check_triggers(
        _triggers(
            [("EVENT", "PUSH, PULL_REQUEST_CREATED"), ("HEAD_REF", "^refs/heads/main$"), ("FILE_PATH", "src/.*")],
            [("EVENT", "RELEASED"), ("TAG_NAME", r"^v\d+")],
        ),
        source_type="GITHUB",
        batch=False,
    )
    check_triggers(None, source_type="S3", batch=False)
    check_triggers({"webhook": True}, source_type="GITHUB", batch=False)


@pytest.mark.parametrize(
    ("source_type", "groups", "message"),
    [
        (
            "BITBUCKET",
            [[("EVENT", "RELEASED")]],
            r"webhook_filters\[0\]\[0\]='RELEASED' is invalid: events a BITBUCKET",
        ),
        ("GITHUB", [[("EVENT", "PUSH, MERGED")]], r"webhook_filters\[0\]\[0\]='PUSH, MERGED' is invalid"),
        ("GITHUB", [[("HEAD_REF", "x")]], r"webhook_filters\[0\]=\['HEAD_REF'\] is invalid: a filter group starting"),
        (
            "GITHUB",
            [[("EVENT", "PUSH"), ("BASE_REF", "^refs/heads/main$")]],
            r"webhook_filters\[0\]\[1\]='BASE_REF' is invalid: .*BASE_REF works with .*, not PUSH",
        ),
        (
            "GITHUB",
            [[("EVENT", "PUSH"), ("TAG_NAME", "v1")]],
            r"\[0\]\[1\]='TAG_NAME' is invalid: .*PRERELEASED, RELEASED, not PUSH",
        ),
        (
            "GITHUB",
            [[("EVENT", "PUSH"), ("HEAD_REF", "a"), ("HEAD_REF", "b")]],
            r"\[0\]\[2\]='HEAD_REF' is invalid: each filter type once per group",
        ),
        ("GITHUB", [[("EVENT", "PUSH"), ("BRANCH", "a")]], r"\[0\]\[1\]='BRANCH' is invalid: a filter type"),
        ("GITHUB", [[("EVENT", "PUSH"), ("EVENT", "PUSH")]], r"\[0\]\[1\]='PUSH' is invalid: one EVENT filter"),
        (
            "GITHUB",
            [[("EVENT", "PUSH")], [("EVENT", "PUSH"), ("HEAD_REF", "(?!main)")]],
            r"webhook_filters\[1\]\[1\]='\(\?!main\)' is invalid: .*no lookahead",
        ),
        ("GITHUB_ENTERPRISE", [[("EVENT", "PUSH")]], r"webhook_filters=1 is invalid: none for a GitHub Enterprise"),
    ],
)
def test_bad_filter_groups(source_type: str, groups: list[list[tuple[str, str]]], message: str) -> None:
    with pytest.raises(ButtressError, match=message):
        check_triggers(_triggers(*groups), source_type=source_type, batch=False)


def test_batch_trigger_needs_batch_builds() -> None:
    with pytest.raises(ButtressError, match=r"webhook_triggers_batch_build=True is invalid: only with batch=True"):
        check_triggers(_triggers([("EVENT", "PUSH")], build_type="BUILD_BATCH"), source_type="GITHUB", batch=False)
    check_triggers(_triggers([("EVENT", "PUSH")], build_type="BUILD_BATCH"), source_type="GITHUB", batch=True)


# --- connections -----------------------------------------------------------------------------


def test_connection_rules() -> None:
    assert check_connection(None, source_type="S3", token=False) is None
    assert check_connection(CONNECTION, source_type="GITHUB", token=False) == "codeconnections"
    old = CONNECTION.replace("codeconnections", "codestar-connections")
    assert check_connection(old, source_type="BITBUCKET", token=False) == "codestar-connections"
    assert check_connection("${Token[X]}", source_type="GITHUB", token=True) == "*"
    with pytest.raises(ButtressError, match=r"connection_arn='.*' is invalid: only with a GitHub.*a CODECOMMIT source"):
        check_connection(CONNECTION, source_type="CODECOMMIT", token=False)
    with pytest.raises(ButtressError, match=r"connection_arn='arn:aws:iam::1:role/x' is invalid: a CodeConnections"):
        check_connection("arn:aws:iam::1:role/x", source_type="GITHUB", token=False)
    with pytest.raises(ButtressError, match=r"connection_arn=5 is invalid: a string"):
        check_connection(5, source_type="GITHUB", token=False)


# --- the construct ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack() -> tuple[Stack, Network]:
    stack = new_stack("Sources")
    return stack, Network(stack, "Net")


def build(stack: tuple[Stack, Network], **props: Any) -> VpcCodeBuild:
    props.setdefault("build_spec", SPEC)
    return VpcCodeBuild(stack[0], f"Build{next(_ids)}", vpc=stack[1], concurrent_build_limit=2, **props)


def test_github_source_with_filters_and_a_connection() -> None:
    stack = new_stack("GitHub")
    source = codebuild.Source.git_hub(
        owner="acme",
        repo="app",
        webhook_filters=[
            codebuild.FilterGroup.in_event_of(codebuild.EventAction.PULL_REQUEST_CREATED).and_base_branch_is("main")
        ],
    )
    built = VpcCodeBuild(
        stack, "Build", vpc=Network(stack, "Net"), source=source, connection_arn=CONNECTION, concurrent_build_limit=2
    )
    template = Template.from_stack(stack)
    project = next(iter(template.find_resources("AWS::CodeBuild::Project").values()))
    assert project["Properties"]["Source"]["Auth"] == {"Type": "CODECONNECTIONS", "Resource": CONNECTION}
    assert project["Properties"]["Triggers"]["FilterGroups"][0][1] == {"Type": "BASE_REF", "Pattern": "refs/heads/main"}
    assert built.connection_policy is not None
    policy_id = stack.get_logical_id(built.connection_policy.node.default_child)
    policy = template.find_resources("AWS::IAM::Policy")[policy_id]
    assert policy["Properties"]["PolicyDocument"]["Statement"] == [
        {
            "Sid": "SourceConnection",
            "Effect": "Allow",
            # UseConnection: project and webhook creation need it (aws-cdk issues 38504, 31726).
            "Action": [
                "codeconnections:GetConnection",
                "codeconnections:GetConnectionToken",
                "codeconnections:UseConnection",
            ],
            "Resource": CONNECTION,
        }
    ]
    assert policy_id in project["DependsOn"]


def test_bad_webhook_pattern_names_the_construct_and_the_filter(stack: Any) -> None:
    source = codebuild.Source.bit_bucket(
        owner="acme",
        repo="app",
        webhook_filters=[codebuild.FilterGroup.in_event_of(codebuild.EventAction.PUSH).and_branch_is("(?!wip).*")],
    )
    with pytest.raises(
        ButtressError, match=r"^Sources/Build\d+: source.webhook_filters\[0\]\[1\]='refs/heads/\(\?!wip\)"
    ):
        build(stack, source=source)


def test_connection_with_a_codecommit_source_names_the_construct(stack: Any) -> None:
    repo = codecommit.Repository.from_repository_name(stack[0], f"Repo{next(_ids)}", "app")
    with pytest.raises(ButtressError, match=r"^Sources/Build\d+: connection_arn=.* a CODECOMMIT source takes no"):
        build(stack, source=codebuild.Source.code_commit(repository=repo), connection_arn=CONNECTION)


def test_github_enterprise_webhook_filters_are_refused(stack: Any) -> None:
    source = codebuild.Source.git_hub_enterprise(
        https_clone_url="https://git.example.com/acme/app.git",
        webhook_filters=[codebuild.FilterGroup.in_event_of(codebuild.EventAction.PUSH)],
    )
    with pytest.raises(ButtressError, match=r"source.webhook_filters=1 is invalid: none for a GitHub Enterprise"):
        build(stack, source=source)


def test_codestar_connection_gets_use_connection_in_its_own_prefix() -> None:
    stack = new_stack("CodeStarConnection")
    old = CONNECTION.replace("codeconnections", "codestar-connections")
    built = VpcCodeBuild(
        stack,
        "Build",
        vpc=Network(stack, "Net"),
        source=codebuild.Source.bit_bucket(owner="acme", repo="app"),
        connection_arn=old,
        concurrent_build_limit=2,
        build_spec=SPEC,
    )
    assert built.connection_policy is not None
    policy = Template.from_stack(stack).find_resources("AWS::IAM::Policy")[
        stack.get_logical_id(built.connection_policy.node.default_child)
    ]
    assert policy["Properties"]["PolicyDocument"]["Statement"][0]["Action"] == [
        "codestar-connections:GetConnection",
        "codestar-connections:GetConnectionToken",
        "codestar-connections:UseConnection",
    ]


@pytest.mark.parametrize("with_connection", [False, True], ids=["account-credential", "connection"])
def test_a_git_host_source_without_a_connection_warns_about_the_source_credential(with_connection: bool) -> None:
    from aws_cdk.assertions import Annotations, Match

    from buttress.codebuild.build import SOURCE_CREDENTIAL_WARNING

    stack = new_stack(f"SourceCredential{with_connection}")
    VpcCodeBuild(
        stack,
        "Build",
        vpc=Network(stack, "Net"),
        source=codebuild.Source.git_hub(owner="acme", repo="app"),
        connection_arn=CONNECTION if with_connection else None,
        concurrent_build_limit=2,
        build_spec=SPEC,
    )
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(SOURCE_CREDENTIAL_WARNING))
    assert len(found) == (0 if with_connection else 1)
    if not with_connection:
        assert "ImportSourceCredentials" in str(found[0].entry.data)
