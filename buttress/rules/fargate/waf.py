"""AWS WAF: a web ACL built here, an existing regional one, or none with a reason.

Pure rules of ``AlbFargateService``, no CDK import; each raises ``invalid(prop, value, allowed)``.
"""

from __future__ import annotations

import re

from buttress.errors import invalid
from buttress.rules import props

_WAF_ARN = re.compile(
    r"^arn:aws[a-z-]*:wafv2:([a-z0-9-]+):\d{12}:(regional|global)/webacl/[A-Za-z0-9_-]{1,128}/[a-f0-9-]+$"
)
#: Requests per evaluation window (5 minutes) a client IP may send before the rate-based rule blocks it.
DEFAULT_RATE_LIMIT = 2000


def check_waf(
    *,
    mode: object,
    web_acl_arn: object,
    rate_limit: object,
    reason: object,
    stack_region: str | None,
    arn_known: bool = True,
) -> None:
    """One of: a web ACL built here (``rate_limit``), an existing regional ACL by ARN, or none with a reason.

    ``arn_known=False``: the ARN is a token (resolved at deploy time), so only its type is checked.
    """
    if mode == "MANAGED":
        props.integer(
            "waf.rate_limit",
            rate_limit,
            low=10,
            high=2_000_000_000,
            allowed="requests per 5 minutes per client IP, from 10 to 2,000,000,000",
        )
        return
    if mode == "EXISTING":
        arn = props.string("waf.web_acl_arn", web_acl_arn)
        if not arn_known:
            return
        match = _WAF_ARN.match(arn)
        if match is None or match.group(2) != "regional":
            raise invalid(
                "waf.web_acl_arn",
                arn,
                "the ARN of a REGIONAL WAFv2 web ACL (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>); "
                "CLOUDFRONT (global) web ACLs cannot protect a load balancer",
            )
        if stack_region is not None and match.group(1) != stack_region:
            raise invalid("waf.web_acl_arn", arn, f"a web ACL in the stack's region ({stack_region})")
        return
    text = props.string("waf.reason", reason)
    if len(text.strip()) < 10:
        raise invalid("waf.reason", text, "why the load balancer needs no WAF, in a sentence (at least 10 characters)")
