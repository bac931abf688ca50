"""Chat: an AWS Chatbot (Amazon Q Developer in chat applications) channel on the operator topic.

The channel gets the switch's summaries (published for chat as Chatbot custom notifications, see
``lambda_src/kill_switch/chat.py``) and its alarms. Its role can do nothing unless
``allow_restore``: then it may invoke the restore function, and only that. The guardrail policy
(the ceiling of what anyone in the channel can do,
https://docs.aws.amazon.com/chatbot/latest/adminguide/understanding-permissions.html) denies
invoking the restore function unless restore from chat is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from buttress.errors import invalid
from buttress.fanout import FanoutTopic
from buttress.parts import nag
from buttress.rules import props

__all__ = ["ChatChannel", "build_chat"]

#: Slack workspace (team) and channel ids as Chatbot takes them (``T0123ABCD``, ``C0123ABCD``).
_SLACK_ID = re.compile(r"^[A-Z0-9]{1,255}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True)
class ChatChannel:
    """A Slack channel or a Microsoft Teams channel already authorized in the Chatbot console
    (the workspace or team must be onboarded there first; CloudFormation cannot do that)."""

    service: str
    channel_id: str
    workspace_id: str = ""
    team_id: str = ""
    tenant_id: str = ""
    allow_restore: bool = False

    @classmethod
    def slack(cls, *, workspace_id: str, channel_id: str, allow_restore: bool = False) -> ChatChannel:
        """A Slack channel (``workspace_id`` ``T...``, ``channel_id`` ``C...``)."""
        for prop, value in (("workspace_id", workspace_id), ("channel_id", channel_id)):
            if not isinstance(value, str) or not _SLACK_ID.match(value):
                raise invalid(f"ChatChannel.slack({prop})", value, "a Slack id: upper-case letters and digits")
        return cls(
            "slack", channel_id, workspace_id=workspace_id, allow_restore=props.boolean("allow_restore", allow_restore)
        )

    @classmethod
    def teams(cls, *, team_id: str, tenant_id: str, channel_id: str, allow_restore: bool = False) -> ChatChannel:
        """A Microsoft Teams channel (team and tenant UUIDs, the channel id from its link)."""
        for prop, value in (("team_id", team_id), ("tenant_id", tenant_id)):
            if not isinstance(value, str) or not _UUID.match(value):
                raise invalid(f"ChatChannel.teams({prop})", value, "a UUID")
        channel = props.string("ChatChannel.teams(channel_id)", channel_id)
        return cls(
            "teams",
            channel,
            team_id=team_id,
            tenant_id=tenant_id,
            allow_restore=props.boolean("allow_restore", allow_restore),
        )


def check_chat(value: object) -> ChatChannel | None:
    """``chat``: ``None`` or a :class:`ChatChannel`."""
    if value is not None and not isinstance(value, ChatChannel):
        raise invalid("chat", value, "ChatChannel.slack(...) or ChatChannel.teams(...)")
    return value


ChannelConfiguration = chatbot.CfnSlackChannelConfiguration | chatbot.CfnMicrosoftTeamsChannelConfiguration


def build_chat(
    scope: Construct, chat: ChatChannel | None, *, name: str, operator_topic: FanoutTopic, restore: lambda_.IFunction
) -> tuple[ChannelConfiguration | None, iam.ManagedPolicy | None]:
    """The channel configuration on the operator topic, its role and its guardrail policy (none
    without ``chat``)."""
    if chat is None:
        return None, None
    role = iam.Role(
        scope,
        "ChatRole",
        assumed_by=iam.ServicePrincipal("chatbot.amazonaws.com"),
        description="buttress kill-switch chat channel: nothing, or invoking the restore function only",
    )
    invoke = iam.PolicyStatement(
        sid="RestoreFromChat" if chat.allow_restore else "NoRestoreFromChat",
        effect=iam.Effect.ALLOW if chat.allow_restore else iam.Effect.DENY,
        actions=["lambda:InvokeFunction"],
        resources=[restore.function_arn],
    )
    guardrail = iam.ManagedPolicy(
        scope,
        "ChatGuardrail",
        description="Guardrail of the kill-switch chat channel: restore from chat "
        + ("allowed" if chat.allow_restore else "denied"),
        statements=[invoke],
    )
    if chat.allow_restore:
        role.add_to_policy(invoke)
        nag.acknowledge_rule(
            role,
            "IAMNoInlinePolicy",
            "The chat channel's own role with one statement: invoke this switch's restore function, nothing else.",
        )
    common: dict[str, Any] = {
        "configuration_name": name[:128],
        "iam_role_arn": role.role_arn,
        "guardrail_policies": [guardrail.managed_policy_arn],
        "sns_topic_arns": [operator_topic.topic.topic_arn],
        "logging_level": "ERROR",
    }
    if chat.service == "slack":
        config: ChannelConfiguration = chatbot.CfnSlackChannelConfiguration(
            scope, "ChatChannel", slack_channel_id=chat.channel_id, slack_workspace_id=chat.workspace_id, **common
        )
    else:
        config = chatbot.CfnMicrosoftTeamsChannelConfiguration(
            scope,
            "ChatChannel",
            team_id=chat.team_id,
            teams_channel_id=chat.channel_id,
            teams_tenant_id=chat.tenant_id,
            **common,
        )
    return config, guardrail
