"""Where the integration suite's stacks live: moto's server on loopback, or the caller's AWS account.

The behaviour tests are written once against :class:`Target`: boto3 clients, the deployed stacks'
outputs and templates, and :meth:`Target.require`, which skips an assertion moto cannot honour
(``tests/integ/assertions.py`` says why). The local target is deployed by the pinned CDK CLI exactly
as ``make deploy-local`` deploys (``scripts/deploy_local``), then :func:`fill_template_gaps` does
what moto's CloudFormation layer accepts but does not do.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.integ.assertions import BY_ID
from tests.integ.names import stack_name

#: Environment variables the runner (``make integ``) sets for the pytest session it starts.
TARGET_VARIABLE = "BUTTRESS_INTEG_TARGET"  # "local" (default) or "account"
RUN_ID_VARIABLE = "BUTTRESS_INTEG_RUN_ID"
ASSEMBLIES_VARIABLE = "BUTTRESS_INTEG_ASSEMBLIES"  # the runner's synthesized (and deployed) apps
BASE_VARIABLE = "BUTTRESS_INTEG_BASE"  # the git ref the stacks were updated from, if any
APPS_VARIABLE = "BUTTRESS_INTEG_APPS"  # comma-separated apps the runner deployed (default: all)

#: Marks a test of the offline guard (snapshots, the runner without an account): not part of ``make integ``.
offline_only = pytest.mark.skipif(
    os.environ.get(TARGET_VARIABLE, "local") == "account", reason="offline guard: runs in make test / integ-local"
)

#: What the local target fills in after moto's CloudFormation deployed a stack (see :func:`fill_template_gaps`).
TEMPLATE_GAPS = {
    "AWS::SNS::Subscription": "moto's CloudFormation has no model for it: subscribed with the template's "
    "properties (protocol, endpoint, filter policy and scope, raw delivery, redrive policy)",
    "AWS::IAM::Group": "moto's CloudFormation has no model for it: created with the template's GroupName",
    "AWS::Lambda::Function Tags": "moto's CloudFormation creates functions without their tags: tagged with the "
    "template's",
}


@dataclass
class Target:
    """One place the integ apps are deployed: ``kind`` is ``"local"`` (moto) or ``"account"``."""

    kind: str
    run_id: str
    region: str
    endpoint: str | None = None
    apps: tuple[str, ...] = ()
    base: str = ""
    _outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def local(self) -> bool:
        return self.kind == "local"

    def client_kwargs(self) -> dict[str, Any]:
        if self.endpoint is None:
            return {"region_name": self.region}
        return {
            "region_name": self.region,
            "endpoint_url": self.endpoint,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, **self.client_kwargs())  # type: ignore[call-overload]

    def session(self) -> Any:
        """A session-like object (``.client(name, **kw)``, ``.region_name``) bound to this target."""
        return _BoundSession(self)

    def require(self, assertion: str) -> None:
        """Skip the calling test where this target cannot honour ``assertion`` (or did not deploy its app)."""
        item = BY_ID[assertion]
        if self.local and item.moto_gap:
            pytest.skip(f"{assertion}: moto cannot honour it ({item.moto_gap}); `make integ` asserts it")
        if item.app != "all" and item.app not in self.apps:
            pytest.skip(f"{assertion}: the {item.app} app was not deployed in this run")

    def stack(self, app: str) -> str:
        return stack_name(app, self.run_id)

    def outputs(self, app: str) -> dict[str, str]:
        """The outputs of ``app``'s deployed stack, by key."""
        if app not in self._outputs:
            described = self.client("cloudformation").describe_stacks(StackName=self.stack(app))["Stacks"][0]
            self._outputs[app] = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
        return self._outputs[app]

    def status(self, app: str) -> str:
        stacks = self.client("cloudformation").describe_stacks(StackName=self.stack(app))["Stacks"]
        return str(stacks[0]["StackStatus"])


class _BoundSession:
    """What the kill switch's ``clients_from`` needs of a boto3 session, bound to a target's endpoint."""

    def __init__(self, target: Target) -> None:
        self._target = target
        self.region_name = target.region

    def client(self, service: str, **kwargs: Any) -> Any:
        import boto3

        options = {**self._target.client_kwargs(), **kwargs}
        return boto3.client(service, **options)  # type: ignore[call-overload]


