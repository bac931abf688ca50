"""``make security-docs``: docs/security.md, generated from the example app and the recorded scans.

It lists, per buttress construct (and for the example stacks' own resources), every cdk-nag
acknowledgement and cfn-guard suppression with its reason, read from the synthesized construct
tree; every IAM permission on ``*`` with the reason its acknowledgement gives; and the external
scanners' findings on the example stacks (``docs/scan-results.json``, recorded by ``make scan``)
with why each does not apply. A test fails when docs/security.md is not what this script writes.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SECURITY_MD = REPO / "docs" / "security.md"
SCAN_RESULTS = REPO / "docs" / "scan-results.json"
ACK_KEY = "aws:cdk:acknowledged-rules"
GUARD_PREFIX = "cdk-validator-cfnguard::"

#: Why a finding of checkov or cfripper that remains on the example stacks does not apply, by rule.
SCANNER_REASONS: Mapping[str, str] = {
    "CKV_AWS_18": "A log-delivery bucket does not log itself (it would log its own deliveries); CloudTrail "
    "data events audit reads.",
    "CKV_AWS_21": "Log-delivery buckets are written once by AWS and expire; the CodeBuild artifacts bucket holds "
    "build outputs keyed by build id. Bring a versioned bucket (`access_logs_bucket`) where a policy asks.",
    "CKV_AWS_2": "Only in the HTTP-only mode the example runs without certificates (`protocol='HTTP'`, which "
    "warns at synth); with a certificate the listener is HTTPS.",
    "CKV_AWS_103": "As CKV_AWS_2: an HTTP listener has no TLS policy; HTTPS listeners use a TLS 1.2+ policy.",
    "CKV_AWS_260": "The public load balancer of the example's web service admits port 80 from anywhere; in "
    "HTTPS mode port 80 only redirects to HTTPS.",
    "CKV_AWS_111": "Write actions whose resource cannot be narrowed (see the IAM section); each is "
    "conditioned on tags or principals where IAM allows.",
    "CKV_AWS_115": "Reserved concurrency would take capacity from the account's pool; the example's "
    "functions run rarely. Options where buttress creates the function.",
    "CKV_AWS_116": "Functions invoked synchronously (custom-resource handler) or by SNS with the "
    "subscription's own dead-letter queue; an asynchronous DLQ would never receive anything.",
    "CKV_AWS_117": "The functions call only AWS APIs; a VPC would add ENIs and NAT or endpoints for no isolation gain.",
    "CKV_AWS_119": "The kill-switch table holds resource ids and counts, encrypted with an AWS-owned key; "
    "`table_key` takes a customer-managed key.",
    "CKV_AWS_158": "CloudWatch Logs encrypts every log group; a customer-managed key is the `log_key` option.",
    "CKV_AWS_173": "The environment variables hold names and ARNs, no secrets; Lambda encrypts them at rest.",
    "EC2SecurityGroupMissingEgressRule": "aws-cdk-lib writes the load balancer's egress as separate "
    "SecurityGroupEgress resources to the service's security group, which cfripper does not link.",
    "EC2SecurityGroupOpenToWorldRule": "The public web service's load balancer is meant to be reachable "
    "from the internet.",
    "PublicELBCheckerRule": "The example's web service is public by design; `internal=True` makes it private.",
    "GenericResourceWildcardPolicyRule": "KMS key policies name the key itself as `*`; CDK-generated "
    "default policies with `*` are listed in the IAM section with their reasons.",
    "WildcardResourceRule": "Listed in the IAM section: actions without resource-level permissions.",
    "PrivilegeEscalationRule": "The kill switch attaches its own deny policy to the named principals; "
    "`iam:PolicyARN` restricts it to that one policy.",
    "S3LifecycleConfigurationRule": "Fixed: log-delivery buckets expire logs (`access_log_expiration`).",
    "S3ObjectVersioningRule": "As CKV_AWS_21: write-once log buckets and reproducible build artifacts.",
}


@dataclass(frozen=True)
class Ack:
    """One acknowledgement found in the construct tree."""

    owner: str  # the buttress construct class, or "example stacks"
    path: str  # construct path relative to the owner
    pack: str
    rule: str
    reason: str


def pack_of(rule_id: str) -> tuple[str, str]:
    """(pack, rule) of an acknowledgement id as aws-cdk-lib records it."""
    rule_id = rule_id.removeprefix("Annotation::").removeprefix("annotation::")
    if rule_id.startswith(GUARD_PREFIX):
        return "Control Tower (cfn-guard)", rule_id.removeprefix(GUARD_PREFIX)
    for prefix in ("AwsSolutions", "NIST.800.53.R5", "HIPAA.Security", "PCI.DSS.321", "Serverless"):
        if rule_id.startswith(prefix + "-"):
            return prefix, rule_id
    return "CloudFormation validation", rule_id


def _construct_classes() -> tuple[type, ...]:
    from buttress import AlbFargateService, BudgetKillSwitch, FanoutTopic, Network, VpcCodeBuild

    return (Network, FanoutTopic, AlbFargateService, VpcCodeBuild, BudgetKillSwitch)


def owner_of(node: Any) -> tuple[str, str]:
    """(buttress construct class or "example stacks", path relative to it) of a construct."""
    from aws_cdk import Stack

    classes = _construct_classes()
    current: Any = node
    while current is not None:
        if isinstance(current, classes):
            owner_path: str = current.node.path  # type: ignore[attr-defined]
            rel = node.node.path[len(owner_path) :].lstrip("/")
            return type(current).__name__, rel or "(the construct)"
        if isinstance(current, Stack):
            break
        current = current.node.scope
    return "example stacks", node.node.path


def acknowledgements(app: Any) -> list[Ack]:
    """Every acknowledgement in the app's construct tree."""
    acks = []
    for node in app.node.find_all():
        for entry in node.node.metadata:
            if entry.type != ACK_KEY or not entry.data:
                continue
            owner, rel = owner_of(node)
            for rule_id, reason in entry.data.items():
                pack, rule = pack_of(rule_id)
                acks.append(Ack(owner, rel, pack, rule, reason))
    return acks


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _rule_label(pack: str, rule: str) -> str:
    return f"cfn-guard `{rule}`" if pack.startswith("Control Tower") else f"`{rule}`"


