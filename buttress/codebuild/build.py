"""The build itself: report groups, fleet, the project (environment, image, build spec), batch, sources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import Annotations, RemovalPolicy, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from buttress.codebuild import storage
from buttress.codebuild.network import https_only_security_group
from buttress.codebuild.props import CheckedProps
from buttress.rules.codebuild_batch import FLEET_TARGET_UTILIZATION
from buttress.rules.codebuild_sources import CONNECTION_SOURCES, check_secondary_sources, check_triggers

#: What CodeBuild calls with the service role to fetch a source through a connection. ``UseConnection``
#: is what creating the project and its webhook are reported to need (user reports: aws-cdk issues
#: 38504 and 31726; the permission itself is documented at
#: https://docs.aws.amazon.com/dtconsole/latest/userguide/security_iam_id-based-policy-examples-connections.html).
CONNECTION_ACTIONS = ("GetConnectionToken", "GetConnection", "UseConnection")


#: Id of the synth warning that a Git host source without ``connection_arn`` needs the account's source credential.
SOURCE_CREDENTIAL_WARNING = "buttress:VpcCodeBuild:sourceCredential"


def cfn_project(project: codebuild.Project) -> codebuild.CfnProject:
    """The L1 of ``project``: the properties aws-cdk-lib's L2 does not offer are set there."""
    cfn = project.node.default_child
    assert isinstance(cfn, codebuild.CfnProject)
    return cfn


def report_groups(scope: Construct, props: CheckedProps, export: s3.IBucket | None) -> dict[str, codebuild.ReportGroup]:
    """One report group per report, exported (encrypted with the project's key) to ``export`` when given."""
    groups: dict[str, codebuild.ReportGroup] = {}
    for report in props.plain.reports:
        group = codebuild.ReportGroup(
            scope,
            f"Reports{report.name}",
            type=codebuild.ReportGroupType[report.type],
            export_bucket=export,
            zip_export=export is not None,
            removal_policy=props.removal_policy,
            delete_reports=props.removal_policy == RemovalPolicy.DESTROY,
        )
        if export is not None:
            cfn_group = group.node.default_child
            assert isinstance(cfn_group, codebuild.CfnReportGroup)
            cfn_group.add_property_override("ExportConfig.S3Destination.Path", f"reports/{report.name}")
        groups[report.name] = group
    return groups


def fleet_security_group(scope: Construct, props: CheckedProps, vpc: ec2.IVpc) -> ec2.SecurityGroup | None:
    """The fleet's security group (outbound HTTPS only); ``None`` for on-demand builds."""
    if props.plain.fleet is None:
        return None
    return https_only_security_group(
        scope, "FleetSecurityGroup", vpc, "CodeBuild fleet: outbound HTTPS and granted paths only"
    )


def fleet(
    scope: Construct, props: CheckedProps, vpc: ec2.IVpc, security_group: ec2.SecurityGroup | None
) -> codebuild.Fleet | None:
    """A reserved-capacity fleet in the build subnets, in ``security_group``; ``None`` for on-demand builds."""
    plan = props.plain.fleet
    if plan is None:
        return None
    assert security_group is not None  # fleet_security_group made one
    built = codebuild.Fleet(
        scope,
        "Fleet",
        base_capacity=plan.capacity,
        compute_type=codebuild.FleetComputeType[props.compute_type.name],
        environment_type=codebuild.EnvironmentType[plan.environment_type],
        overflow_behavior=props.fleet_overflow or codebuild.FleetOverflowBehavior.QUEUE,
        vpc=vpc,
        subnet_selection=ec2.SubnetSelection(subnet_type=props.subnet_type),
        security_groups=[security_group],
    )
    if plan.max_capacity is not None:
        cfn_fleet = built.node.default_child
        assert isinstance(cfn_fleet, codebuild.CfnFleet)
        cfn_fleet.add_property_override(
            "ScalingConfiguration",
            {
                "ScalingType": "TARGET_TRACKING_SCALING",
                "MaxCapacity": plan.max_capacity,
                "TargetTrackingScalingConfigs": [
                    {"MetricType": "FLEET_UTILIZATION_RATE", "TargetValue": FLEET_TARGET_UTILIZATION}
                ],
            },
        )
    return built


@dataclass(frozen=True)
class ProjectParts:
    """What the project is built from, made by the builders before it."""

    vpc: ec2.IVpc
    subnet_ids: list[str]
    security_group: ec2.SecurityGroup
    encryption_key: kms.IKey
    log_group: logs.LogGroup
    bucket: s3.Bucket | None
    report_groups: dict[str, codebuild.ReportGroup]
    fleet: codebuild.Fleet | None


