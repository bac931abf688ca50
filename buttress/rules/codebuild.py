"""Synth-time checks of a VPC-attached CodeBuild project: pure functions, no CDK import.

- **Subnet capacity**: every running build holds one network interface, so one IP address, in
  one of the project's subnets. The selected subnets must hold the concurrent build limit plus a
  margin (:func:`capacity_margin`), because builds share the subnets with other network
  interfaces (tasks, load balancers, endpoints) and the interface of a finished build is released
  only after a delay.
- **Isolated-subnet egress**: a build in a subnet without a route to the internet reaches AWS only
  through VPC endpoints. :func:`required_endpoints` lists the endpoints a build needs for what it
  uses; :func:`check_isolated_egress` names the missing ones.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from buttress.errors import invalid
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


def check_subnet_capacity(subnet_cidrs: Sequence[str], concurrent_build_limit: int | None) -> str | None:
    """Check that ``subnet_cidrs`` hold ``concurrent_build_limit`` builds plus :func:`capacity_margin`.

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
    margin = capacity_margin(concurrent_build_limit)
    needed = concurrent_build_limit + margin
    if needed > total:
        raise invalid(
            "concurrent_build_limit",
            concurrent_build_limit,
            f"each running build takes one IP address: {concurrent_build_limit} builds + a margin of {margin} "
            f"({MARGIN_FRACTION:.0%}, at least {MIN_MARGIN}) need {needed} addresses but the selected subnets "
            f"({described}) hold {total}; allow at most {_builds_that_fit(total)} builds or select larger subnets",
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
    """

    source_type: str
    image_kind: str = "codebuild"
    parameter_store: bool = False
    secrets_manager: bool = False
    services: Sequence[str] = field(default_factory=tuple)


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
    if needs.source_type == "CODECOMMIT":
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


def check_isolated_egress(needs: BuildNeeds, available: Collection[str]) -> None:
    """Raise unless a build with ``needs`` can run in isolated subnets with the ``available`` endpoints.

    The error names ``subnet_type`` and lists every missing endpoint by name with the reason,
    or names what only the internet can serve (GitHub/Bitbucket/GitLab sources, images from
    registries other than ECR).
    """
    internet_only = []
    if needs.source_type in INTERNET_SOURCES:
        internet_only.append(f"the {needs.source_type} source")
    if needs.image_kind == "registry":
        internet_only.append("a build image from a registry other than ECR")
    if internet_only:
        raise invalid(
            "subnet_type",
            "PRIVATE_ISOLATED",
            f"{' and '.join(internet_only)} can only be reached over the internet, which isolated subnets "
            "have no route to; use PRIVATE_WITH_EGRESS subnets (NAT)",
        )
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
