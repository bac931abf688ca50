"""The review report as Markdown, one pull-request comment, rendered from :mod:`buttress.tools.review_json`'s data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from buttress.tools.review_json import review_data
from buttress.tools.review_model import MARKER, Review

# -- Markdown, rendered from the data ---------------------------------------------------------------

Data = Mapping[str, Any]


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _code(value: object) -> str:
    return f"`{_cell(value)}`" if value != "" else ""


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _delta(value: float) -> str:
    return f"{'+' if value >= 0 else '-'}{_money(abs(value))}"


def _acked(reason: str | None) -> str:
    return f" — **acknowledged**: {reason}" if reason else ""


#: What :func:`what_happens` stresses in the Markdown (the longer phrase first).
_BOLD = ("the old one is deleted, with its data", "deleted, with its data")


def _bold(text: str) -> str:
    for phrase in _BOLD:
        if text.endswith(phrase):
            return f"{text[: -len(phrase)]}**{phrase}**"
    return text


def _stateful_block(data: Data) -> list[str]:
    lost = data["stateful_at_risk"]
    if not lost:
        return []
    certain = all(c["change"] in ("replaced", "removed") for c in lost)
    what = "replaced or removed" if certain else "replaced, removed, or that may be replaced or deleted"
    lines = [
        "> [!CAUTION]",
        f"> **{len(lost)} stateful resource(s) {what}.** The data they hold does not move to a new resource.",
        ">",
        "> | stack | resource | type | change | why | DeletionPolicy | UpdateReplacePolicy | what a deploy does |",
        "> |---|---|---|---|---|---|---|---|",
    ]
    for c in lost:
        lines.append(
            f"> | {c['stack']} | {_code(c['resource'])} | {_code(c['type'])} | {c['change']} | "
            f"{_cell(c['why'] + _acked(c['acknowledged']))} | {_cell(c['deletion_policy'])} | "
            f"{_cell(c['update_replace_policy'])} | {_bold(c['what_happens'])} |"
        )
    return [*lines, ""]


def _cautions_block(data: Data) -> list[str]:
    cautions = data["cautions"]
    if not cautions:
        return []
    lines = [
        "> [!WARNING]",
        f"> **{len(cautions)} update-time caution(s)**: what the deploy may do that the diff does not show.",
        ">",
        "> | stack | resource | type | caution | why | the way through |",
        "> |---|---|---|---|---|---|",
    ]
    for k in cautions:
        lines.append(
            f"> | {k['stack']} | {_code(k['resource'])} | {_code(k['type'])} | {k['kind']} | "
            f"{_cell(k['why'] + _acked(k['acknowledged']))} | {_cell(k['fix'])} |"
        )
    return [*lines, ""]


def _summary(data: Data) -> list[str]:
    lines = [
        "### Summary",
        "",
        "| stack | status | added | changed | replaced | removed | outputs | fixed $/month |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for s in data["stacks"]:
        if s["status"] == "unchanged":
            continue
        before, after = s["cost"]["before"], s["cost"]["after"]
        cost = _money(after)
        if round(after - before, 2) != 0:
            cost = f"{_money(before)} → {_money(after)} ({_delta(after - before)})"
        counts = " | ".join(str(s["counts"][a]) for a in ("added", "changed", "replaced", "removed"))
        outputs = "; ".join(f"{k}: {', '.join(v)}" for k, v in s["outputs"].items() if v) or "-"
        lines.append(f"| {s['name']} | {s['status']} | {counts} | {_cell(outputs)} | {cost} |")
    unchanged = [s["name"] for s in data["stacks"] if s["status"] == "unchanged"]
    if unchanged:
        lines += ["", f"Unchanged: {', '.join(unchanged)}."]
    return [*lines, ""]


def _widening(data: Data) -> list[str]:
    lines = ["### Access widened", ""]
    if not data["widenings"]:
        return [*lines, "No IAM statement or security-group rule grants more than before.", ""]
    lines += ["| stack | kind | applies to | grants | why |", "|---|---|---|---|---|"]
    for w in data["widenings"]:
        why = ("**public** " if w["public"] else "") + w["why"] + _acked(w["acknowledged"])
        lines.append(f"| {w['stack']} | {w['kind']} | {_code(w['target'])} | {_code(w['grant'])} | {_cell(why)} |")
    return [*lines, ""]


def _cost(data: Data) -> list[str]:
    changed = [s for s in data["stacks"] if round(s["cost"]["after"] - s["cost"]["before"], 2) != 0]
    lines = ["### Fixed monthly cost", ""]
    if not changed:
        return [*lines, "No change in fixed monthly cost (list prices, `buttress-cost`).", ""]
    for s in changed:
        before, after = s["cost"]["before"], s["cost"]["after"]
        lines.append(f"- **{s['name']}**: {_money(before)} → {_money(after)} ({_delta(after - before)}/month)")
        lines += [f"  - {_cell(d)}" for d in s["cost"]["detail"]]
    total = _delta(data["summary"]["cost_delta"])
    lines.append(f"- **total**: {total}/month at list prices (`buttress-cost` for the table)")
    return [*lines, ""]


def _assets(data: Data) -> list[str]:
    changed = [c for s in data["stacks"] for c in s["changes"] if c["assets"]]
    if not changed:
        return []
    lines = ["### Assets changed", "", "| stack | resource | type | new asset |", "|---|---|---|---|"]
    for c in changed:
        lines.append(
            f"| {c['stack']} | {_code(c['resource'])} | {_code(c['type'])} | {_cell(', '.join(c['assets']))} |"
        )
    return [*lines, ""]


def _findings(data: Data) -> list[str]:
    lines = ["### Findings", ""]
    rows = [("added", f) for f in data["findings"]["added"]] + [("removed", f) for f in data["findings"]["removed"]]
    if not rows:
        lines.append("No cdk-nag or cfn-lint finding added or removed.")
    else:
        lines += ["| | tool | stack | where | rule | message |", "|---|---|---|---|---|---|"]
        for change, f in rows:
            message = f["message"] if len(f["message"]) <= 160 else f["message"][:157] + "..."
            lines.append(
                f"| {change} | {f['tool']} | {f['stack']} | {_code(f['where'])} | {_code(f['rule'])} | "
                f"{_cell(message)} |"
            )
    notes = list(data["notes"])
    for a in data["acknowledgements"]["unused"]:
        notes.append(
            f"Acknowledgement not used (nothing it covers changes; remove it): {a['kind']} of "
            f"{a['stack']} {a['resource']} ({a['source']})."
        )
    return [*lines, *(["", *notes] if notes else []), ""]


def _details(data: Data) -> list[str]:
    changes = [c for s in data["stacks"] for c in s["changes"]]
    lines = [
        f"<details><summary>Every resource change ({len(changes)})</summary>",
        "",
        "| stack | resource | type | change | properties | note |",
        "|---|---|---|---|---|---|",
    ]
    for c in changes:
        note = "; ".join([*c["reasons"], *(f"{k['kind']}: {k['why']}" for k in c["cautions"])])
        lines.append(
            f"| {c['stack']} | {_code(c['resource'])} | {_code(c['type'])} | {c['action']} | "
            f"{_cell(', '.join(c['properties']))} | {_cell(note)} |"
        )
    return [*lines, "", "</details>", ""]


def render_markdown(review: Review | Data) -> str:
    """The pull-request comment (starting with :data:`MARKER`, so a workflow can find and update it),
    rendered from :func:`review_data` (given, or computed from ``review``)."""
    data = review_data(review) if isinstance(review, Review) else review
    title = f"{MARKER}\n## buttress review: `{_cell(data['base'])}` → `{_cell(data['head'])}`"
    summary = data["summary"]
    if data["identical"]:
        return f"{title}\n\nNo changes: {summary['stacks']} stack(s), identical resources and findings.\n"
    head = (
        f"{summary['stacks_changed']} of {summary['stacks']} stack(s) change: "
        + ", ".join(f"{summary[a]} {a}" for a in ("added", "changed", "replaced", "removed"))
        + f"; {summary['widenings']} widening(s); {summary['cautions']} caution(s); "
        + f"fixed cost {_delta(summary['cost_delta'])}/month; "
        + f"findings +{summary['findings_added']} / -{summary['findings_removed']}."
    )
    body = [title, "", head, ""]
    body += _stateful_block(data) + _cautions_block(data) + _summary(data)
    body += _widening(data) + _assets(data) + _cost(data) + _findings(data)
    return "\n".join(body + _details(data)).rstrip() + "\n"