def project(scope: Construct, props: CheckedProps, parts: ProjectParts) -> codebuild.Project:
    """The project in the build subnets; its role may write exactly the report groups in ``parts``."""
    plain = props.plain
    built = codebuild.Project(
        scope,
        "Project",
        description=plain.description,
        source=props.source,
        build_spec=_build_spec(props, parts.report_groups),
        artifacts=storage.artifacts(plain, parts.bucket),
        secondary_sources=props.secondary_sources,
        secondary_artifacts=[
            artifact
            for identifier in plain.secondary_artifacts
            if (artifact := storage.artifacts(plain, parts.bucket, identifier)) is not None
        ],
        queued_timeout=props.queued_timeout,
        auto_retry_limit=plain.auto_retry_limit,
        environment=codebuild.BuildEnvironment(
            build_image=props.image, compute_type=props.compute_type, privileged=plain.privileged, fleet=parts.fleet
        ),
        environment_variables={
            v.name: codebuild.BuildEnvironmentVariable(
                value=v.value, type=codebuild.BuildEnvironmentVariableType[v.kind]
            )
            for v in plain.variables
        },
        timeout=props.timeout,
        concurrent_build_limit=plain.concurrent_build_limit,
        cache=storage.cache(plain, parts.bucket),
        encryption_key=parts.encryption_key,
        role=props.role,
        logging=codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=parts.log_group)),
        # Exactly the construct's report groups (below), not aws-cdk-lib's report-group/<project>-* wildcard.
        grant_report_group_permissions=False,
    )
    assert built.role is not None  # a Project always has one: the given role or its own
    for group in parts.report_groups.values():
        group.grant_write(built.role)
    # The VPC goes on the L1 rather than the L2's ``vpc`` prop: aws-cdk-lib 2.275 puts
    # ec2:CreateNetworkInterfacePermission into the role's default policy, which refers to the
    # project (log permissions), so it can never be ordered before it, and drops it silently
    # for an immutable imported role. Here every ENI permission is in ``vpc_policy``.
    if parts.fleet is not None:
        # The VPC is the fleet's: CloudFormation disallows a project VpcConfig beside a fleet and aws-cdk-lib
        # warns "Project 'vpc' does nothing when using a Fleet"; on-demand overflow builds need only the VPC
        # permissions on this project's role (vpc_policy).
        # https://docs.aws.amazon.com/codebuild/latest/userguide/fleets.reserved-capacity-fleets.html
        return built
    cfn_project(built).vpc_config = codebuild.CfnProject.VpcConfigProperty(
        vpc_id=parts.vpc.vpc_id,
        subnets=parts.subnet_ids,
        security_group_ids=[parts.security_group.security_group_id],
    )
    return built


def _build_spec(props: CheckedProps, groups: dict[str, codebuild.ReportGroup]) -> codebuild.BuildSpec:
    """The build spec, with the construct's report groups put into its ``reports`` section by ARN."""
    spec = props.plain.build_spec
    if groups and isinstance(spec, dict):
        spec = {
            **spec,
            "reports": {groups[report.name].report_group_arn: dict(report.section) for report in props.plain.reports},
        }
    if isinstance(spec, str):
        return codebuild.BuildSpec.from_source_filename(spec)
    return codebuild.BuildSpec.from_object(spec)


def batch(props: CheckedProps, built: codebuild.Project) -> iam.IRole | None:
    """Batch builds with their limits; the batch service role (start, stop, retry this project's builds only)."""
    if not props.plain.batch:
        return None
    config = built.enable_batch_builds()
    assert config is not None  # None only for a project that cannot run batches (imported)
    limits = props.plain.batch_limits
    restrictions: dict[str, Any] = {}
    if limits.max_builds is not None:
        restrictions["MaximumBuildsAllowed"] = limits.max_builds
    if limits.compute_types is not None:
        restrictions["ComputeTypesAllowed"] = list(limits.compute_types)
    if restrictions:
        cfn_project(built).add_property_override("BuildBatchConfig.Restrictions", restrictions)
    if props.batch_timeout is not None:
        cfn_project(built).add_property_override("BuildBatchConfig.TimeoutInMins", props.batch_timeout.to_minutes())
    return config.role


def check_sources(scope: Construct, props: CheckedProps, built: codebuild.Project) -> None:
    """Check the webhook filters the source rendered, and that no secondary source has a webhook."""
    check_triggers(
        Stack.of(scope).resolve(cfn_project(built).triggers), source_type=props.source_type, batch=props.plain.batch
    )
    # aws-cdk-lib drops a secondary source's webhook without a word; binding a Git host source has no side effect.
    check_secondary_sources(
        [
            (
                s.type,
                s.identifier,
                s.type in CONNECTION_SOURCES and s.bind(scope, built).build_triggers is not None,
            )
            for s in props.secondary_sources
        ]
    )


def connection_policy(scope: Construct, props: CheckedProps, built: codebuild.Project) -> iam.Policy | None:
    """Use ``connection_arn`` as the source's credential: a policy on the role the project waits for."""
    if props.connection_arn is None:
        if props.source_type in CONNECTION_SOURCES:
            # Without a connection CodeBuild uses the source credential stored for the account and region
            # (one per provider); creating the project or its webhook fails where there is none.
            # https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ImportSourceCredentials.html
            Annotations.of(scope).add_warning_v2(
                SOURCE_CREDENTIAL_WARNING,
                f"a {props.source_type} source without connection_arn uses the CodeBuild source credential of the "
                "account and region it is deployed to: import one first (aws codebuild import-source-credentials, "
                "ImportSourceCredentials), or pass connection_arn",
            )
        return None
    cfn = cfn_project(built)
    cfn.add_property_override("Source.Auth", {"Type": "CODECONNECTIONS", "Resource": props.connection_arn})
    prefixes = (
        ["codeconnections", "codestar-connections"]
        if props.connection_service == "*"
        else [str(props.connection_service)]
    )
    policy = iam.Policy(
        scope,
        "ConnectionPolicy",
        statements=[
            iam.PolicyStatement(
                sid="SourceConnection",
                actions=sorted(f"{prefix}:{action}" for prefix in prefixes for action in CONNECTION_ACTIONS),
                resources=[props.connection_arn],
            )
        ],
    )
    assert built.role is not None
    built.role.attach_inline_policy(policy)
    policy_cfn = policy.node.default_child
    assert isinstance(policy_cfn, iam.CfnPolicy)
    cfn.node.add_dependency(policy_cfn)
    return policy
