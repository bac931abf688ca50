"""Synth-time checks of a ``VpcCodeBuild``'s batch builds: pure functions, no CDK import.

A batch is declared in the build spec's ``batch`` section as one of ``build-list``,
``build-matrix``, ``build-graph`` or ``build-fanout`` (CodeBuild user guide, "Batch build
buildspec reference"); the project's batch configuration restricts how many builds a batch may
start and on which compute types. :func:`check_batch_spec` checks the section against those
restrictions and returns :class:`BatchFacts`: how many builds the batch starts and how many of
them may run at once (the width the subnet-capacity check multiplies the concurrent build limit by).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from buttress.errors import invalid
from buttress.rules import props

#: The batch types of a build spec's ``batch`` section.
BATCH_TYPES: tuple[str, ...] = ("build-list", "build-matrix", "build-graph", "build-fanout")
#: Keys of a build task in a list or graph (``depend-on`` only in a graph).
TASK_KEYS: frozenset[str] = frozenset(
    {"identifier", "buildspec", "debug-session", "depend-on", "env", "ignore-failure"}
)
#: Keys of a task's ``env`` override.
ENV_KEYS: frozenset[str] = frozenset({"compute-type", "fleet", "image", "privileged-mode", "type", "variables"})
#: CodeBuild's batch timeout range, in minutes (as the build timeout's).
BATCH_TIMEOUT_MINUTES = (5, 2160)
#: ``codebuild.ComputeType`` member names -> the compute type CodeBuild names (``computeType``).
COMPUTE_TYPES: Mapping[str, str] = {
    "SMALL": "BUILD_GENERAL1_SMALL",
    "MEDIUM": "BUILD_GENERAL1_MEDIUM",
    "LARGE": "BUILD_GENERAL1_LARGE",
    "X_LARGE": "BUILD_GENERAL1_XLARGE",
    "X2_LARGE": "BUILD_GENERAL1_2XLARGE",
    "LAMBDA_1GB": "BUILD_LAMBDA_1GB",
    "LAMBDA_2GB": "BUILD_LAMBDA_2GB",
    "LAMBDA_4GB": "BUILD_LAMBDA_4GB",
    "LAMBDA_8GB": "BUILD_LAMBDA_8GB",
    "LAMBDA_10GB": "BUILD_LAMBDA_10GB",
    "ATTRIBUTE_BASED": "ATTRIBUTE_BASED_COMPUTE",
    "CUSTOM_INSTANCE_TYPE": "CUSTOM_INSTANCE_TYPE",
}
_IDENTIFIER = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class BatchFacts:
    """What a batch section says: builds it starts (``None`` if unknown) and how many run at once."""

    kind: str | None
    builds: int | None
    width: int


@dataclass(frozen=True)
class BatchLimits:
    """The batch props, checked: ``max_builds`` and ``compute_types`` (names) ``None`` when not restricted."""

    max_builds: int | None
    compute_types: tuple[str, ...] | None
    timeout_minutes: float | None


#: No batch builds.
NO_BATCH = BatchFacts(None, None, 1)
#: No batch restrictions.
NO_BATCH_LIMITS = BatchLimits(None, None, None)


def check_batch_limits(
    *, batch: bool, max_builds: object, compute_types: Sequence[str] | None, timeout_minutes: float | None, given: bool
) -> BatchLimits:
    """The ``batch_*`` props: only with ``batch=True``; at least one build; the timeout in range.

    ``given`` says whether any ``batch_*`` prop was given; ``timeout_minutes`` is ``None`` when not
    given or a token.
    """
    if given and not batch:
        raise invalid(
            "batch_max_builds"
            if max_builds is not None
            else "batch_compute_types"
            if compute_types
            else "batch_timeout",
            max_builds
            if max_builds is not None
            else list(compute_types)
            if compute_types
            else None
            if timeout_minutes is None
            else f"{timeout_minutes:g} minutes",
            "only with batch=True: with batch=False the project runs no batch builds for it to restrict",
        )
    limit = None if max_builds is None else props.integer("batch_max_builds", max_builds, low=1)
    if compute_types is not None and not compute_types:
        raise invalid("batch_compute_types", [], "at least one compute type, or None for any")
    if timeout_minutes is not None:
        low, high = BATCH_TIMEOUT_MINUTES
        if not low <= timeout_minutes <= high or timeout_minutes != int(timeout_minutes):
            raise invalid("batch_timeout", f"{timeout_minutes:g} minutes", f"whole minutes from {low} to {high}")
    return BatchLimits(limit, None if compute_types is None else tuple(compute_types), timeout_minutes)


def check_batch_spec(
    spec: Mapping[str, Any] | str, *, batch: bool, limits: BatchLimits, privileged: bool
) -> BatchFacts:
    """Check the build spec's ``batch`` section against ``batch`` and the limits; count its builds.

    A build spec file in the source cannot be read at synth: then ``batch_max_builds`` is required,
    as the most builds a batch runs at once.
    """
    if isinstance(spec, str):
        if batch and limits.max_builds is None:
            raise invalid(
                "batch_max_builds",
                None,
                f"a limit when the build spec is a file in the source ({spec!r}): the construct cannot count "
                "the batch's builds, which the subnet-capacity check needs",
            )
        return BatchFacts(None, limits.max_builds, limits.max_builds or 1)
    section = spec.get("batch")
    if section is None:
        if batch:
            raise invalid("build_spec", sorted(spec), f"a 'batch' section with one of {', '.join(BATCH_TYPES)}")
        return BatchFacts(None, None, 1)
    if not batch:
        raise invalid("build_spec", "batch", "no 'batch' section unless batch=True (the project runs no batch builds)")
    section = props.mapping("build_spec['batch']", section)
    kinds = [kind for kind in BATCH_TYPES if kind in section]
    unknown = sorted(set(section) - {*BATCH_TYPES, "fast-fail"})
    if len(kinds) != 1 or unknown:
        raise invalid(
            "build_spec['batch']", sorted(section), f"exactly one of {', '.join(BATCH_TYPES)} (and fast-fail)"
        )
    kind = kinds[0]
    where = f"build_spec['batch'][{kind!r}]"
    if kind == "build-matrix":
        facts = _matrix(where, section[kind], limits, privileged)
    elif kind == "build-fanout":
        fanout = props.mapping(where, section[kind])
        parallelism = props.integer(f"{where}['parallelism']", fanout.get("parallelism"), low=1)
        facts = BatchFacts(kind, parallelism, parallelism)
    else:
        facts = _tasks(where, section[kind], graph=kind == "build-graph", limits=limits, privileged=privileged)
    if limits.max_builds is not None and facts.builds is not None and facts.builds > limits.max_builds:
        raise invalid(
            where,
            f"{facts.builds} builds",
            f"at most batch_max_builds={limits.max_builds} builds: CodeBuild fails a batch that starts more",
        )
    return facts


def _tasks(where: str, value: object, *, graph: bool, limits: BatchLimits, privileged: bool) -> BatchFacts:
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise invalid(where, value, "a non-empty list of build tasks, each a mapping with an 'identifier'")
    depends: dict[str, list[str]] = {}
    for index, item in enumerate(value):
        task = props.mapping(f"{where}[{index}]", item)
        identifier = task.get("identifier")
        if not isinstance(identifier, str) or not _IDENTIFIER.match(identifier):
            raise invalid(f"{where}[{index}]['identifier']", identifier, "letters, digits and '_'")
        if identifier in depends:
            raise invalid(f"{where}[{index}]['identifier']", identifier, "an identifier no other task has")
        allowed = TASK_KEYS if graph else TASK_KEYS - {"depend-on"}
        unknown = sorted(set(task) - allowed)
        if unknown:
            raise invalid(f"{where}[{index}]", unknown, f"task keys {', '.join(sorted(allowed))}")
        _env(f"{where}[{index}]['env']", task.get("env"), limits, privileged, lists=False)
        depends[identifier] = props.strings(f"{where}[{index}]['depend-on']", task.get("depend-on", []))
    for identifier, needed in depends.items():
        missing = sorted(set(needed) - set(depends))
        if missing:
            raise invalid(f"{where}[{identifier!r}]['depend-on']", missing, "identifiers of tasks in this graph")
    _no_cycle(where, depends)
    return BatchFacts("build-graph" if graph else "build-list", len(depends), _widest_antichain(depends))


def _env(where: str, value: object, limits: BatchLimits, privileged: bool, *, lists: bool) -> int:
    """Check a task's (or a matrix's) ``env``; return how many combinations a matrix env makes."""
    if value is None:
        return 1
    env = props.mapping(where, value)
    unknown = sorted(set(env) - ENV_KEYS)
    if unknown:
        raise invalid(where, unknown, f"env keys {', '.join(sorted(ENV_KEYS))}")
    if "fleet" in env and "compute-type" in env:
        raise invalid(where, ["compute-type", "fleet"], "compute-type or fleet, not both (CodeBuild refuses both)")
    if env.get("privileged-mode") is True and not privileged:
        raise invalid(f"{where}['privileged-mode']", True, "only in a project with privileged=True")
    count = 1
    for key in ("compute-type", "image"):
        if key not in env:
            continue
        values = (
            props.strings(f"{where}[{key!r}]", env[key]) if lists else [props.string(f"{where}[{key!r}]", env[key])]
        )
        count *= len(values)
        if key == "compute-type" and limits.compute_types is not None:
            refused = sorted(set(values) - set(limits.compute_types))
            if refused:
                raise invalid(
                    f"{where}['compute-type']",
                    refused,
                    f"compute types batch_compute_types allows: {', '.join(limits.compute_types)}",
                )
    variables = env.get("variables")
    if variables is not None:
        variables = props.mapping(f"{where}['variables']", variables)
        for name, item in variables.items():
            if lists:
                count *= max(1, len(props.strings(f"{where}['variables'][{name!r}]", item)))
            elif not isinstance(item, str | int | float) or isinstance(item, bool):
                raise invalid(f"{where}['variables'][{name!r}]", item, "a string")
    return count


def _matrix(where: str, value: object, limits: BatchLimits, privileged: bool) -> BatchFacts:
    matrix = props.mapping(where, value)
    unknown = sorted(set(matrix) - {"static", "dynamic"})
    if unknown or "dynamic" not in matrix:
        raise invalid(where, sorted(matrix), "a 'dynamic' section (and optionally 'static')")
    static = props.mapping(f"{where}['static']", matrix.get("static", {}))
    _env(f"{where}['static']['env']", static.get("env"), limits, privileged, lists=False)
    dynamic = props.mapping(f"{where}['dynamic']", matrix["dynamic"])
    count = _env(f"{where}['dynamic']['env']", dynamic.get("env"), limits, privileged, lists=True)
    if "buildspec" in dynamic:
        count *= len(props.strings(f"{where}['dynamic']['buildspec']", dynamic["buildspec"]))
    if count < 2:
        raise invalid(f"{where}['dynamic']", dynamic, "lists of at least two values in all: the matrix has one build")
    return BatchFacts("build-matrix", count, count)


def _no_cycle(where: str, depends: Mapping[str, Sequence[str]]) -> None:
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            cycle = [*trail[trail.index(node) :], node]
            raise invalid(f"{where}['depend-on']", " -> ".join(cycle), "a graph without cycles")
        state[node] = 1
        for needed in depends[node]:
            visit(needed, [*trail, node])
        state[node] = 2

    for node in depends:
        visit(node, [])


def _widest_antichain(depends: Mapping[str, Sequence[str]]) -> int:
    """Most tasks that may run at once: the largest set with no dependency path between any two (Dilworth)."""
    reach: dict[str, set[str]] = {}

    def ancestors(node: str) -> set[str]:
        if node not in reach:
            reach[node] = set()
            for needed in depends[node]:
                reach[node] |= {needed} | ancestors(needed)
        return reach[node]

    nodes = list(depends)
    after = {node: [other for other in nodes if node in ancestors(other)] for node in nodes}
    match: dict[str, str] = {}

    def augment(node: str, seen: set[str]) -> bool:
        for other in after[node]:
            if other in seen:
                continue
            seen.add(other)
            if other not in match or augment(match[other], seen):
                match[other] = node
                return True
        return False

    matched = sum(augment(node, set()) for node in nodes)
    return max(1, len(nodes) - matched)


def concurrent_builds(limit: int, width: int) -> int:
    """Builds that may run at once: ``limit`` project builds, each a batch running up to ``width`` builds."""
    return limit * max(1, width)


# --- test and coverage reports -----------------------------------------------------------------

#: Report file formats CodeBuild reads -> the report group type they go into.
REPORT_FORMATS: Mapping[str, str] = {
    **dict.fromkeys(("JUNITXML", "CUCUMBERJSON", "TESTNGXML", "NUNITXML", "NUNIT3XML", "VISUALSTUDIOTRX"), "TEST"),
    **dict.fromkeys(("CLOVERXML", "COBERTURAXML", "JACOCOXML", "SIMPLECOV"), "CODE_COVERAGE"),
}
#: Keys of a report in a build spec's ``reports`` section.
REPORT_KEYS: frozenset[str] = frozenset({"files", "file-format", "base-directory", "discard-paths"})
_REPORT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Report:
    """A report group the construct creates: its name, type (``TEST``/``CODE_COVERAGE``) and build spec entry."""

    name: str
    type: str
    section: Mapping[str, Any]


def check_reports(reports: object, *, spec: Mapping[str, Any] | str) -> tuple[Report, ...]:
    """The ``reports`` prop: name -> build spec report entry (``files``, ``file-format``...).

    Only with a build spec mapping, which then has no ``reports`` section of its own: the role may
    write exactly the report groups the construct creates, which the build spec names by ARN.
    """
    own = isinstance(spec, Mapping) and "reports" in spec
    if own:
        raise invalid(
            "build_spec",
            "reports",
            "no 'reports' section: give the reports as the reports prop, so the construct creates their report "
            "groups and the role may write exactly those",
        )
    if reports is None:
        return ()
    given = props.mapping("reports", reports)
    if isinstance(spec, str):
        raise invalid(
            "reports",
            sorted(given),
            f"only with a build spec mapping: a build spec file ({spec!r}) cannot name the report groups' ARNs",
        )
    if not given:
        raise invalid("reports", {}, "at least one report, or None")
    checked = []
    for name, entry in given.items():
        if not _REPORT_NAME.match(name):
            raise invalid("reports", name, "report names of letters, digits, '-' and '_' (up to 64)")
        checked.append(_report(name, props.mapping(f"reports[{name!r}]", entry)))
    return tuple(checked)


def _report(name: str, entry: Mapping[str, Any]) -> Report:
    where = f"reports[{name!r}]"
    unknown = sorted(set(entry) - REPORT_KEYS)
    if unknown:
        raise invalid(where, unknown, f"report keys {', '.join(sorted(REPORT_KEYS))}")
    files = props.strings(f"{where}['files']", entry.get("files"))
    if not files:
        raise invalid(f"{where}['files']", files, "at least one file pattern, e.g. ['**/*.xml']")
    file_format = entry.get("file-format")
    if file_format not in REPORT_FORMATS:
        raise invalid(f"{where}['file-format']", file_format, f"one of {', '.join(REPORT_FORMATS)}")
    if "base-directory" in entry:
        props.string(f"{where}['base-directory']", entry["base-directory"])
    if "discard-paths" in entry and entry["discard-paths"] not in ("yes", "no"):
        raise invalid(f"{where}['discard-paths']", entry["discard-paths"], "'yes' or 'no'")
    return Report(name, REPORT_FORMATS[str(file_format)], dict(entry))


# --- reserved-capacity fleets --------------------------------------------------------------------

#: Compute types a fleet of this construct takes (``ComputeType`` names; the attribute-based and
#: custom-instance ones need a compute configuration the construct does not offer).
FLEET_COMPUTE_TYPES: tuple[str, ...] = ("SMALL", "MEDIUM", "LARGE", "X_LARGE", "X2_LARGE")
#: Build image types a fleet runs, as its environment type.
FLEET_IMAGE_TYPES: tuple[str, ...] = ("LINUX_CONTAINER", "ARM_CONTAINER")
#: Fleet utilization (percent) the scaling policy keeps, with ``fleet_max_capacity``.
FLEET_TARGET_UTILIZATION = 75


@dataclass(frozen=True)
class FleetPlan:
    """A reserved-capacity fleet: instances always running, most it scales to, environment type."""

    capacity: int
    max_capacity: int | None
    environment_type: str

    @property
    def most_instances(self) -> int:
        """Instances the fleet may run at once, each holding an address of the build subnets."""
        return self.max_capacity or self.capacity


def check_fleet(
    *, capacity: object, max_capacity: object, overflow_given: bool, compute_type: str, image_type: str
) -> FleetPlan | None:
    """``fleet_capacity`` creates a fleet; ``fleet_max_capacity`` and ``fleet_overflow`` only with it."""
    if capacity is None:
        if max_capacity is not None or overflow_given:
            raise invalid(
                "fleet_max_capacity" if max_capacity is not None else "fleet_overflow",
                max_capacity,
                "only with fleet_capacity: without it the project has no fleet to scale or overflow",
            )
        return None
    base = props.integer("fleet_capacity", capacity, low=1)
    most = None if max_capacity is None else props.integer("fleet_max_capacity", max_capacity, low=base)
    if compute_type not in FLEET_COMPUTE_TYPES:
        raise invalid(
            "compute_type",
            compute_type,
            f"a fleet compute type: {', '.join(FLEET_COMPUTE_TYPES)} (the fleet runs the project's compute type)",
        )
    if image_type not in FLEET_IMAGE_TYPES:
        raise invalid("build_image", image_type, f"an image a fleet runs: {', '.join(FLEET_IMAGE_TYPES)}")
    return FleetPlan(base, most, image_type)
