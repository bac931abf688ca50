"""The KMS key statements of a ``FanoutTopic``, and the statements other owners must add.

SNS encrypts with the topic's key what publishers send, and with the queue key what it delivers
to encrypted queues (SNS Developer Guide, "Encryption at rest":
https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html). A key or a queue this
app does not manage (imported, another account's) cannot be changed here: the statement is
printed for its owner instead (``[buttress:ownerMustAdd]`` and a stack output).
"""

from __future__ import annotations

import json
import re
from typing import Any

from aws_cdk import Annotations, ArnFormat, CfnOutput, RemovalPolicy, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from buttress.parts.keys import limit_grants_to_aws_services
from buttress.rules.fanout import SERVICE_PUBLISHERS

_ARN = ArnFormat.NO_RESOURCE_NAME


def new_key(
    scope: Construct, id_: str, description: str, *, removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
) -> kms.Key:
    """A customer-managed key, rotation on, that grants act through AWS services only."""
    key = kms.Key(scope, id_, description=description, enable_key_rotation=True, removal_policy=removal_policy)
    limit_grants_to_aws_services(key)
    return key


def publisher_statements(principal: str, account: str, topic_arn: str) -> tuple[iam.PolicyStatement, ...]:
    """The key and topic statements that let the AWS service ``principal`` publish, as its page says.

    Where the page allows it (:data:`buttress.rules.fanout.SERVICE_PUBLISHERS`), ``aws:SourceAccount``
    keeps another account from making the service publish here (confused deputy):
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceaccount
    """
    service = iam.ServicePrincipal(principal)
    rule = SERVICE_PUBLISHERS[principal]
    source_account = {"StringEquals": {"aws:SourceAccount": account}} if rule.source_account else None
    sid = f"Publisher{_sid(principal)}"
    key_statement = iam.PolicyStatement(
        sid=sid,
        principals=[service],
        actions=["kms:GenerateDataKey*", "kms:Decrypt"],
        resources=["*"],
        conditions=source_account,
    )
    topic_statement = iam.PolicyStatement(
        sid=sid, principals=[service], actions=["sns:Publish"], resources=[topic_arn], conditions=source_account
    )
    return key_statement, topic_statement


def _sid(principal: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^a-z0-9]", principal.removesuffix(".amazonaws.com")))


class KeyPolicies:
    """Adds the key statements of one topic, or prints them for the owner of a key or queue it cannot change.

    :param scope: the topic construct (annotations and ``OwnerMustAdd<n>`` outputs go there).
    :param topic: the topic SNS delivers for.
    :param topic_key: the key that encrypts the topic (``None``: an existing topic imported without its key).
    :param shares_key: ``topic_key`` was given (``key=``) and also encrypts the topic's queues.
    :param topic_name: the topic's physical name, if given.
    """

    def __init__(
        self,
        scope: Construct,
        topic: sns.ITopic,
        topic_key: kms.IKey | None,
        *,
        shares_key: bool,
        topic_name: str | None,
    ) -> None:
        self._scope = scope
        self._topic = topic
        self._topic_key = topic_key
        self._shares_key = shares_key
        self._topic_name = topic_name
        self._outputs = 0

    def allow_sns(self, key: kms.IKey) -> None:
        """Let SNS encrypt with ``key`` what it delivers for this topic only."""
        self.add_statement(key, self.sns_statement(key))

    def sns_statement(self, key: kms.IKey | None) -> iam.PolicyStatement:
        """The statement that lets SNS use ``key`` (``None``: a key not known here) for this topic only."""
        return iam.PolicyStatement(
            principals=[iam.ServicePrincipal("sns.amazonaws.com")],
            actions=["kms:Decrypt", "kms:GenerateDataKey"],
            resources=["*"],
            conditions=self._source_topic_condition(key),
        )

    def add_statement(self, key: kms.IKey | None, statement: iam.PolicyStatement) -> None:
        """Add ``statement`` to ``key``'s policy; for an imported or unknown key, say what its owner must add."""
        if key is None:
            self.owner_must_add("key policy (if it is a customer-managed key)", "the topic's key", statement)
        elif not key.add_to_resource_policy(statement).statement_added:
            self.owner_must_add("key policy", f"the key {key.key_arn}", statement)

    def add_topic_statement(self, statement: iam.PolicyStatement) -> None:
        """Add ``statement`` to the topic's policy; for a topic this app did not create, print it for its owner."""
        if not self._topic.add_to_resource_policy(statement).statement_added:
            arn = self._topic.topic_arn
            topic = "the topic" if Token.is_unresolved(arn) else f"the topic {arn}"
            self.owner_must_add("topic policy", topic, statement)

    def owner_must_add(self, where: str, resource: str, statement: iam.PolicyStatement) -> None:
        """Print (info annotation, and a stack output resolved at deploy) a statement another owner must add."""
        stack = Stack.of(self._scope)
        policy = json.dumps(stack.resolve(statement.to_statement_json()), sort_keys=True)
        Annotations.of(self._scope).add_info(
            f"[buttress:ownerMustAdd] {resource} is not managed by this app: its owner must add this statement "
            f"to its {where}: {policy}"
        )
        self._outputs += 1
        CfnOutput(
            self._scope,
            f"OwnerMustAdd{self._outputs}",
            description=f"Statement the owner of {resource} must add to its {where} (JSON)"[:1000],
            value=stack.to_json_string(statement.to_statement_json()),
        )

    def _source_topic_condition(self, key: kms.IKey | None) -> dict[str, Any]:
        """``aws:SourceArn`` = this topic; without a reference to the topic when ``key`` encrypts it too.

        The topic names its key, so the key's policy naming the topic would be a dependency cycle:
        a shared key names the topic by the ARN its name gives, or (a generated name) any topic of
        this account and region.
        """
        if key is not self._topic_key or not self._shares_key:
            return {"ArnEquals": {"aws:SourceArn": self._topic.topic_arn}}
        stack = Stack.of(self._scope)
        name = self._topic_name
        if name is not None and not Token.is_unresolved(name):
            return {"ArnEquals": {"aws:SourceArn": stack.format_arn(service="sns", resource=name, arn_format=_ARN)}}
        return {"ArnLike": {"aws:SourceArn": stack.format_arn(service="sns", resource="*", arn_format=_ARN)}}
