"""One way to build a Python Lambda function from a buttress asset: its own log group, its own role.

The function gets a log group of its own (``log_retention``, ``removal_policy``) and a role that
may write only there plus the ``statements`` given (no managed policy), so each function stays
cdk-nag clean and least privilege; callers add their grants to ``function.role``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from buttress.parts.assets import lambda_code

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
) -> lambda_.Function:
    """A function running ``handler`` (``<asset>.<module>.handler``) of ``lambda_src/<asset>``.

    The log group and role are ``<id_><id_separator>Logs`` and ``<id_><id_separator>Role``.
    ``json_logs`` writes JSON logs at level INFO (structured fields searchable in Logs Insights).
    """
    log_group = logs.LogGroup(scope, f"{id_}{id_separator}Logs", retention=log_retention, removal_policy=removal_policy)
    role = iam.Role(
        scope,
        f"{id_}{id_separator}Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=role_description,
    )
    for statement in statements:
        role.add_to_policy(statement)
    log_group.grant_write(role)
    return lambda_.Function(
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