def target_from_environment(*, endpoint: str | None = None, apps: tuple[str, ...] = ()) -> Target:
    """The target this session runs against: the runner's account settings, or moto at ``endpoint``."""
    from tests.integ.names import OFFLINE_RUN_ID

    if os.environ.get(TARGET_VARIABLE, "local") == "account":
        import boto3

        deployed = os.environ.get(APPS_VARIABLE, "")
        return Target(
            kind="account",
            run_id=os.environ[RUN_ID_VARIABLE],
            region=str(boto3.session.Session().region_name),
            apps=tuple(deployed.split(",")) if deployed else apps,
            base=os.environ.get(BASE_VARIABLE, ""),
        )
    from scripts.deploy_local import REGION

    return Target(kind="local", run_id=OFFLINE_RUN_ID, region=REGION, endpoint=endpoint, apps=apps)


# -- filling moto's gaps ----------------------------------------------------------------------------


def fill_template_gaps(target: Target, app: str, template: Mapping[str, Any]) -> list[str]:
    """Do what moto's CloudFormation accepted but skipped for ``app``'s stack; what was done, one line each."""
    cfn = target.client("cloudformation")
    physical: dict[str, str] = {}
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=target.stack(app)):
        physical.update(
            {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in page["StackResourceSummaries"]}
        )
    resolver = _Resolver(template, physical, target)
    done = []
    sns, lambda_ = target.client("sns"), target.client("lambda")
    for logical_id, resource in template.get("Resources", {}).items():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::SNS::Subscription":
            attributes = {
                name: json.dumps(resolver.value(props[key])) if isinstance(props[key], dict) else str(props[key])
                for key, name in _SUBSCRIPTION_ATTRIBUTES.items()
                if key in props
            }
            attributes = {k: v.lower() if v in ("True", "False") else v for k, v in attributes.items()}
            sns.subscribe(
                TopicArn=resolver.value(props["TopicArn"]),
                Protocol=props["Protocol"],
                Endpoint=resolver.value(props["Endpoint"]),
                Attributes=attributes,
            )
            done.append(f"subscribed {logical_id}")
        elif resource.get("Type") == "AWS::Lambda::Function" and props.get("Tags") and logical_id in physical:
            arn = lambda_.get_function_configuration(FunctionName=physical[logical_id])["FunctionArn"]
            lambda_.tag_resource(Resource=arn, Tags={t["Key"]: t["Value"] for t in props["Tags"]})
            done.append(f"tagged {logical_id}")
        elif resource.get("Type") == "AWS::IAM::Group" and isinstance(props.get("GroupName"), str):
            target.client("iam").create_group(GroupName=props["GroupName"])
            done.append(f"created {logical_id}")
    return done


_SUBSCRIPTION_ATTRIBUTES = {
    "FilterPolicy": "FilterPolicy",
    "FilterPolicyScope": "FilterPolicyScope",
    "RawMessageDelivery": "RawMessageDelivery",
    "RedrivePolicy": "RedrivePolicy",
}


@dataclass
class _Resolver:
    """Resolves the intrinsics a subscription uses (``Ref`` and ``Fn::GetAtt ... Arn``) to moto's values."""

    template: Mapping[str, Any]
    physical: Mapping[str, str]
    target: Target

    def value(self, node: Any) -> Any:
        if isinstance(node, dict) and "Ref" in node:
            return self.physical[node["Ref"]]
        if isinstance(node, dict) and "Fn::GetAtt" in node:
            logical_id, attribute = node["Fn::GetAtt"]
            return self._arn(logical_id) if attribute == "Arn" else self._unsupported(node)
        if isinstance(node, dict):
            return {k: self.value(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.value(v) for v in node]
        return node

    def _arn(self, logical_id: str) -> str:
        type_ = self.template["Resources"][logical_id]["Type"]
        physical = self.physical[logical_id]
        if type_ == "AWS::SQS::Queue":  # the physical id is the URL
            attributes = self.target.client("sqs").get_queue_attributes(QueueUrl=physical, AttributeNames=["QueueArn"])
            return str(attributes["Attributes"]["QueueArn"])
        if type_ == "AWS::Lambda::Function":
            return str(self.target.client("lambda").get_function_configuration(FunctionName=physical)["FunctionArn"])
        return physical

    def _unsupported(self, node: Any) -> Any:
        raise ValueError(f"the local target cannot resolve {node}")
