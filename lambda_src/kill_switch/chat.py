"""The summary as a chat channel reads it: an AWS Chatbot custom notification.

Chatbot shows only the events it knows and custom notifications of this schema
(https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html); the e-mail
subscribers keep the plain JSON summary. One publish carries both (``MessageStructure=json``:
``default`` for e-mail, ``https`` for Chatbot's subscription).
"""

from __future__ import annotations

import json
from typing import Any

from .plan import Summary


def custom_notification(summary: Summary, budget_name: str) -> dict[str, Any]:
    """``{"version": "1.0", "source": "custom", "content": {...}}`` for ``summary``."""
    mode = " (dry run)" if summary.dry_run else ""
    lines = [
        f"{kind}: {counts.get('changed', 0)} changed, {counts.get('failed', 0)} failed, "
        f"{counts.get('deferred', 0)} deferred"
        for kind, counts in sorted(summary.counts.items())
    ]
    origin = ", ".join(f"{k} {v}" for k, v in (("source", summary.source), ("stage", summary.stage)) if v)
    return {
        "version": "1.0",
        "source": "custom",
        "content": {
            "textType": "client-markdown",
            "title": f"Kill switch {summary.action}{mode}: {budget_name}"[:250],
            "description": "\n".join(([origin] if origin else []) + lines)[:8000],
        },
    }


def publish_kwargs(summary: Summary, budget_name: str, switch_id: str) -> dict[str, Any]:
    """``Message`` and ``MessageStructure`` for one publish that reads well in e-mail and chat."""
    return {
        "MessageStructure": "json",
        "Message": json.dumps(
            {
                "default": summary.message(switch_id),
                "https": json.dumps(custom_notification(summary, budget_name)),
            }
        ),
    }
