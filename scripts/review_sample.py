"""The sample report of docs/review.md: ``buttress-review`` on a scripted pull request.

BASE is two example stacks as synthesized (``tests/fixtures/review_sample/``, frozen copies of their
snapshots, so the sample does not move with every template change); HEAD is BASE with the change a
careless pull request could make: the kill-switch records table gets a fixed name (create-only:
replaced), a log group is renamed by moving its construct (a new logical id), the internal api's
load balancer is opened to the internet, an execution role gets ``logs:*`` on ``*``, the web
service scales from a higher minimum, the internal api moves to Fargate Spot (its service is
replaced), and a health-check timeout is set beyond what Elastic Load Balancing accepts. The team
has acknowledged the log group's move (``ACKNOWLEDGEMENTS``, as review-acknowledgements.json
would). ``python -m scripts.review_sample`` rewrites the block between the markers in
docs/review.md; ``tests/test_review_docs.py`` fails when it is stale.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

from buttress.tools.findings import cfn_lint_findings
from buttress.tools.review import Acknowledgement, render_markdown, review_templates

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "review_sample"
DOC = REPO / "docs" / "review.md"
BEGIN, END = "<!-- review-sample:begin -->", "<!-- review-sample:end -->"
CFN_LINT_IGNORE = ["W3005"]  # as tests/cfn_lint_ignore.txt

Templates = dict[str, dict[str, Any]]
ACKNOWLEDGEMENTS = [
    Acknowledgement(
        "ButtressCostGuard",
        "BetaKillSwitchRestoreLogs1DB60143",
        "stateful",
        "restore logs moved; the old group is retained and expires by itself",
        "review-acknowledgements.json",
    )
]


def base_templates() -> Templates:
    return {p.name.removesuffix(".template.json"): json.loads(p.read_text()) for p in sorted(FIXTURES.glob("*.json"))}


def _rename(template: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    text = json.dumps(template).replace(f'"{old}"', f'"{new}"')
    renamed: dict[str, Any] = json.loads(text)
    return renamed


def head_templates(base: Templates) -> Templates:
    """BASE with the sample pull request applied."""
    head = copy.deepcopy(base)
    guard = head["ButtressCostGuard"]
    guard["Resources"]["BetaKillSwitchRecords0249916D"]["Properties"]["TableName"] = "kill-switch-records"
    head["ButtressCostGuard"] = _rename(guard, "BetaKillSwitchRestoreLogs1DB60143", "RestoreLogs0A1B2C3D")
    web = head["ButtressWebService"]["Resources"]
    web["ApiLoadBalancerSecurityGroup0EC682A9"]["Properties"]["SecurityGroupIngress"] = [
        {"CidrIp": "0.0.0.0/0", "Description": "debugging from home", "FromPort": 80, "IpProtocol": "tcp", "ToPort": 80}
    ]
    policy = web["WebTaskDefinitionExecutionRoleDefaultPolicy79D98D92"]["Properties"]["PolicyDocument"]
    policy["Statement"][0].update(Action="logs:*", Resource="*")
    web["WebServiceTaskCountTargetF7BAB0BC"]["Properties"]["MinCapacity"] = 4
    web["WebTargetGroupFE6444AE"]["Properties"]["HealthCheckTimeoutSeconds"] = 200
    api = web["ApiServiceD5B4A50A"]["Properties"]
    del api["LaunchType"]
    api["CapacityProviderStrategy"] = [{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}]
    return head


def sample_report() -> str:
    base = base_templates()
    head = head_templates(base)
    review = review_templates(
        base,
        head,
        base_label="main",
        head_label="pull request",
        base_findings=cfn_lint_findings(base, ignore=CFN_LINT_IGNORE),
        head_findings=cfn_lint_findings(head, ignore=CFN_LINT_IGNORE),
    )
    review.acknowledgements = list(ACKNOWLEDGEMENTS)
    return render_markdown(review)


def documented_sample(doc: str) -> str:
    start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    return doc[start:end].strip("\n")


def main() -> int:
    doc = DOC.read_text()
    start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
    DOC.write_text(doc[:start] + "\n" + sample_report().rstrip("\n") + "\n" + doc[end:])
    print(f"updated the sample report in {DOC.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
