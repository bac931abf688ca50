"""Synth-time checks of a VPC-attached CodeBuild project: pure functions, no CDK import.

- **Subnet capacity**: every running build holds one network interface, so one IP address, in
  one of the project's subnets. The selected subnets must hold the concurrent build limit plus a
  margin (:func:`capacity_margin`), because builds share the subnets with other network
  interfaces (tasks, load balancers, endpoints) and the interface of a finished build is released
  only after a delay.
- **Isolated-subnet egress**: a build in a subnet without a route to the internet reaches AWS only
  through VPC endpoints. :func:`required_endpoints` lists the endpoints a build needs for what it
  uses; :func:`check_isolated_egress` names the missing ones.
- **Props**: :func:`check_props` type-checks every plain prop and the rules between them (which
  props only make sense in which mode) and returns them as :class:`BuildProps`; the construct
  hands it what its CDK-typed props say (:class:`Span`, :class:`BuildImageFacts`).
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from buttress.errors import invalid
from buttress.options import BuildCache
from buttress.rules import props
from buttress.rules.codebuild_batch import (
    NO_BATCH,
    NO_BATCH_LIMITS,
    BatchFacts,
    BatchLimits,
    FleetPlan,
    Report,
    check_batch_limits,
    check_batch_spec,
    check_fleet,
    check_reports,
)
from buttress.rules.codebuild_buildspec import check_build_spec_sections
from buttress.rules.codebuild_names import check_description, check_variable_source
from buttress.rules.codebuild_sources import check_secondary_artifacts, check_secondary_sources
from buttress.rules.subnets import usable_addresses

#: Share of the concurrent build limit kept free on top of it ...
MARGIN_FRACTION = 0.25
#: ... and at least this many addresses.
MIN_MARGIN = 2

#: CodeBuild source types (``AWS::CodeBuild::Project`` ``Source.Type``) fetched over the internet:
#: no VPC endpoint reaches them.
INTERNET_SOURCES: frozenset[str] = frozenset(
    {"GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET", "GITLAB", "GITLAB_SELF_MANAGED"}
)

#: Image kinds :func:`required_endpoints` knows: CodeBuild's curated images, an ECR repository,
#: any other registry (Docker Hub, ...).
IMAGE_KINDS: frozenset[str] = frozenset({"codebuild", "ecr", "registry"})


def capacity_margin(concurrent_build_limit: int) -> int:
    """Addresses kept free on top of the limit: 25 % of it rounded up, at least 2.

    >>> capacity_margin(20)
    5
    >>> capacity_margin(4)
    2
    """
    return max(MIN_MARGIN, math.ceil(concurrent_build_limit * MARGIN_FRACTION))


def subnet_capacity(subnet_cidrs: Sequence[str]) -> dict[str, int]:
    """Usable addresses per subnet CIDR: ``2**(32-prefix) - 5`` (:func:`~buttress.rules.subnets.usable_addresses`)."""
    return {cidr: usable_addresses(ipaddress.IPv4Network(cidr, strict=False).prefixlen) for cidr in subnet_cidrs}


def check_subnet_capacity(
    subnet_cidrs: Sequence[str], concurrent_build_limit: int | None, *, batch_width: int = 1, fleet: int = 0
) -> str | None:
    """Check that ``subnet_cidrs`` hold the builds that may run at once plus :func:`capacity_margin`.

    The builds that may run at once are ``concurrent_build_limit`` times ``batch_width`` (each
    project build may be a batch running that many builds at once), plus ``fleet`` reserved
    instances, which hold their addresses while idle.

    Raises :class:`~buttress.errors.ButtressError` naming ``concurrent_build_limit`` when they do
    not (or when the limit is below 1). Without a limit, returns a warning text saying how many
    builds the subnets can hold; with a limit that fits, returns ``None``.
    """
    if not subnet_cidrs:
        raise invalid("subnet_cidrs", list(subnet_cidrs), "at least one subnet for the builds' network interfaces")
    capacity = subnet_capacity(subnet_cidrs)
    total = sum(capacity.values())
    described = _describe(capacity)
    if concurrent_build_limit is None:
        holds = _builds_that_fit(total)
        return (
            f"no concurrent_build_limit: the selected subnets ({described}) hold {total} usable addresses, "
            f"about {holds} concurrent builds with the {MARGIN_FRACTION:.0%} margin (at least {MIN_MARGIN}); "
            "builds beyond that fail to start. Set concurrent_build_limit to at most "
            f"{holds} to queue them instead."
        )
    if concurrent_build_limit < 1:
        raise invalid("concurrent_build_limit", concurrent_build_limit, "at least 1, or None for no limit")
    builds = concurrent_build_limit * max(1, batch_width) + fleet
    margin = capacity_margin(builds)
    needed = builds + margin
    if needed > total:
        running = concurrent_build_limit * max(1, batch_width)
        counted = f"{running} builds"
        if batch_width > 1:
            counted = f"{concurrent_build_limit} batches of up to {batch_width} builds at once ({counted})"
        if fleet:
            counted += f" and {fleet} fleet instances"
        fits = max(0, (_builds_that_fit(total) - fleet) // max(1, batch_width))
        advice = (
            f"allow at most {fits} builds"
            if counted == f"{running} builds"
            else (f"set concurrent_build_limit to at most {fits}")
        )
        raise invalid(
            "concurrent_build_limit",
            concurrent_build_limit,
            f"each running build takes one IP address: {counted} + a margin of {margin} "
            f"({MARGIN_FRACTION:.0%}, at least {MIN_MARGIN}) need {needed} addresses but the selected subnets "
            f"({described}) hold {total}; {advice} or select larger subnets",
        )
    return None


def _builds_that_fit(total: int) -> int:
    """Largest limit ``n`` with ``n + capacity_margin(n) <= total`` (0 if none)."""
    n = max(0, math.floor(total / (1 + MARGIN_FRACTION)))
    while n > 0 and n + capacity_margin(n) > total:
        n -= 1
    while n + 1 + capacity_margin(n + 1) <= total:
        n += 1
    return n


def _describe(capacity: Mapping[str, int]) -> str:
    return ", ".join(f"{cidr}: {count}" for cidr, count in capacity.items())


@dataclass(frozen=True)
class BuildNeeds:
    """What a build uses, as far as its network path to AWS is concerned.

    :param source_type: the CodeBuild source type, e.g. ``"NO_SOURCE"``, ``"CODECOMMIT"``,
        ``"S3"``, ``"GITHUB"``.
    :param image_kind: one of :data:`IMAGE_KINDS`.
    :param parameter_store: environment variables come from SSM Parameter Store.
    :param secrets_manager: environment variables come from Secrets Manager.
    :param services: further endpoint names the build's own commands call (e.g. ``"sts"``).
    :param secondary_source_types: the types of the secondary sources.
    """

    source_type: str
    image_kind: str = "codebuild"
    parameter_store: bool = False
    secrets_manager: bool = False
    services: Sequence[str] = field(default_factory=tuple)
    secondary_source_types: Sequence[str] = field(default_factory=tuple)


def required_endpoints(needs: BuildNeeds) -> dict[str, str]:
    """Endpoint name -> why a build with ``needs`` requires it, in the order a build uses them.

    Names are the service part of ``com.amazonaws.<region>.<name>`` (``logs``, ``ecr.dkr``, ...),
    the names :class:`buttress.Network` uses.
    """
    if needs.image_kind not in IMAGE_KINDS:
        raise invalid("image_kind", needs.image_kind, f"one of {', '.join(sorted(IMAGE_KINDS))}")
    required: dict[str, str] = {}
    if needs.image_kind == "ecr":
        required["ecr.api"] = "ECR API: authenticate the pull of the custom build image"
        required["ecr.dkr"] = "ECR registry: pull the custom build image"
    if "CODECOMMIT" in (needs.source_type, *needs.secondary_source_types):
        required["git-codecommit"] = "CodeCommit Git: clone the source"
    required["s3"] = "S3: source and artifacts, caches, CodeBuild's own downloads"
    required["logs"] = "CloudWatch Logs: stream the build log"
    if needs.parameter_store:
        required["ssm"] = "SSM Parameter Store: environment variables from parameters"
    if needs.secrets_manager:
        required["secretsmanager"] = "Secrets Manager: environment variables from secrets"
    for service in needs.services:
        required.setdefault(service, "used by the build's commands")
    return required


def check_internet_reach(needs: BuildNeeds) -> None:
    """Raise if a build with ``needs`` uses what only the internet serves (isolated subnets have no route).

    GitHub/Bitbucket/GitLab sources and images from registries other than ECR; no VPC endpoint
    reaches them, so this holds whatever endpoints the VPC has.
    """
    internet_only = []
    if needs.source_type in INTERNET_SOURCES:
        internet_only.append(f"the {needs.source_type} source")
    for kind in dict.fromkeys(needs.secondary_source_types):
        if kind in INTERNET_SOURCES:
            internet_only.append(f"the {kind} secondary source")
    if needs.image_kind == "registry":
        internet_only.append("a build image from a registry other than ECR")
    if internet_only:
        raise invalid(
            "subnet_type",
            "PRIVATE_ISOLATED",
            f"{' and '.join(internet_only)} can only be reached over the internet, which isolated subnets "
            "have no route to; use PRIVATE_WITH_EGRESS subnets (NAT)",
        )


def check_isolated_egress(needs: BuildNeeds, available: Collection[str]) -> None:
    """Raise unless a build with ``needs`` can run in isolated subnets with the ``available`` endpoints.

    The error names ``subnet_type`` and lists every missing endpoint by name with the reason,
    or names what only the internet can serve (:func:`check_internet_reach`).
    """
    check_internet_reach(needs)
    missing = {name: why for name, why in required_endpoints(needs).items() if name not in available}
    if missing:
        listed = "; ".join(f"{name} ({why})" for name, why in missing.items())
        raise invalid(
            "subnet_type",
            "PRIVATE_ISOLATED",
            f"builds in isolated subnets reach AWS only through VPC endpoints and the network lacks: {listed}. "
            f"Add them (Network interface_endpoints=[{', '.join(repr(n) for n in missing)}]) "
            "or use PRIVATE_WITH_EGRESS subnets",
        )


# --- props --------------------------------------------------------------------------------------

#: Subnet types a build may run in: both have no public IPs; isolated ones reach AWS through endpoints only.
BUILD_SUBNET_TYPES: tuple[str, ...] = ("PRIVATE_WITH_EGRESS", "PRIVATE_ISOLATED")
#: CodeBuild's build timeout range, in minutes.
TIMEOUT_MINUTES = (5, 2160)
#: How long a build may wait in the queue, in minutes (5 minutes to 8 hours).
QUEUED_TIMEOUT_MINUTES = (5, 480)
#: How often CodeBuild may retry a failed build on its own.
AUTO_RETRY_LIMITS = (0, 10)
#: Image types of Lambda compute, which takes no build timeout.
LAMBDA_IMAGE_TYPES: frozenset[str] = frozenset({"LINUX_LAMBDA_CONTAINER", "ARM_LAMBDA_CONTAINER"})
#: Where an environment variable's value comes from, in the order the props are read.
VARIABLE_KINDS: tuple[tuple[str, str], ...] = (
    ("environment_variables", "PLAINTEXT"),
    ("parameter_store_variables", "PARAMETER_STORE"),
    ("secrets_manager_variables", "SECRETS_MANAGER"),
)
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Span:
    """A duration as the construct was given it: seconds (``None`` if a token) and as shown to the user."""

    seconds: float | None
    shown: str


@dataclass(frozen=True)
class BuildImageFacts:
    """What the rules need to know of a build image."""

    image_id: str
    type: str
    #: The image comes from an ECR repository object (``LinuxBuildImage.from_ecr_repository``).
    from_ecr_repository: bool = False

    @property
    def kind(self) -> str:
        """One of :data:`IMAGE_KINDS`: where the build host pulls the image from."""
        if self.from_ecr_repository or ".dkr.ecr." in self.image_id:
            return "ecr"
        if self.image_id.startswith("aws/codebuild/"):
            return "codebuild"
        return "registry"


@dataclass(frozen=True)
class Variable:
    """An environment variable of the build: its name, value and kind (:data:`VARIABLE_KINDS`)."""

    name: str
    value: str
    kind: str


@dataclass(frozen=True)
class BuildProps:
    """The plain props of a ``VpcCodeBuild``, checked."""

    isolated: bool
    #: A build spec object, or the file name of a build spec in the source.
    build_spec: dict[str, Any] | str
    concurrent_build_limit: int | None
    cache: BuildCache
    #: Names of the local cache modes (``"SOURCE"``...), when ``cache`` is local.
    local_cache_modes: tuple[str, ...]
    privileged: bool
    variables: tuple[Variable, ...]
    build_services: tuple[str, ...]
    artifacts: bool
    description: str | None
    #: Whether the project runs batch builds, their limits, and what the build spec's batch says.
    batch: bool = False
    batch_limits: BatchLimits = NO_BATCH_LIMITS
    batch_facts: BatchFacts = NO_BATCH
    #: Report groups the construct creates, in the order given.
    reports: tuple[Report, ...] = ()
    auto_retry_limit: int | None = None
    #: Types of the secondary sources, in order.
    secondary_source_types: tuple[str, ...] = ()
    #: Identifiers of the secondary artifacts, in order.
    secondary_artifacts: tuple[str, ...] = ()
    #: The reserved-capacity fleet builds run on, or ``None``.
    fleet: FleetPlan | None = None


def check_props(
    *,
    subnet_type: str,
    has_source: bool,
    image: BuildImageFacts,
    timeout: Span,
    build_spec: object,
    concurrent_build_limit: object,
    cache: object,
    local_cache_modes: Sequence[str] | None,
    privileged: object,
    environment_variables: object,
    parameter_store_variables: object,
    secrets_manager_variables: object,
    build_services: object,
    known_services: Collection[str],
    artifacts: object,
    artifact_expiration: Span | None,
    artifact_expiration_given: bool,
    description: object,
    batch: object = False,
    batch_max_builds: object = None,
    batch_compute_types: Sequence[str] | None = None,
    batch_timeout: Span | None = None,
    reports: object = None,
    queued_timeout: Span | None = None,
    auto_retry_limit: object = None,
    secondary_sources: Sequence[tuple[str, str | None, bool]] = (),
    secondary_artifacts: object = (),
    compute_type: str = "SMALL",
    fleet_capacity: object = None,
    fleet_max_capacity: object = None,
    fleet_overflow_given: bool = False,
) -> BuildProps:
    """Check every plain prop of a ``VpcCodeBuild`` (types first) and the rules between them.

    ``local_cache_modes`` is ``None`` when not given (then source and custom, with a local
    cache); ``artifact_expiration_given`` says whether ``artifact_expiration`` was given.
    """
    isolated = check_subnet_type(subnet_type)
    artifacts = props.boolean("artifacts", artifacts)
    spec = check_build_spec(build_spec, has_source=has_source, artifacts=artifacts)
    check_image(image)
    check_timeout(timeout)
    retries = check_retries(queued_timeout, auto_retry_limit)
    chosen = props.option("cache", cache, BuildCache)
    privileged = props.boolean("privileged", privileged)
    limit = None if concurrent_build_limit is None else _build_limit(concurrent_build_limit)
    variables = check_variables(
        environment_variables=environment_variables,
        parameter_store_variables=parameter_store_variables,
        secrets_manager_variables=secrets_manager_variables,
    )
    check_artifact_expiration(artifact_expiration, given=artifact_expiration_given, artifacts=artifacts)
    batch = props.boolean("batch", batch)
    limits = check_batch_limits(
        batch=batch,
        max_builds=batch_max_builds,
        compute_types=batch_compute_types,
        timeout_minutes=None if batch_timeout is None or batch_timeout.seconds is None else batch_timeout.seconds / 60,
        given=batch_max_builds is not None or batch_compute_types is not None or batch_timeout is not None,
    )
    fleet = check_fleet(
        capacity=fleet_capacity,
        max_capacity=fleet_max_capacity,
        overflow_given=fleet_overflow_given,
        compute_type=compute_type,
        image_type=image.type,
    )
    return BuildProps(
        isolated=isolated,
        build_spec=spec,
        concurrent_build_limit=limit,
        cache=chosen,
        local_cache_modes=check_cache_modes(local_cache_modes, cache=chosen, privileged=privileged),
        privileged=privileged,
        variables=variables,
        build_services=check_build_services(build_services, known=known_services, isolated=isolated),
        artifacts=artifacts,
        description=check_description(description),
        batch=batch,
        batch_limits=limits,
        batch_facts=check_batch_spec(spec, batch=batch, limits=limits, privileged=privileged),
        reports=check_reports(reports, spec=spec),
        auto_retry_limit=retries,
        secondary_source_types=check_secondary_sources(secondary_sources),
        secondary_artifacts=check_secondary_artifacts(secondary_artifacts, spec=spec, artifacts=artifacts),
        fleet=fleet,
    )


def check_subnet_type(subnet_type: str) -> bool:
    """A private subnet type (:data:`BUILD_SUBNET_TYPES`); returns whether it is the isolated one."""
    if subnet_type not in BUILD_SUBNET_TYPES:
        raise invalid(
            "subnet_type",
            subnet_type,
            "PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED: builds get no public IP, so a public subnet gives them "
            "no internet access",
        )
    return subnet_type == "PRIVATE_ISOLATED"


def check_retries(queued_timeout: Span | None, auto_retry_limit: object) -> int | None:
    """``queued_timeout`` in :data:`QUEUED_TIMEOUT_MINUTES`; ``auto_retry_limit`` in :data:`AUTO_RETRY_LIMITS`."""
    check_timeout(queued_timeout, prop="queued_timeout", limits=QUEUED_TIMEOUT_MINUTES, shown="8 hours")
    if auto_retry_limit is None:
        return None
    low, high = AUTO_RETRY_LIMITS
    return props.integer("auto_retry_limit", auto_retry_limit, low=low, high=high)


def _build_limit(value: object) -> int:
    return props.integer("concurrent_build_limit", value, low=1, allowed="at least 1, or None for no limit")


def check_build_spec(build_spec: object, *, has_source: bool, artifacts: bool) -> dict[str, Any] | str:
    """A build spec object, or a file name in the source (default ``buildspec.yml``)."""
    if build_spec is None:
        if not has_source:
            raise invalid("build_spec", None, "a build spec mapping: a project without a source has no buildspec file")
        return "buildspec.yml"
    if isinstance(build_spec, str):
        if not has_source:
            raise invalid(
                "build_spec", build_spec, "a build spec mapping: a project without a source has no files to read"
            )
        if not build_spec.strip() or build_spec.startswith("/"):
            raise invalid("build_spec", build_spec, "a file path relative to the source root, e.g. 'buildspec.yml'")
        return build_spec
    if not isinstance(build_spec, Mapping):
        raise invalid(
            "build_spec",
            build_spec,
            f"a mapping (build spec object) or a file name in the source, not {type(build_spec).__name__}",
        )
    spec = props.mapping("build_spec", build_spec)
    try:
        json.dumps(spec)
    except (TypeError, ValueError) as error:
        raise invalid(
            "build_spec", spec, f"a JSON-like build spec (strings, numbers, lists, mappings): {error}"
        ) from None
    if "version" not in spec or "phases" not in spec:
        raise invalid("build_spec", sorted(spec), "a build spec with at least 'version' (e.g. '0.2') and 'phases'")
    if artifacts and "artifacts" not in spec:
        raise invalid("build_spec", sorted(spec), "an 'artifacts' section, since artifacts=True")
    return check_build_spec_sections(spec)


def check_image(image: BuildImageFacts) -> None:
    """An EC2-compute image: Lambda compute takes no build timeout, which the construct always sets."""
    if image.type in LAMBDA_IMAGE_TYPES:
        raise invalid(
            "build_image",
            image.image_id,
            "an EC2-compute image (e.g. LinuxBuildImage.STANDARD_7_0): Lambda compute takes no build timeout, "
            "which this construct always sets",
        )


def check_timeout(
    timeout: Span | None,
    *,
    prop: str = "timeout",
    limits: tuple[int, int] = TIMEOUT_MINUTES,
    shown: str = "36 hours",
) -> None:
    """Whole minutes within ``limits`` (:data:`TIMEOUT_MINUTES`); ``None`` or a token is left to CloudFormation."""
    if timeout is None or timeout.seconds is None:
        return
    low, high = limits
    minutes = timeout.seconds / 60
    if not low <= minutes <= high or minutes != int(minutes):
        raise invalid(prop, timeout.shown, f"whole minutes from {low} to {high} ({shown})")


def check_cache_modes(modes: Sequence[str] | None, *, cache: BuildCache, privileged: bool) -> tuple[str, ...]:
    """The local cache modes: only with a local cache; ``DOCKER_LAYER`` only for privileged builds."""
    if modes is not None and cache != BuildCache.LOCAL:
        raise invalid(
            "local_cache_modes",
            list(modes),
            f"only with cache='local': with cache={cache.value!r} there is no local cache for them to configure",
        )
    if cache != BuildCache.LOCAL:
        return ()
    if modes is None:
        return ("SOURCE", "CUSTOM")
    if not modes:
        raise invalid("local_cache_modes", [], "at least one mode when cache='local'")
    if "DOCKER_LAYER" in modes and not privileged:
        raise invalid(
            "local_cache_modes", "DOCKER_LAYER", "the Docker layer cache needs privileged=True (Docker builds)"
        )
    return tuple(modes)


def check_variables(
    *, environment_variables: object, parameter_store_variables: object, secrets_manager_variables: object
) -> tuple[Variable, ...]:
    """The build's environment variables from the three ``*_variables`` props, in that order.

    Names are letters, digits and ``_`` (not starting with a digit or ``CODEBUILD_``) and unique
    across the props; parameter and secret names are not empty, parameter names not ARNs.
    """
    given = {
        "environment_variables": environment_variables,
        "parameter_store_variables": parameter_store_variables,
        "secrets_manager_variables": secrets_manager_variables,
    }
    variables: dict[str, Variable] = {}
    for prop, kind in VARIABLE_KINDS:
        what = "strings" if kind == "PLAINTEXT" else "parameter or secret names"
        mapping = {} if given[prop] is None else props.string_map(prop, given[prop], values=what)
        for name, value in mapping.items():
            if not _ENV_NAME.match(name) or name.upper().startswith("CODEBUILD_"):
                raise invalid(
                    prop, name, "variable names are letters, digits and '_', not starting with a digit or CODEBUILD_"
                )
            if name in variables:
                raise invalid(prop, name, "a name not already set by another of the *_variables props")
            if kind != "PLAINTEXT" and not value.strip():
                raise invalid(prop, {name: value}, "a parameter or secret name (or ARN)")
            check_variable_source(prop, name, value, kind=kind)
            if kind == "PARAMETER_STORE" and value.startswith("arn:"):
                # aws-cdk-lib would scope the read to parameter/arn:..., which matches nothing.
                raise invalid(prop, {name: value}, "a parameter name such as '/ci/db/host', not an ARN")
            variables[name] = Variable(name, value, kind)
    return tuple(variables.values())


def check_build_services(services: object, *, known: Collection[str], isolated: bool) -> tuple[str, ...]:
    """Endpoint names the build's commands call: known names, and only for builds in isolated subnets."""
    names = props.strings("build_services", services)
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise invalid("build_services", unknown, "Network endpoint names such as 'sts', 'ecr.api', 'dynamodb'")
    if names and not isolated:
        raise invalid(
            "build_services",
            names,
            "only with subnet_type=PRIVATE_ISOLATED, whose egress check requires their endpoints: "
            "with subnet_type=PRIVATE_WITH_EGRESS builds reach every service through NAT and nothing reads them",
        )
    return tuple(names)


def check_artifact_expiration(expiration: Span | None, *, given: bool, artifacts: bool) -> None:
    """Given only with ``artifacts=True``; whole days, at least one (a token is left to S3)."""
    if given and not artifacts:
        raise invalid(
            "artifact_expiration",
            expiration.shown if expiration else None,
            "only with artifacts=True: with artifacts=False no artifacts are uploaded for it to expire",
        )
    if expiration is None or expiration.seconds is None:
        return
    days = expiration.seconds / 86400
    if days < 1 or days != int(days):
        raise invalid("artifact_expiration", expiration.shown, "whole days, at least 1, or None")
