"""Routing on a shared load balancer: listener-rule priority and conditions within the ALB limits.

Pure rules of ``AlbFargateService``, no CDK import; each raises ``invalid(prop, value, allowed)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from buttress.errors import invalid
from buttress.rules import props

_PATH_PATTERN = re.compile(r"^/[A-Za-z0-9_\-.$/~\"'@:+&*?]*$")
_HOST_PATTERN = re.compile(r"^[A-Za-z0-9\-.*?]+$")
#: ALB limits of one listener rule: condition values per condition, per rule, wildcards per rule.
MAX_VALUES_PER_CONDITION = 3
MAX_VALUES_PER_RULE = 5
MAX_WILDCARDS_PER_RULE = 5


@dataclass(frozen=True)
class RouteSpec:
    """A listener rule on a shared load balancer."""

    priority: int
    path_patterns: list[str]
    host_headers: list[str]

    def url_suffix(self) -> str:
        """A path the rule serves, for the service URL: the first path pattern without its ``*``s.

        ``*`` matches zero or more characters, so ``/docs/*`` serves ``/docs/`` (not ``/docs``, which
        the web service behind the default action would answer). A pattern with ``?`` (exactly one
        character) has no such path: its literal prefix is used, and the URL only names where it starts.
        """
        if not self.path_patterns:
            return ""
        pattern = self.path_patterns[0]
        if "?" in pattern:
            return pattern[: pattern.index("?")].rstrip("/")
        return pattern.replace("*", "")


def _wildcards(pattern: str) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)


def path_pattern_matches(pattern: str, path: str) -> bool:
    """Whether an ALB ``path-pattern`` condition value matches a request path (the path only, no query).

    Case-sensitive; ``*`` matches 0 or more characters, ``?`` exactly one:
    https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html
    """
    return re.fullmatch(_wildcards(pattern), path, flags=re.DOTALL) is not None


def host_header_matches(pattern: str, host: str) -> bool:
    """Whether an ALB ``host-header`` condition value matches a Host header: as paths, but case-insensitive."""
    return re.fullmatch(_wildcards(pattern), host, flags=re.IGNORECASE | re.DOTALL) is not None


def check_route(
    *, priority: object, path_patterns: object, host_headers: object, taken: Mapping[int, str]
) -> RouteSpec:
    """Priority 1-50000 not used by another rule of the listener; conditions within the ALB limits."""
    chosen = props.integer("priority", priority, low=1, high=50_000)
    if chosen in taken:
        raise invalid(
            "priority", chosen, f"a priority no other rule of the listener has ({taken[chosen]} has {chosen})"
        )
    paths = [] if path_patterns is None else props.strings("path_patterns", path_patterns)
    hosts = [] if host_headers is None else [h.lower() for h in props.strings("host_headers", host_headers)]
    if not paths and not hosts:
        raise invalid("path_patterns", None, "path_patterns or host_headers (or both) on a shared load balancer")
    for prop, values, pattern, what in (
        (
            "path_patterns",
            paths,
            _PATH_PATTERN,
            "starting with '/', of A-Z a-z 0-9 _-.$/~\"'@:+& and the wildcards * ?",
        ),
        ("host_headers", hosts, _HOST_PATTERN, "of A-Z a-z 0-9 - . and the wildcards * ?"),
    ):
        if len(values) > MAX_VALUES_PER_CONDITION:
            raise invalid(prop, values, f"at most {MAX_VALUES_PER_CONDITION} values (the ALB limit per condition)")
        if len(set(values)) != len(values):
            raise invalid(prop, values, "each value once")
        for value in values:
            if len(value) > 128 or not pattern.match(value):
                raise invalid(prop, value, f"at most 128 characters {what}")
    if len(paths) + len(hosts) > MAX_VALUES_PER_RULE:
        raise invalid(
            "path_patterns", paths, f"with host_headers at most {MAX_VALUES_PER_RULE} values (the ALB limit per rule)"
        )
    wildcards = sum(value.count("*") + value.count("?") for value in [*paths, *hosts])
    if wildcards > MAX_WILDCARDS_PER_RULE:
        raise invalid(
            "path_patterns", paths, f"at most {MAX_WILDCARDS_PER_RULE} wildcards with host_headers (ALB limit per rule)"
        )
    return RouteSpec(chosen, paths, hosts)
