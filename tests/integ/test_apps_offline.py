"""The offline guard of the integ apps: they synthesize (compliance plugins on), match their snapshots,
tag everything with the run id and leave nothing behind; the docs list every assertion."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

from tests.integ.apps import APPS, OFFLINE_RUN_ID, RUN_TAG
from tests.integ.assertions import ASSERTIONS, markdown_table
from tests.integ.target import offline_only

pytestmark = [pytest.mark.xdist_group("integ"), offline_only]

REPO = Path(__file__).resolve().parent.parent.parent
DOCS = REPO / "docs" / "integration.md"
POLICY = REPO / "docs" / "integration-runner-policy.json"


@pytest.fixture
def snapshot_json(snapshot: Any) -> Any:
    return snapshot.use_extension(JSONSnapshotExtension)


def normalized(outdir: Path, template: dict[str, Any]) -> dict[str, Any]:
    """The template with asset hashes replaced by the asset's display name (stable across code changes)."""
    text = json.dumps(template, sort_keys=True)
    for manifest in outdir.glob("*.assets.json"):
        for asset_hash, entry in json.loads(manifest.read_text()).get("files", {}).items():
            if not entry["source"]["path"].endswith(".template.json"):
                text = text.replace(asset_hash, f"<asset:{entry.get('displayName', 'file')}>")
    result: dict[str, Any] = json.loads(text)
    return result


@pytest.mark.parametrize("app", list(APPS))
def test_snapshot(
    app: str, integ_assemblies: dict[str, Path], integ_templates: dict[str, Any], snapshot_json: Any
) -> None:
    """One JSON snapshot per integ app: a change to what the suite deploys is a reviewed change."""
    assert normalized(integ_assemblies[app], integ_templates[app]) == snapshot_json


@pytest.mark.parametrize("app", list(APPS))
def test_compliance_plugins_pass(app: str, integ_assemblies: dict[str, Path]) -> None:
    """The apps were synthesized with buttress.compliance.plugins (a finding fails synth): all passed."""
    report = json.loads((integ_assemblies[app] / "validation-report.json").read_text())
    assert report["pluginReports"], "no compliance plugin ran"
    assert {r["conclusion"] for r in report["pluginReports"]} == {"success"}


def _tags(properties: dict[str, Any]) -> dict[str, str]:
    tags = properties.get("Tags", {})
    if isinstance(tags, list):  # most types: [{"Key": ..., "Value": ...}]
        return {t["Key"]: t["Value"] for t in tags}
    return dict(tags)  # a few (SSM parameters): a map


def _taggable(types: set[str]) -> set[str]:
    """Those of ``types`` whose CloudFormation schema (as cfn-lint ships it) has a Tags property."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    return {
        type_
        for type_ in types
        if "Tags" in PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", type_).schema.get("properties", {})
    }


def test_every_taggable_resource_carries_the_run_id(integ_templates: dict[str, Any]) -> None:
    """So ``make integ-clean`` finds any leftover of a run by its tag."""
    taggable = _taggable({r["Type"] for t in integ_templates.values() for r in t["Resources"].values()})
    untagged = [
        f"{app}/{logical_id} ({resource['Type']})"
        for app, template in integ_templates.items()
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] in taggable and _tags(resource.get("Properties", {})).get(RUN_TAG) != OFFLINE_RUN_ID
    ]
    assert untagged == []


def test_destroy_leaves_nothing_behind(integ_templates: dict[str, Any]) -> None:
    """Nothing is retained on delete: a run's destroy removes (or schedules the deletion of) all it made."""
    retained = [
        f"{app}/{logical_id}"
        for app, template in integ_templates.items()
        for logical_id, resource in template["Resources"].items()
        if resource.get("DeletionPolicy", "Delete") not in ("Delete",)
    ]
    assert retained == []


def test_docs_list_every_assertion_and_what_moto_honours() -> None:
    text = DOCS.read_text()
    assert markdown_table() in text, "docs/integration.md: paste tests.integ.assertions.markdown_table()"
    assert {a.id for a in ASSERTIONS} <= {line.split("`")[1] for line in text.splitlines() if line.startswith("| `")}


def test_runner_policy_covers_every_service_the_apps_deploy(integ_templates: dict[str, Any]) -> None:
    """The runner's policy names every service whose API the tests call, and what the CDK CLI needs
    (CloudFormation, SSM for the bootstrap version, S3 for assets, STS to assume the bootstrap roles)."""
    policy = json.loads(POLICY.read_text())
    actions = {a for s in policy["Statement"] if s["Effect"] == "Allow" for a in _list(s["Action"])}
    services = {a.split(":")[0] for a in actions}
    assert {"cloudformation", "sts", "ssm", "s3", "iam"} <= services
    called = {"sns", "sqs", "lambda", "dynamodb", "iam", "logs", "ecs", "ec2", "elasticloadbalancing", "codebuild"}
    assert called <= services, called - services
    assert "tag:GetResources" in actions


def _list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)