def _ack_section(acks: Iterable[Ack]) -> list[str]:
    """One row per construct and reason: the rules it acknowledges (every pack) and where."""
    grouped: dict[str, dict[str, tuple[set[str], set[str]]]] = defaultdict(dict)
    for ack in acks:
        rules, paths = grouped[ack.owner].setdefault(ack.reason, (set(), set()))
        rules.add(_rule_label(ack.pack, ack.rule))
        paths.add(ack.path)
    order = [c.__name__ for c in _construct_classes()] + ["example stacks"]
    lines = ["## Acknowledgements and suppressions, per construct", ""]
    for owner in [o for o in order if o in grouped]:
        title = f"`{owner}`" if owner != "example stacks" else "Example stacks' own resources"
        lines += [f"### {title}", "", "| rules | on | reason |", "|---|---|---|"]
        rows = sorted(grouped[owner].items(), key=lambda item: (sorted(item[1][1]), sorted(item[1][0]), item[0]))
        for reason, (rules, paths) in rows:
            on = ", ".join(f"`{p}`" for p in sorted(paths))
            lines.append(f"| {', '.join(sorted(rules))} | {on} | {_cell(reason)} |")
        lines.append("")
    return lines


def wildcard_permissions(app: Any, templates: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """A table row per IAM statement with ``Resource: "*"`` in an identity policy, with its reason."""
    by_path: dict[str, Any] = {node.node.path: node for node in app.node.find_all()}
    reasons = {}
    for node in app.node.find_all():
        for entry in node.node.metadata:
            if entry.type == ACK_KEY and entry.data:
                for rule_id, reason in entry.data.items():
                    if rule_id.endswith("IAM5[Resource::*]"):
                        reasons[node.node.path] = reason
    rows = []
    for _stack, template in sorted(templates.items()):
        for resource in template.get("Resources", {}).values():
            if resource["Type"] not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                continue
            path = resource.get("Metadata", {}).get("aws:cdk:path", "")
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                if statement.get("Resource") != "*" or statement.get("Effect") != "Allow":
                    continue
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                node = by_path.get(path.removesuffix("/Resource")) or by_path.get(path)
                owner = owner_of(node)[0] if node is not None else "example stacks"
                reason = next(
                    (reasons[p] for p in _ancestors(path) if p in reasons), "(no IAM5 acknowledgement: see cdk-nag)"
                )
                rows.append(f"| {owner} | `{path}` | {', '.join(f'`{a}`' for a in actions)} | {_cell(reason)} |")
    return rows


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _scan_section(scan: list[Mapping[str, str]]) -> list[str]:
    lines = ["## External scanners on the example stacks", ""]
    if not scan:
        return [*lines, "No recorded scan: run `make scan`.", ""]
    stacks = sorted({f["stack"] for f in scan})
    lines += ["| stack | checkov failed | cfripper findings |", "|---|---:|---:|"]
    for stack in stacks:
        checkov = sum(1 for f in scan if f["stack"] == stack and f["scanner"] == "checkov")
        cfripper = sum(1 for f in scan if f["stack"] == stack and f["scanner"] == "cfripper")
        lines.append(f"| {stack} | {checkov} | {cfripper} |")
    lines += ["", "Why each remaining finding does not apply:", ""]
    lines += ["| scanner | rule | findings | where | why it does not apply |", "|---|---|---:|---|---|"]
    by_rule: dict[tuple[str, str], list[str]] = defaultdict(list)
    for f in scan:
        by_rule[(f["scanner"], f["rule"])].append(f"{f['stack']}/{f['resource']}")
    for (scanner, rule), where in sorted(by_rule.items()):
        reason = SCANNER_REASONS.get(rule, "(not yet reviewed)")
        shown = ", ".join(f"`{w}`" for w in sorted(where)[:6]) + (" ..." if len(where) > 6 else "")
        lines.append(f"| {scanner} | {rule} | {len(where)} | {shown} | {_cell(reason)} |")
    return [*lines, ""]


HEADER = """# Security and compliance

<!-- Generated by `make security-docs` (scripts/security_docs.py) from the example app and the
scan recorded by `make scan` (docs/scan-results.json); tests/test_security_docs.py keeps it current. -->

Every synthesis of the example app (`make synth`, `make test`) runs five cdk-nag rule packs
(AwsSolutions, NIST 800-53 rev 5, HIPAA Security, PCI DSS 3.2.1, Serverless) and the AWS Control
Tower proactive controls (cfn-guard, `cdklabs-cdk-validator-cfnguard`); any finding that is not
acknowledged fails it. The same checks in your app, after its stacks are built:

```python
from aws_cdk import Validations
from buttress import compliance

Validations.of(app).add_plugins(*compliance.plugins(app))  # needs cdk-nag and cdklabs-cdk-validator-cfnguard
```

buttress's constructs acknowledge a rule only on the one resource it does not apply to, with the
reason below, through `buttress.parts.nag`; a cfn-guard rule is acknowledged the same way, with the
id `cdk-validator-cfnguard::<rule>` (aws-cdk-lib matches it by construct path; the Control Tower rules
honour no template metadata). Where a rule asks for something you may want at a cost, it is a prop.

`make scan` runs checkov and cfripper on `cdk.out` from their own virtual environment and records
their findings in `docs/scan-results.json`, summarised at the end of this page.
"""


#: (option, constructs, what it closes, what it costs) for the options table.
OPTIONS: list[tuple[str, str, str, str]] = [
    (
        "`alarm_action`",
        "`FanoutTopic`, `BudgetKillSwitch` (default: its operator topic)",
        "alarms without an action (CT.CLOUDWATCH.PR.1, CloudWatchAlarmAction)",
        "SNS notifications",
    ),
    (
        "`log_key`",
        "`Network`, `AlbFargateService`, `BudgetKillSwitch` (`VpcCodeBuild` always uses its `encryption_key`)",
        "log groups without a customer-managed key (CT.CLOUDWATCH.PR.3, CloudWatchLogGroupEncrypted, CKV_AWS_158)",
        "$1/month per key plus requests; the key policy gains a CloudWatch Logs statement",
    ),
    ("`table_key`", "`BudgetKillSwitch`", "the records table on an AWS-managed key (CKV_AWS_119)", "$1/month per key"),
    ("`log_retention` of a year or more", "every construct with a log group", "CT.CLOUDWATCH.PR.2", "log storage"),
    (
        "`access_log_expiration` (default one year)",
        "`AlbFargateService`, `VpcCodeBuild`",
        "buckets without lifecycle rules (CT.S3.PR.6, cfripper S3LifecycleConfigurationRule)",
        "none: storage stays bounded",
    ),
    (
        "`deletion_protection=True`",
        "`AlbFargateService`",
        "CT.ELASTICLOADBALANCING.PR.5, ELBDeletionProtectionEnabled",
        "the stack cannot delete the load balancer until it is turned off",
    ),
    ("`reserved_concurrency`", "`BudgetKillSwitch`", "LambdaConcurrency", "capacity from the unreserved pool"),
    ("a certificate (HTTPS)", "`AlbFargateService`", "every plain-HTTP finding", "an ACM certificate (free)"),
]


def _options_section() -> list[str]:
    lines = ["## Options that close findings, and what they cost", ""]
    lines += ["| option | on | closes | cost |", "|---|---|---|---|"]
    return [*lines, *(f"| {a} | {b} | {c} | {d} |" for a, b, c, d in OPTIONS), ""]


def render(app: Any, templates: Mapping[str, Mapping[str, Any]], scan: list[Mapping[str, str]]) -> str:
    """docs/security.md for a synthesized ``app``, its templates and the recorded scan findings."""
    acks = acknowledgements(app)
    lines = [HEADER, *_options_section(), *_ack_section(acks)]
    lines += ["## IAM permissions on `*`", ""]
    lines += [
        "Identity-policy statements that allow actions on every resource, with the reason the construct "
        "gives (KMS key policies, where `*` is the key itself, are not listed).",
        "",
        "| construct | policy | actions | why |",
        "|---|---|---|---|",
        *wildcard_permissions(app, templates),
        "",
    ]
    lines += _scan_section(scan)
    return "\n".join(lines).rstrip() + "\n"


def load_scan(path: Path = SCAN_RESULTS) -> list[Mapping[str, str]]:
    data: list[Mapping[str, str]] = json.loads(path.read_text()) if path.exists() else []
    return data


def main() -> int:
    sys.path.insert(0, str(REPO))
    from app import build_app

    app = build_app(outdir=tempfile.mkdtemp(prefix="buttress-security-"))
    assembly = app.synth()
    templates = {stack.stack_name: stack.template for stack in assembly.stacks}
    SECURITY_MD.write_text(render(app, templates, load_scan()))
    print(f"wrote {SECURITY_MD.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
