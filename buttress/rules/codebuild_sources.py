"""Synth-time checks of a ``VpcCodeBuild``'s source: pure functions, no CDK import.

- **Source types** the construct accepts (:data:`SOURCE_TYPES`) and which of them can use a
  CodeConnections connection as their credential (:data:`CONNECTION_SOURCES`).
- **Webhook filter groups** as the source renders them (``Triggers.FilterGroups``): each group
  starts with one ``EVENT`` filter naming events the provider sends, every other filter is of a
  known type that works with the group's events, and every pattern is a regular expression
  CodeBuild accepts. CodeBuild evaluates patterns with RE2 syntax (CodeBuild user guide, "webhook
  events"), which has no lookaround, backreferences, atomic groups or possessive quantifiers, and
  Python's ``re`` lacks some of what RE2 has (``\\p{L}``, ``\\Q...\\E``, ``\\z``, POSIX classes):
  :func:`check_pattern` refuses the first and rewrites the second before compiling.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from buttress.errors import invalid
from buttress.rules import props

#: Source types (``Source.Type``) a ``VpcCodeBuild`` takes, ``NO_SOURCE`` for none.
SOURCE_TYPES: frozenset[str] = frozenset({"NO_SOURCE", "CODECOMMIT", "S3", "GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET"})
#: Source types whose credential can be a CodeConnections connection (``Source.Auth`` CODECONNECTIONS).
CONNECTION_SOURCES: frozenset[str] = frozenset({"GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET"})

_PULL_REQUEST = ("PULL_REQUEST_CREATED", "PULL_REQUEST_UPDATED", "PULL_REQUEST_MERGED", "PULL_REQUEST_CLOSED")
#: Webhook events each provider sends (CodeBuild user guide: GitHub, GitHub Enterprise, Bitbucket webhook events).
WEBHOOK_EVENTS: Mapping[str, frozenset[str]] = {
    "GITHUB": frozenset(
        {"PUSH", *_PULL_REQUEST, "PULL_REQUEST_REOPENED", "RELEASED", "PRERELEASED", "WORKFLOW_JOB_QUEUED"}
    ),
    "GITHUB_ENTERPRISE": frozenset({"PUSH", *_PULL_REQUEST, "PULL_REQUEST_REOPENED", "WORKFLOW_JOB_QUEUED"}),
    "BITBUCKET": frozenset({"PUSH", *_PULL_REQUEST}),
}
_PR_EVENTS = frozenset({*_PULL_REQUEST, "PULL_REQUEST_REOPENED"})
_RELEASE_EVENTS = frozenset({"RELEASED", "PRERELEASED"})
#: Filter types other than EVENT -> the events they work with (API reference, ``WebhookFilter``).
FILTER_EVENTS: Mapping[str, frozenset[str]] = {
    "ACTOR_ACCOUNT_ID": frozenset({"PUSH", *_PR_EVENTS, *_RELEASE_EVENTS, "WORKFLOW_JOB_QUEUED"}),
    "HEAD_REF": frozenset({"PUSH", *_PR_EVENTS}),
    "BASE_REF": _PR_EVENTS,
    "FILE_PATH": frozenset({"PUSH", *_PR_EVENTS}),
    "COMMIT_MESSAGE": frozenset({"PUSH", *_PR_EVENTS}),
    "TAG_NAME": _RELEASE_EVENTS,
    "RELEASE_NAME": _RELEASE_EVENTS,
    "REPOSITORY_NAME": frozenset({"PUSH", *_PR_EVENTS, *_RELEASE_EVENTS, "WORKFLOW_JOB_QUEUED"}),
    "ORGANIZATION_NAME": frozenset({"PUSH", *_PR_EVENTS, *_RELEASE_EVENTS, "WORKFLOW_JOB_QUEUED"}),
    "WORKFLOW_NAME": frozenset({"WORKFLOW_JOB_QUEUED"}),
}
#: RE2 refuses a counted repetition above this (``a{1001}``).
RE2_MAX_REPEAT = 1000
_CONNECTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:(?P<service>codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]{36}$"
)

# RE2 syntax Python's re accepts but RE2 refuses, with why (RE2 wiki, "Syntax": NOT SUPPORTED).
_RE2_REFUSES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\(\?<?[=!]"), "lookahead and lookbehind"),
    (re.compile(r"\\[1-9]|\(\?P=|\\k<"), "backreferences"),
    (re.compile(r"\(\?>"), "atomic groups"),
    (re.compile(r"\(\?\("), "conditionals"),
    (re.compile(r"(?<!\\)(?:[*+?}])\+"), "possessive quantifiers"),
    (re.compile(r"\\Z"), r"\Z (write \z or $)"),
)
_REPEAT = re.compile(r"(?<!\\)\{(\d*),?(\d*)\}")
_FLAGS = re.compile(r"\(\?([A-Za-z-]+)[:)]")
_CLASS = re.compile(r"\[\^?\]?(?:\\.|[^\]\\])*\]")


def check_connection(connection_arn: object, *, source_type: str, token: bool) -> str | None:
    """A CodeConnections connection ARN, only for a source that can use one; returns its IAM prefix.

    ``token`` says the ARN is a deploy-time value (then both ``codeconnections`` and the older
    ``codestar-connections`` prefix are returned as ``"*"``).
    """
    if connection_arn is None:
        return None
    arn = props.string("connection_arn", connection_arn)
    if source_type not in CONNECTION_SOURCES:
        raise invalid(
            "connection_arn",
            arn,
            f"only with a GitHub, GitHub Enterprise or Bitbucket source: a {source_type} source "
            "takes no connection (CodeCommit and S3 use the service role)",
        )
    if token:
        return "*"
    match = _CONNECTION_ARN.match(arn)
    if match is None:
        raise invalid(
            "connection_arn",
            arn,
            "a CodeConnections connection ARN: arn:aws:codeconnections:<region>:<account>:connection/<uuid> "
            "(or the older codestar-connections one)",
        )
    return match["service"]


def check_source_type(source_type: str) -> None:
    """One of :data:`SOURCE_TYPES`."""
    if source_type not in SOURCE_TYPES:
        raise invalid(
            "source",
            source_type,
            "a codebuild.Source.code_commit(...), .s3(...), .git_hub(...), .git_hub_enterprise(...) or "
            ".bit_bucket(...) source",
        )


def check_triggers(triggers: Mapping[str, Any] | None, *, source_type: str, batch: bool) -> None:
    """Check a source's rendered triggers (``webhook``, ``filterGroups``, ``buildType``).

    Names ``source.webhook_filters[g]`` / ``[g][f]`` (0-based) in its errors.
    """
    if not triggers:
        return
    groups: Sequence[Sequence[Mapping[str, Any]]] = triggers.get("filterGroups") or []
    if groups and source_type == "GITHUB_ENTERPRISE":
        raise invalid(
            "source.webhook_filters",
            len(groups),
            "none for a GitHub Enterprise source: CloudFormation cannot create its webhook "
            "(create it with the CLI or console)",
        )
    if triggers.get("buildType") == "BUILD_BATCH" and not batch:
        raise invalid(
            "source.webhook_triggers_batch_build", True, "only with batch=True: the project runs no batch builds"
        )
    for index, group in enumerate(groups):
        check_filter_group(group, index=index, source_type=source_type)


def check_filter_group(group: Sequence[Mapping[str, Any]], *, index: int, source_type: str) -> None:
    """One ``EVENT`` filter first, with events the provider sends; other filters known and fitting them."""
    prop = f"source.webhook_filters[{index}]"
    known = WEBHOOK_EVENTS.get(source_type, frozenset())
    if not group or group[0].get("type") != "EVENT":
        raise invalid(prop, [f.get("type") for f in group], "a filter group starting with its one EVENT filter")
    events = [e.strip() for e in str(group[0].get("pattern", "")).split(",") if e.strip()]
    unknown = [e for e in events if e not in known]
    if not events or unknown:
        raise invalid(
            f"{prop}[0]",
            group[0].get("pattern"),
            f"events a {source_type} webhook sends: {', '.join(sorted(known))}",
        )
    seen: set[str] = set()
    for position, item in enumerate(group[1:], start=1):
        kind, pattern = str(item.get("type")), item.get("pattern")
        where = f"{prop}[{position}]"
        if kind == "EVENT":
            raise invalid(where, pattern, "one EVENT filter per group (list the events in the first one)")
        if kind not in FILTER_EVENTS:
            raise invalid(where, kind, f"a filter type: EVENT, {', '.join(FILTER_EVENTS)}")
        if kind in seen:
            raise invalid(where, kind, "each filter type once per group (combine the patterns with |)")
        seen.add(kind)
        misfits = sorted(set(events) - FILTER_EVENTS[kind])
        if misfits:
            raise invalid(
                where,
                kind,
                f"a filter that works with the group's events: {kind} works with "
                f"{', '.join(sorted(FILTER_EVENTS[kind]))}, not {', '.join(misfits)}",
            )
        if source_type == "GITHUB_ENTERPRISE" and kind in {"FILE_PATH", "COMMIT_MESSAGE"} and set(events) & _PR_EVENTS:
            raise invalid(where, kind, "GitHub Enterprise applies FILE_PATH and COMMIT_MESSAGE to push events only")
        check_pattern(where, pattern)


def check_pattern(prop: str, pattern: object) -> None:
    """A regular expression RE2 compiles (see the module docstring for what Python ``re`` cannot judge)."""
    text = props.string(prop, pattern)
    syntax_only = _CLASS.sub("[]", _strip_escaped_literals(text))
    for syntax, what in _RE2_REFUSES:
        if syntax.search(syntax_only):
            raise invalid(prop, text, f"a pattern CodeBuild accepts: its RE2 syntax has no {what}")
    for flags in _FLAGS.findall(syntax_only):
        if set(flags) - set("imsU-"):
            raise invalid(
                prop, text, f"a pattern CodeBuild accepts: RE2 has the inline flags i, m, s and U, not {flags!r}"
            )
    for match in _REPEAT.finditer(syntax_only):
        low, high = match.group(1), match.group(2)
        if not low:
            raise invalid(prop, text, "a pattern CodeBuild accepts: RE2 needs a lower bound in {n,m} (write {0,m})")
        if max(int(low), int(high or 0)) > RE2_MAX_REPEAT:
            raise invalid(prop, text, f"a pattern CodeBuild accepts: RE2 repeats at most {RE2_MAX_REPEAT} times")
    try:
        re.compile(_python_equivalent(text))
    except re.error as error:
        raise invalid(prop, text, f"a regular expression that compiles: {error}") from None


def _strip_escaped_literals(text: str) -> str:
    r"""``text`` without ``\Q...\E`` literals and escaped backslashes, so their content is not read as syntax."""
    text = re.sub(r"\\Q.*?(\\E|$)", "", text)
    return text.replace("\\\\", "")


def _python_equivalent(text: str) -> str:
    r"""Rewrite RE2-only syntax into what Python ``re`` compiles alike (for a syntax check, not for matching)."""
    text = re.sub(r"\\Q(.*?)(?:\\E|$)", lambda m: re.escape(m.group(1)), text)
    text = re.sub(r"\\[pP](\{\^?[A-Za-z_]+\}|[A-Za-z])", r"\\w", text)
    text = re.sub(r"\[:\^?[a-z]+:\]", r"\\w", text)
    text = re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", text)
    text = re.sub(r"\(\?([imsU-]+)([:)])", _without_ungreedy, text)
    return re.sub(r"(?<!\\)((?:\\\\)*)\\z", r"\1\\Z", text)


def _without_ungreedy(match: re.Match[str]) -> str:
    """An inline flag group without RE2's ``U`` (ungreedy), which Python lacks and which changes no syntax."""
    flags = match.group(1).replace("U", "").rstrip("-")
    if flags.strip("-"):
        return f"(?{flags}{match.group(2)}"
    return "(?:" if match.group(2) == ":" else ""


