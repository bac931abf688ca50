"""The organization-wide stop: the switch's service control policy on accounts and OUs.

A target is an account id or an OU id; its state is ``{"attached": bool}``: whether *the switch's*
policy (``config.scp_policy_id``) is attached to it. Engage records that before attaching, and a
record exists only where the switch attached it, so restore detaches exactly those and never a
policy an administrator attached (another policy is never read, attached or detached; the
switch's policy attached by hand before the breach is recorded as not the switch's doing).
https://docs.aws.amazon.com/organizations/latest/APIReference/API_AttachPolicy.html
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from .config import Config
from .plan import Target
from .retry import with_backoff


def attached(organizations: Any, config: Config, target: Target) -> bool:
    """Whether the switch's policy is attached to ``target`` (ListTargetsForPolicy, all pages)."""
    paginator = organizations.get_paginator("list_targets_for_policy")
    pages = with_backoff(lambda: list(paginator.paginate(PolicyId=config.scp_policy_id)))
    return any(t.get("TargetId") == target.ident for page in pages for t in page.get("Targets", []))


def apply(organizations: Any, config: Config, target: Target, *, attach: bool) -> None:
    """Attach or detach the switch's policy on ``target``; idempotent (already so is success)."""
    call = organizations.attach_policy if attach else organizations.detach_policy
    done = "DuplicatePolicyAttachmentException" if attach else "PolicyNotAttachedException"
    try:
        with_backoff(lambda: call(PolicyId=config.scp_policy_id, TargetId=target.ident))
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != done:
            raise
