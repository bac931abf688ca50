"""VpcCodeBuild batch builds: the batch section's rules, the limits, the batch role, the capacity count."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from buttress import ButtressError, Network, VpcCodeBuild
from buttress.rules.codebuild import check_subnet_capacity
from buttress.rules.codebuild_batch import NO_BATCH_LIMITS, BatchLimits, check_batch_spec
from tests.harness import new_stack

PHASES: dict[str, Any] = {"build": {"commands": ["pytest"]}}
_ids = itertools.count()


def spec(batch: dict[str, Any]) -> dict[str, Any]:
    return {"version": "0.2", "phases": PHASES, "batch": batch}


MATRIX = spec({"build-matrix": {"dynamic": {"env": {"variables": {"SUITE": ["api", "ui"], "PY": ["3.11", "3.12"]}}}}})
GRAPH = spec(
    {
        "build-graph": [
            {"identifier": "build"},
            {"identifier": "unit", "depend-on": ["build"]},
            {"identifier": "lint", "depend-on": ["build"]},
            {"identifier": "e2e", "depend-on": ["build"]},
            {"identifier": "publish", "depend-on": ["unit", "lint", "e2e"]},
        ]
    }
)


# --- rules -----------------------------------------------------------------------------------


def test_counts_builds_and_the_widest_set_that_runs_at_once() -> None:
    matrix = check_batch_spec(MATRIX, batch=True, limits=NO_BATCH_LIMITS, privileged=False)
    assert (matrix.kind, matrix.builds, matrix.width) == ("build-matrix", 4, 4)
    graph = check_batch_spec(GRAPH, batch=True, limits=NO_BATCH_LIMITS, privileged=False)
    assert (graph.kind, graph.builds, graph.width) == ("build-graph", 5, 3)
    chain = spec({"build-graph": [{"identifier": "a"}, {"identifier": "b", "depend-on": ["a"]}]})
    assert check_batch_spec(chain, batch=True, limits=NO_BATCH_LIMITS, privileged=False).width == 1
    listed = spec({"build-list": [{"identifier": "a"}, {"identifier": "b", "env": {"compute-type": "X"}}]})
    assert check_batch_spec(listed, batch=True, limits=NO_BATCH_LIMITS, privileged=False).width == 2
    fanout = spec({"build-fanout": {"parallelism": 5}})
    assert check_batch_spec(fanout, batch=True, limits=NO_BATCH_LIMITS, privileged=False).width == 5
    file_spec = check_batch_spec("buildspec.yml", batch=True, limits=BatchLimits(3, None, None), privileged=False)
    assert file_spec.width == 3


@pytest.mark.parametrize(
    ("build_spec", "limits", "message"),
    [
        (
            {"version": "0.2", "phases": PHASES},
            NO_BATCH_LIMITS,
            r"build_spec=\['phases', 'version'\] .*'batch' section",
        ),
        (spec({}), NO_BATCH_LIMITS, r"build_spec\['batch'\]=\[\] is invalid: exactly one of build-list"),
        (
            spec({"build-list": [{"identifier": "a"}], "build-graph": [{"identifier": "b"}]}),
            NO_BATCH_LIMITS,
            r"exactly one of",
        ),
        (spec({"build-list": []}), NO_BATCH_LIMITS, r"\['build-list'\]=\[\] is invalid: a non-empty list"),
        (
            spec({"build-list": [{"identifier": "a-b"}]}),
            NO_BATCH_LIMITS,
            r"\['build-list'\]\[0\]\['identifier'\]='a-b' is invalid: letters, digits and '_'",
        ),
        (
            spec({"build-list": [{"identifier": "a"}, {"identifier": "a"}]}),
            NO_BATCH_LIMITS,
            r"\[1\]\['identifier'\]='a' is invalid: an identifier no other task has",
        ),
        (
            spec({"build-list": [{"identifier": "a", "depend-on": ["b"]}, {"identifier": "b"}]}),
            NO_BATCH_LIMITS,
            r"\['build-list'\]\[0\]=\['depend-on'\] is invalid: task keys",
        ),
        (
            spec({"build-graph": [{"identifier": "a", "depend-on": ["c"]}]}),
            NO_BATCH_LIMITS,
            r"\['a'\]\['depend-on'\]=\['c'\] is invalid: identifiers of tasks in this graph",
        ),
        (
            spec({"build-graph": [{"identifier": "a", "depend-on": ["b"]}, {"identifier": "b", "depend-on": ["a"]}]}),
            NO_BATCH_LIMITS,
            r"\['depend-on'\]='a -> b -> a' is invalid: a graph without cycles",
        ),
        (
            spec({"build-list": [{"identifier": "a", "env": {"compute-type": "BUILD_GENERAL1_LARGE"}}]}),
            BatchLimits(None, ("BUILD_GENERAL1_SMALL",), None),
            r"\['compute-type'\]=\['BUILD_GENERAL1_LARGE'\] is invalid: compute types batch_compute_types allows",
        ),
        (
            spec({"build-list": [{"identifier": "a", "env": {"privileged-mode": True}}]}),
            NO_BATCH_LIMITS,
            r"\['privileged-mode'\]=True is invalid: only in a project with privileged=True",
        ),
        (
            spec({"build-list": [{"identifier": "a", "env": {"compute-type": "X", "fleet": "f"}}]}),
            NO_BATCH_LIMITS,
            r"compute-type or fleet, not both",
        ),
        (
            spec({"build-list": [{"identifier": "a", "env": {"shell": "bash"}}]}),
            NO_BATCH_LIMITS,
            r"\['env'\]=\['shell'\] is invalid: env keys",
        ),
        (MATRIX, BatchLimits(3, None, None), r"\['build-matrix'\]='4 builds' is invalid: at most batch_max_builds=3"),
        (
            spec({"build-matrix": {"dynamic": {"env": {"variables": {"SUITE": ["api"]}}}}}),
            NO_BATCH_LIMITS,
            r"the matrix has one build",
        ),
        (
            spec({"build-matrix": {"dynamic": {"env": {"variables": {"SUITE": "api"}}}}}),
            NO_BATCH_LIMITS,
            r"\['SUITE'\]='api' is invalid: a list of strings, not one string",
        ),
        ("buildspec.yml", NO_BATCH_LIMITS, r"batch_max_builds=None is invalid: a limit when the build spec is a file"),
    ],
)
def test_bad_batch_sections(build_spec: Any, limits: BatchLimits, message: str) -> None:
    with pytest.raises(ButtressError, match=message):
        check_batch_spec(build_spec, batch=True, limits=limits, privileged=False)


def test_a_batch_section_needs_batch_true() -> None:
    with pytest.raises(ButtressError, match=r"build_spec='batch' is invalid: no 'batch' section unless batch=True"):
        check_batch_spec(MATRIX, batch=False, limits=NO_BATCH_LIMITS, privileged=False)


def test_capacity_counts_every_build_of_the_batches_that_may_run() -> None:
    # Two /28 hold 22: 2 batches x 4 builds = 8 (+2) fit; 4 x 4 = 16 (+4) = 20 fit; 5 x 4 = 20 (+5) do not.
    cidrs = ["10.0.0.128/28", "10.0.0.144/28"]
    assert check_subnet_capacity(cidrs, 4, batch_width=4) is None
    with pytest.raises(ButtressError, match=r"5 batches of up to 4 builds at once \(20 builds\) \+ a margin of 5"):
        check_subnet_capacity(cidrs, 5, batch_width=4)


# --- the construct ---------------------------------------------------------------------------


def test_batch_project_with_limits_and_its_own_batch_role() -> None:
    stack = new_stack("Batch")
    build = VpcCodeBuild(
        stack,
        "Build",
        vpc=Network(stack, "Net"),
        build_spec=MATRIX,
        concurrent_build_limit=2,
        batch=True,
        batch_max_builds=4,
        batch_compute_types=[codebuild.ComputeType.SMALL],
        batch_timeout=Duration.hours(2),
    )
    template = Template.from_stack(stack)
    project = next(iter(template.find_resources("AWS::CodeBuild::Project").values()))["Properties"]
    assert build.batch_role is not None
    role_id = stack.get_logical_id(build.batch_role.node.default_child)
    assert project["BuildBatchConfig"] == {
        "ServiceRole": {"Fn::GetAtt": [role_id, "Arn"]},
        "Restrictions": {"MaximumBuildsAllowed": 4, "ComputeTypesAllowed": ["BUILD_GENERAL1_SMALL"]},
        "TimeoutInMins": 120,
    }
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in template.find_resources("AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    project_id = stack.get_logical_id(build.project.node.default_child)
    assert policies == [
        [
            {
                "Action": ["codebuild:RetryBuild", "codebuild:StartBuild", "codebuild:StopBuild"],
                "Effect": "Allow",
                "Resource": {"Fn::GetAtt": [project_id, "Arn"]},
            }
        ]
    ]


@pytest.fixture(scope="module")
def errors_stack() -> tuple[Stack, Network]:
    stack = new_stack("BatchErrors")
    return stack, Network(
        stack, "Net", cidr="10.0.0.0/24", public_subnet_mask=26, private_subnet_mask=28, isolated_subnet_mask=28
    )


def build_in(stack: tuple[Stack, Network], **props: Any) -> VpcCodeBuild:
    props.setdefault("build_spec", MATRIX)
    props.setdefault("concurrent_build_limit", 2)
    return VpcCodeBuild(stack[0], f"Build{next(_ids)}", vpc=stack[1], **props)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"batch_max_builds": 4}, r"batch_max_builds=4 is invalid: only with batch=True"),
        (
            {"batch_compute_types": [codebuild.ComputeType.SMALL]},
            r"batch_compute_types=\['BUILD_GENERAL1_SMALL'\] is invalid: only with batch=True",
        ),
        ({"batch_timeout": Duration.hours(1)}, r"batch_timeout='60 minutes' is invalid: only with batch=True"),
        ({"batch": True, "batch_max_builds": 0}, r"batch_max_builds=0 is invalid"),
        ({"batch": True, "batch_timeout": Duration.hours(37)}, r"batch_timeout='2220 minutes' is invalid: whole"),
        ({"batch": True, "batch_compute_types": "SMALL"}, r"batch_compute_types='SMALL' is invalid: a list"),
        ({"batch": "yes"}, r"batch='yes' is invalid: True or False"),
        ({"build_spec": MATRIX}, r"build_spec='batch' is invalid: no 'batch' section unless batch=True"),
        # 6 batches of 4 (24 + 6) do not fit in two /28 (22).
        ({"batch": True, "concurrent_build_limit": 6}, r"concurrent_build_limit=6 is invalid: .*6 batches of up to 4"),
    ],
)
def test_bad_batch_props_name_the_construct(errors_stack: Any, props: dict[str, Any], message: str) -> None:
    with pytest.raises(ButtressError, match=rf"^BatchErrors/Build\d+: {message}"):
        build_in(errors_stack, **props)


def test_batch_with_a_build_spec_file_needs_a_build_limit(errors_stack: Any) -> None:
    source = codebuild.Source.s3(bucket=s3.Bucket.from_bucket_name(errors_stack[0], "Src", "src"), path="app.zip")
    with pytest.raises(ButtressError, match=r"batch_max_builds=None is invalid: a limit when the build spec is a file"):
        build_in(errors_stack, source=source, build_spec="buildspec.yml", batch=True)
    build_in(errors_stack, source=source, build_spec="buildspec.yml", batch=True, batch_max_builds=3)