# --- secondary sources and artifacts -------------------------------------------------------------

_SOURCE_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,127}$")


def check_secondary_sources(sources: Sequence[tuple[str, str | None, bool]]) -> tuple[str, ...]:
    """Secondary sources as ``(type, identifier, has_webhook)``: typed, identified uniquely, no webhook.

    Returns their types. A secondary source's webhook would never trigger a build (CodeBuild
    starts builds from the primary source's webhook only).
    """
    seen: set[str] = set()
    for index, (kind, identifier, webhook) in enumerate(sources):
        where = f"secondary_sources[{index}]"
        if kind not in SOURCE_TYPES - {"NO_SOURCE"}:
            raise invalid(where, kind, "a CodeCommit, S3, GitHub, GitHub Enterprise or Bitbucket source")
        if identifier is None or not _SOURCE_IDENTIFIER.match(identifier):
            raise invalid(
                f"{where}.identifier",
                identifier,
                "letters, digits and '_', starting with a letter (CODEBUILD_SRC_DIR_<identifier> names its folder)",
            )
        if identifier in seen:
            raise invalid(f"{where}.identifier", identifier, "an identifier no other secondary source has")
        seen.add(identifier)
        if webhook:
            raise invalid(
                f"{where}.webhook", True, "no webhook on a secondary source: builds start from the primary source's"
            )
    return tuple(kind for kind, _, _ in sources)


def check_secondary_artifacts(value: object, *, spec: Mapping[str, Any] | str, artifacts: bool) -> tuple[str, ...]:
    """Identifiers of the build spec's ``secondary-artifacts``, each uploaded beside the primary artifacts.

    Only with ``artifacts=True``; a build spec mapping must list exactly these identifiers.
    """
    names = props.strings("secondary_artifacts", value)
    if names and not artifacts:
        raise invalid(
            "secondary_artifacts",
            names,
            "only with artifacts=True: with artifacts=False nothing is uploaded, the secondary artifacts neither",
        )
    for name in names:
        if not _SOURCE_IDENTIFIER.match(name):
            raise invalid("secondary_artifacts", name, "identifiers of letters, digits and '_', starting with a letter")
    if len(set(names)) != len(names):
        raise invalid("secondary_artifacts", names, "identifiers without repeats")
    if isinstance(spec, Mapping) and artifacts:
        section = spec.get("artifacts")
        declared = sorted(section.get("secondary-artifacts") or {}) if isinstance(section, Mapping) else []
        if declared != sorted(names):
            raise invalid(
                "secondary_artifacts",
                names,
                f"the identifiers the build spec's artifacts['secondary-artifacts'] declares: {declared}",
            )
    return tuple(names)
