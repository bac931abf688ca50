"""One way to build a Python Lambda function from a buttress asset: its own log group, its own role.

The function gets a log group of its own (``log_retention``, ``removal_policy``) and a role that
may write only there plus the ``statements`` given (no managed policy), so each function stays
cdk-nag clean and least privilege; callers add their grants to ``function.role``.

The compliance rules a small AWS-API function legitimately does not meet (a VPC, a Lambda
dead-letter queue, X-Ray tracing, reserved concurrency unless asked for, a managed policy) are
acknowledged on the function and its role, each with its reason (docs/security.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from buttress.parts.assets import lambda_code
from buttress.parts.log_groups import log_group as new_log_group
from buttress.parts.nag import acknowledge_rule

#: The Python runtime of every buttress function.
RUNTIME = lambda_.Runtime.PYTHON_3_14


def python_function(
    scope: Construct,
    id_: str,
    *,
    asset: str,
    handler: str,
    description: str,
    role_description: str,
    timeout: Duration,
    log_retention: logs.RetentionDays,
    removal_policy: RemovalPolicy,
    statements: Sequence[iam.PolicyStatement] = (),
    environment: Mapping[str, str] | None = None,
    function_name: str | None = None,
    reserved_concurrency: int | None = None,
    json_logs: bool = False,
    memory_size: int = 256,
    id_separator: str = "",
    log_key: kms.IKey | None = None,
) -> lambda_.Function:
    """A function running ``handler`` (``<asset>.<module>.handler``) of ``lambda_src/<asset>``.

    The log group and role are ``<id_><id_separator>Logs`` and ``<id_><id_separator>Role``.
    ``json_logs`` writes JSON logs at level INFO (structured fields searchable in Logs Insights).
    ``log_key`` encrypts the log group with a customer-managed key.
    """
    log_group = new_log_group(
        scope, f"{id_}{id_separator}Logs", retention=log_retention, removal_policy=removal_policy, key=log_key
    )
    role = iam.Role(
        scope,
        f"{id_}{id_separator}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=role_description,
    )
    for statement in statements:
        role.add_to_policy(statement)
    log_group.grant_write(role)
    function = lambda_.Function(
        scope,
        id_,
        function_name=function_name,
        description=description,
        runtime=RUNTIME,
        handler=handler,
        code=lambda_code(asset),
        role=role,
        log_group=log_group,
        timeout=timeout,
        memory_size=memory_size,
        logging_format=lambda_.LoggingFormat.JSON if json_logs else None,
        application_log_level_v2=lambda_.ApplicationLogLevel.INFO if json_logs else None,
        system_log_level_v2=lambda_.SystemLogLevel.INFO if json_logs else None,
        reserved_concurrent_executions=reserved_concurrency,
        environment=dict(environment) if environment is not None else None,
    )
    _acknowledge(function, role, reserved=reserved_concurrency is not None)
    return function


def _acknowledge(function: lambda_.Function, role: iam.Role, *, reserved: bool) -> None:
    """The rules a function that only calls AWS APIs legitimately does not meet, with the reasons."""
    acknowledge_rule(
        role,
        "IAMNoInlinePolicy",
        "The function's own role with one policy holding exactly its grants (its log group, its callers' "
        "resources); a customer-managed policy would be a reusable object nothing else should attach.",
    )
    acknowledge_rule(
        function,
        "LambdaInsideVPC",
        "The function calls only AWS APIs (TLS, IAM-signed); in a VPC it would need a NAT gateway or an "
        "interface endpoint per API, for no isolation gain.",
        guard=["lambda_inside_vpc_check"],
    )
    acknowledge_rule(
        function,
        "LambdaDLQ",
        "Failures after Lambda's two asynchronous retries show in the function's Errors metric and its JSON "
        "logs (BudgetKillSwitch alarms on them); the events are re-creatable (a budget notification recurs, "
        "the drill or an order can be re-published), so an on-failure queue would only hold duplicates.",
    )
    acknowledge_rule(
        function,
        "LambdaTracing",
        "A single function per event whose every outcome is a JSON log line; X-Ray active tracing would add "
        "xray:PutTraceSegments on '*' to the role and a per-trace cost for no call graph to see.",
    )
    if not reserved:
        acknowledge_rule(
            function,
            "LambdaConcurrency",
            "Reserved concurrency is opt-in (BudgetKillSwitch's reserved_concurrency): it takes capacity from "
            "the account's unreserved pool, which must keep 100, and fails on new accounts with a quota of 10.",
        )
