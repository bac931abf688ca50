"""``Waf``: how AWS WAF protects the load balancer, and the web ACL built for ``Waf.managed()``."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, Names, RemovalPolicy, Stack
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from buttress.options import WafMode
from buttress.parts.log_groups import log_group
from buttress.rules import fargate as rules

#: Key of the load balancer's template metadata recording its WAF choice (and the reason for none).
WAF_METADATA = "buttress:waf"

#: AWS managed rule groups of the web ACL built by default, in evaluation order (no subscription fee).
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)


@dataclass(frozen=True)
class Waf:
    """How AWS WAF protects the load balancer: :meth:`managed` (the default of an internet-facing
    service), :meth:`existing` or :meth:`none` (with the reason).

    Build it with the class methods; the fields are what they record.
    """

    mode: WafMode
    rate_limit: int | None = None
    web_acl_arn: str | None = None
    reason: str | None = None

    @classmethod
    def managed(cls, *, rate_limit: int = rules.DEFAULT_RATE_LIMIT) -> Waf:
        """A web ACL built for this load balancer: AWS managed rule groups (IP reputation, common rule
        set, known bad inputs), a rate-based rule blocking a client IP above ``rate_limit`` requests per
        5 minutes (10 to 2,000,000,000; default 2000), logged to a CloudWatch log group ``aws-waf-logs-*``."""
        return cls(WafMode.MANAGED, rate_limit=rate_limit)

    @classmethod
    def existing(cls, web_acl_arn: str) -> Waf:
        """An existing REGIONAL web ACL (its ARN), e.g. one shared by many load balancers."""
        return cls(WafMode.EXISTING, web_acl_arn=web_acl_arn)

    @classmethod
    def none(cls, reason: str) -> Waf:
        """No web ACL; ``reason`` (a sentence) is recorded in the template metadata of the load balancer."""
        return cls(WafMode.NONE, reason=reason)


@dataclass(frozen=True)
class Protection:
    """What :func:`protect` built: the web ACL and its log group (``Waf.managed()``), and the ARN in force."""

    web_acl: wafv2.CfnWebACL | None
    log_group: logs.LogGroup | None
    web_acl_arn: str | None


def protect(
    scope: Construct,
    load_balancer: elbv2.ApplicationLoadBalancer,
    waf: Waf,
    *,
    retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
    key: kms.IKey | None,
) -> Protection:
    """The load balancer's WAF: the choice recorded in its metadata, a web ACL built or attached."""
    resource = load_balancer.node.default_child
    assert isinstance(resource, elbv2.CfnLoadBalancer)
    record: dict[str, str] = {"mode": waf.mode.value}
    acl: wafv2.CfnWebACL | None = None
    waf_logs: logs.LogGroup | None = None
    arn: str | None = None
    if waf.mode is WafMode.NONE:
        record["reason"] = waf.reason or ""
    elif waf.mode is WafMode.EXISTING:
        arn = waf.web_acl_arn
    else:
        acl = _web_acl(scope, waf.rate_limit or rules.DEFAULT_RATE_LIMIT)
        waf_logs = _web_acl_logging(scope, acl, retention=retention, removal_policy=removal_policy, key=key)
        arn = acl.attr_arn
    resource.add_metadata(WAF_METADATA, record)
    if arn is not None:
        wafv2.CfnWebACLAssociation(
            scope, "WebAclAssociation", resource_arn=load_balancer.load_balancer_arn, web_acl_arn=arn
        )
    return Protection(acl, waf_logs, arn)


def _web_acl(scope: Construct, rate_limit: int) -> wafv2.CfnWebACL:
    metric_prefix = Names.unique_id(scope)[-100:]
    return wafv2.CfnWebACL(
        scope,
        "WebAcl",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        description=f"{scope.node.path}: AWS managed rules and a per-IP rate limit",
        rules=_waf_rules(rate_limit, metric_prefix),
        visibility_config=_visibility(metric_prefix, "WebAcl"),
    )


def _web_acl_logging(
    scope: Construct,
    acl: wafv2.CfnWebACL,
    *,
    retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
    key: kms.IKey | None,
) -> logs.LogGroup:
    # WAF only logs to log groups whose name starts with aws-waf-logs-.
    waf_logs = log_group(
        scope,
        "WafLogs",
        log_group_name=f"aws-waf-logs-{Names.unique_id(scope)[-200:]}",
        retention=retention,
        removal_policy=removal_policy,
        key=key,
    )
    destination = Stack.of(scope).format_arn(
        service="logs",
        resource="log-group",
        resource_name=waf_logs.log_group_name,
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
    wafv2.CfnLoggingConfiguration(
        scope,
        "WafLogging",
        log_destination_configs=[destination],
        resource_arn=acl.attr_arn,
        # Credentials and sessions stay out of the logs.
        redacted_fields=[
            wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": "authorization"}),
            wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": "cookie"}),
        ],
    )
    return waf_logs


def _visibility(prefix: str, name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=f"{prefix}-{name}", sampled_requests_enabled=True
    )


def _waf_rules(rate_limit: int, metric_prefix: str) -> list[wafv2.CfnWebACL.RuleProperty]:
    """The AWS managed rule groups (their own actions), then the per-IP rate rule (block)."""
    rules_ = [
        wafv2.CfnWebACL.RuleProperty(
            name=group,
            priority=index,
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=group
                )
            ),
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            visibility_config=_visibility(metric_prefix, group),
        )
        for index, group in enumerate(MANAGED_RULE_GROUPS)
    ]
    rules_.append(
        wafv2.CfnWebACL.RuleProperty(
            name="RateLimitPerIp",
            priority=len(rules_),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    aggregate_key_type="IP", limit=rate_limit
                )
            ),
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            visibility_config=_visibility(metric_prefix, "RateLimitPerIp"),
        )
    )
    return rules_
