"""cdk-nag and cfn-lint findings of a cloud assembly, keyed so two assemblies can be compared.

cdk-nag 3 is a policy-validation plugin: a finding that is not acknowledged fails ``cdk synth``
and is listed in the assembly's validation report (``validation-report.json``, written even when
synthesis fails); an acknowledged one is recorded in the stack's metadata
(``aws:cdk:acknowledged-rules``, with its reason). Both are read from the assembly, so the review
needs no synthesis of its own. cfn-lint is run on each template (the schemas cfn-lint ships).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from buttress.tools.assembly import ACKNOWLEDGED, CloudAssembly


@dataclass(frozen=True, order=True)
class Finding:
    """One finding: the tool, the stack, where (construct path or template path), the rule."""

    tool: str
    """``cdk-nag``, ``cdk-nag acknowledged`` or ``cfn-lint``."""
    stack: str
    where: str
    rule: str
    message: str = ""

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.tool, self.stack, self.where, self.rule)


def _stack_of(where: Mapping[str, Any], stacks: Iterable[str]) -> str:
    """The stack of a violating construct: from its template path, else its construct path's root."""
    template_path = str(where.get("templatePath", ""))
    if template_path:
        return template_path.rsplit("/", 1)[-1].removesuffix(".template.json")
    path = str(where.get("constructPath", "")).strip("/").split("/")
    known = set(stacks)
    # A stack inside a stage has a longer path (Stage/Stack/...): the first segment that is a stack.
    return next((seg for seg in path if seg in known), path[0] if path[0] else "?")


def nag_findings(assembly: CloudAssembly) -> list[Finding]:
    """Unacknowledged findings (validation report) and acknowledged ones (stack metadata)."""
    found: list[Finding] = []
    for plugin in (assembly.validation_report() or {}).get("pluginReports", []):
        for violation in plugin.get("violations", []):
            rule = str(violation.get("ruleName", "?"))
            message = str(violation.get("description", ""))
            for where in violation.get("violatingConstructs", []) or violation.get("violatingResources", []):
                stack = _stack_of(where, assembly.stacks)
                path = where.get("constructPath") or where.get("resourceLogicalId") or "?"
                found.append(Finding("cdk-nag", stack, str(path), rule, message))
    for stack in assembly.stacks:
        for path, entries in assembly.metadata(stack).items():
            for entry in entries:
                if entry.get("type") != ACKNOWLEDGED or not isinstance(entry.get("data"), Mapping):
                    continue
                for rule, reason in entry["data"].items():
                    found.append(
                        Finding("cdk-nag acknowledged", stack, path, rule.removeprefix("Annotation::"), reason)
                    )
    return sorted(set(found))


def cfn_lint_findings(
    templates: Mapping[str, Mapping[str, Any]], *, ignore: Sequence[str] = (), regions: Sequence[str] = ("us-east-1",)
) -> list[Finding]:
    """cfn-lint's matches for every template (``ignore``: rule ids not applied)."""
    from cfnlint.api import ManualArgs, lint

    config = ManualArgs(regions=list(regions), ignore_checks=list(ignore))
    found = []
    for stack, template in templates.items():
        for match in lint(json.dumps(template), config=config):
            where = "/".join(str(p) for p in getattr(match, "path", []) or []) or f"line {match.linenumber}"
            found.append(Finding("cfn-lint", stack, where, str(match.rule.id), str(match.message)))
    return sorted(set(found))


def compare_findings(before: Iterable[Finding], after: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
    """(added, removed) findings, matched by tool, stack, place and rule."""
    old = {f.key: f for f in before}
    new = {f.key: f for f in after}
    added = [new[k] for k in sorted(set(new) - set(old))]
    removed = [old[k] for k in sorted(set(old) - set(new))]
    return added, removed
