"""``VpcCodeBuild``: a CodeBuild project inside a VPC that reaches private resources.

The class reads as a table of contents; each concern is a module of this package (props,
checks, network, storage, build, compliance).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from buttress.codebuild import build, compliance, network, storage
from buttress.codebuild.checks import check
from buttress.codebuild.props import DEFAULT_ARTIFACT_EXPIRATION, VpcCodeBuildProps
from buttress.errors import reports_errors
from buttress.network import Network
from buttress.options import BuildCache
from buttress.parts import metrics
from buttress.parts.log_buckets import DEFAULT_LOG_EXPIRATION, grant_access_logs_by_policy
from buttress.rules import props as types


@jsii.implements(ec2.IConnectable)
class VpcCodeBuild(Construct):
    """A CodeBuild project whose builds run in a VPC's private subnets, with secure defaults.

    The build runs in the VPC's private subnets (NAT egress) or, with
    ``subnet_type=PRIVATE_ISOLATED``, in its isolated subnets (AWS reached through endpoints only).
    Its own security group allows outbound HTTPS (443) only; open further paths with
    :meth:`allow_to`. The project, its logs and artifacts are encrypted with a customer-managed
    KMS key; the log group keeps logs for ``log_retention``.

    Synth-time checks (:mod:`buttress.rules.codebuild`): the selected subnets must hold
    ``concurrent_build_limit`` builds plus a 25 % margin (without a limit, a warning says what
    they hold); in isolated subnets, the VPC must have every endpoint the build needs, checked when
    the app is synthesized, so endpoints added to the ``Network`` after the project count. Both need
    what only a ``Network`` (or an ``IVpc`` with known subnet CIDRs) says; otherwise a
    ``buttress:vpcNotChecked`` warning says what was not checked.

    The network-interface permissions CodeBuild checks when it creates the project sit in one
    policy, ``vpc_policy``, that the project depends on, so CloudFormation never creates the
    project before them (aws-cdk issues #2652, #12705); this holds for an imported role too,
    which must then be imported ``mutable`` so the policy can be attached.

    :param vpc: where builds run: a :class:`~buttress.Network` or any ``ec2.IVpc`` (imported too).
    :param build_spec: the build spec: a mapping (``{"version": 0.2, "phases": ...}``; version, sections,
        phases and command lists checked, version rendered as a number), or the
        file name of a build spec in the source. Default ``"buildspec.yml"`` from the source;
        required (as a mapping) without a source.
    :param source: ``codebuild.Source.code_commit(...)``, ``.s3(...)``, ``.git_hub(...)``,
        ``.git_hub_enterprise(...)``, ``.bit_bucket(...)``, or ``None`` for no source. Its webhook
        filter groups are checked at synth: events the provider sends, filter types that work with
        them, patterns CodeBuild's RE2 syntax accepts. Default ``None``.
    :param connection_arn: a CodeConnections (or CodeStar Connections) connection ARN as the
        credential of a GitHub, GitHub Enterprise or Bitbucket source; the role may use exactly
        this connection. Default ``None``: the CodeBuild source credential of the account and region
        (import it before deploying; synth warns ``buttress:VpcCodeBuild:sourceCredential``).
    :param subnet_type: ``PRIVATE_WITH_EGRESS`` or ``PRIVATE_ISOLATED``. Default ``PRIVATE_WITH_EGRESS``.
    :param build_image: build image. Default ``LinuxBuildImage.STANDARD_7_0``.
    :param compute_type: compute type, also of the fleet. Default ``ComputeType.SMALL``.
    :param fleet_capacity: run builds on a reserved-capacity fleet of this many instances in the
        build subnets, with its own security group (outbound HTTPS and what :meth:`allow_to`
        opens) and fleet service role. A fleet bills for every instance while idle. Default
        ``None`` (on-demand builds).
    :param fleet_max_capacity: scale the fleet up to this many instances (target tracking on
        fleet utilization, 75 %); only with ``fleet_capacity``. Default ``None`` (no scaling).
    :param fleet_overflow: ``FleetOverflowBehavior.QUEUE`` (builds wait for an instance) or
        ``ON_DEMAND`` (they run on demand; the VPC permissions stay on the project role); only with
        ``fleet_capacity``. Default ``None`` (queue).
    :param privileged: Docker-in-Docker (root on the build host); only for builds that build
        images. cdk-nag AwsSolutions-CB3 flags it. Default ``False``.
    :param timeout: build timeout, 5 minutes to 36 hours. Default one hour.
    :param concurrent_build_limit: most builds running at once (more are queued). Default
        ``None`` (no limit, and a synth warning that says what the subnets hold).
    :param batch: run batch builds: the build spec mapping must have a ``batch`` section with one
        of ``build-list``, ``build-matrix``, ``build-graph``, ``build-fanout`` (checked: task
        identifiers, ``depend-on`` without cycles, env overrides). A batch service role, ``batch_role``,
        may start, stop and retry builds of this project only. Default ``False``.
    :param batch_max_builds: most builds one batch may start; required with a build spec file.
        Only with ``batch``. Default ``None`` (no restriction).
    :param batch_compute_types: compute types a batch's builds may use; only with ``batch``.
        Default ``None`` (any).
    :param batch_timeout: how long a whole batch may run, 5 minutes to 36 hours; only with
        ``batch``. Default ``None`` (CodeBuild's default).
    :param cache: a :class:`~buttress.BuildCache` or its string: ``"none"``, ``"s3"`` (in
        ``bucket`` under ``cache/``) or ``"local"``. Default ``"none"``.
    :param local_cache_modes: modes of a local cache, only with ``cache="local"``. Default source
        and custom. ``DOCKER_LAYER`` needs ``privileged``.
    :param environment_variables: plaintext variables (never secrets). Default none.
    :param parameter_store_variables: variable -> SSM parameter name; the role may read exactly
        these parameters. SecureString parameters under a customer-managed key also need
        ``kms:Decrypt`` on it. Default none.
    :param secrets_manager_variables: variable -> secret name or ARN (``name:json-key`` allowed);
        the role may read exactly these secrets. Default none.
    :param build_services: endpoint names (``Network`` names, e.g. ``"sts"``) the build's own
        commands call; only with ``PRIVATE_ISOLATED``, where the egress check requires them.
        Default none.
    :param artifacts: upload the build spec's ``artifacts`` to ``bucket`` under ``artifacts/``
        (zipped, per build id). A build spec mapping must then have an ``artifacts`` section.
        Default ``False``.
    :param artifact_expiration: how long uploaded artifacts are kept (whole days), ``None`` for
        ever; only with ``artifacts=True``. Default 90 days.
    :param reports: test and coverage reports: name -> the build spec's report entry
        (``{"files": [...], "file-format": "JUNITXML", "base-directory": ...}``). The construct
        creates one report group each (``report_groups``), puts them into the build spec by ARN,
        and the role may write exactly those groups (no ``report-group/<project>-*`` wildcard: a
        build spec's own ``reports`` section is an error). CodeBuild keeps reports for 30 days;
        with ``artifacts=True`` the raw files are also exported, encrypted with the project's key,
        to ``bucket`` under ``reports/<name>/``, kept for ``artifact_expiration``. Only with a
        build spec mapping. Default none.
    :param secondary_sources: further sources, each with an ``identifier`` (letters, digits,
        ``_``; the build finds it in ``$CODEBUILD_SRC_DIR_<identifier>``), without a webhook.
        In isolated subnets they count for the egress check like the primary source. Default none.
    :param secondary_artifacts: identifiers of the build spec's ``artifacts['secondary-artifacts']``,
        each uploaded to ``bucket`` under ``artifacts/<build id>/<identifier>`` (zipped, encrypted);
        only with ``artifacts=True``, and a build spec mapping must declare exactly these. Default none.
    :param queued_timeout: how long a build may wait in the queue, 5 minutes to 8 hours. Default
        ``None`` (CodeBuild's eight hours).
    :param auto_retry_limit: how often CodeBuild retries a failed build on its own, 0 to 10.
        Default ``None`` (no retries).
    :param alarm_action: action of the construct's alarm, ``failed_builds_alarm`` (a failed build
        in five minutes), e.g. ``cloudwatch_actions.SnsAction(topic)``. Default ``None``: no alarm
        (``failed_builds_alarm`` is ``None``).
    :param encryption_key: customer-managed key for the project, logs and bucket. An imported key's
        policy must let CloudWatch Logs use it. Default a new key with rotation.
    :param role: service role. An imported role must be mutable. Default a new role.
    :param log_retention: build log retention. Default one month.
    :param access_log_expiration: how long the artifacts bucket's server access logs are kept.
        Default one year.
    :param removal_policy: of the key, log group and buckets. Default ``RETAIN``.
    :param description: project description, at most 255 characters. Default none.
    """

    @reports_errors
    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        vpc: Network | ec2.IVpc,
        build_spec: Mapping[str, Any] | str | None = None,
        source: codebuild.ISource | None = None,
        connection_arn: str | None = None,
        subnet_type: ec2.SubnetType = ec2.SubnetType.PRIVATE_WITH_EGRESS,
        build_image: codebuild.IBuildImage | None = None,
        compute_type: codebuild.ComputeType = codebuild.ComputeType.SMALL,
        fleet_capacity: int | None = None,
        fleet_max_capacity: int | None = None,
        fleet_overflow: codebuild.FleetOverflowBehavior | None = None,
        privileged: bool = False,
        timeout: Duration | None = None,
        concurrent_build_limit: int | None = None,
        batch: bool = False,
        batch_max_builds: int | None = None,
        batch_compute_types: Sequence[codebuild.ComputeType] | None = None,
        batch_timeout: Duration | None = None,
        cache: BuildCache | str = BuildCache.NONE,
        local_cache_modes: Sequence[codebuild.LocalCacheMode] | None = None,
        environment_variables: Mapping[str, str] | None = None,
        parameter_store_variables: Mapping[str, str] | None = None,
        secrets_manager_variables: Mapping[str, str] | None = None,
        build_services: Sequence[str] = (),
        artifacts: bool = False,
        artifact_expiration: Duration | None = DEFAULT_ARTIFACT_EXPIRATION,
        reports: Mapping[str, Mapping[str, Any]] | None = None,
        secondary_sources: Sequence[codebuild.ISource] = (),
        secondary_artifacts: Sequence[str] = (),
        queued_timeout: Duration | None = None,
        auto_retry_limit: int | None = None,
        alarm_action: cloudwatch.IAlarmAction | None = None,
        encryption_key: kms.IKey | None = None,
        role: iam.IRole | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        access_log_expiration: Duration = DEFAULT_LOG_EXPIRATION,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        description: str | None = None,
    ) -> None:
        props = check(
            VpcCodeBuildProps(
                vpc=vpc,
                build_spec=build_spec,
                source=source,
                connection_arn=connection_arn,
                subnet_type=subnet_type,
                build_image=build_image,
                compute_type=compute_type,
                fleet_capacity=fleet_capacity,
                fleet_max_capacity=fleet_max_capacity,
                fleet_overflow=fleet_overflow,
                privileged=privileged,
                timeout=timeout,
                concurrent_build_limit=concurrent_build_limit,
                batch=batch,
                batch_max_builds=batch_max_builds,
                batch_compute_types=batch_compute_types,
                batch_timeout=batch_timeout,
                cache=cache,
                local_cache_modes=local_cache_modes,
                environment_variables=environment_variables,
                parameter_store_variables=parameter_store_variables,
                secrets_manager_variables=secrets_manager_variables,
                build_services=build_services,
                artifacts=artifacts,
                artifact_expiration=artifact_expiration,
                reports=reports,
                secondary_sources=secondary_sources,
                secondary_artifacts=secondary_artifacts,
                queued_timeout=queued_timeout,
                auto_retry_limit=auto_retry_limit,
                alarm_action=alarm_action,
                encryption_key=encryption_key,
                role=role,
                log_retention=log_retention,
                access_log_expiration=access_log_expiration,
                removal_policy=removal_policy,
                description=description,
            )
        )
        props.vpc.check_environment(scope)
        super().__init__(scope, id_)
        # Before any child: the artifacts bucket's access logs go to a bucket-owner-enforced bucket.
        grant_access_logs_by_policy(self)
        # The builders, in the order the template holds their resources; each returns what it builds.
        #: The VPC the builds run in.
        self.vpc: ec2.IVpc = props.vpc.vpc
        #: The :class:`~buttress.Network` given as ``vpc``, or ``None`` when another ``ec2.IVpc`` was.
        self.network: Network | None = props.vpc.network
        subnet_ids = network.select_subnets(self, props)
        #: The build's security group: outbound HTTPS only, plus what :meth:`allow_to` opens.
        self.security_group = network.https_only_security_group(
            self, "SecurityGroup", self.vpc, "CodeBuild project: outbound HTTPS and granted paths only"
        )
        #: Connections of the build's network interfaces.
        self.connections = ec2.Connections(security_groups=[self.security_group])
        #: Customer-managed key of the project, its logs and bucket.
        self.encryption_key: kms.IKey = storage.encryption_key(self, props)
        #: Build logs.
        self.log_group = storage.log_group(self, props, self.encryption_key)
        #: Server access logs of ``bucket``.
        self.access_logs_bucket = storage.access_logs_bucket(self, props)
        #: Artifacts and S3 cache bucket (KMS-encrypted, TLS only), or ``None`` when neither is used.
        self.bucket = storage.bucket(self, props, self.encryption_key, self.access_logs_bucket)
        #: Report name -> the report group the construct created for it.
        self.report_groups = build.report_groups(self, props, self.bucket if props.plain.artifacts else None)
        #: The fleet's security group (outbound HTTPS and what :meth:`allow_to` opens), or ``None``.
        self.fleet_security_group = build.fleet_security_group(self, props, self.vpc)
        #: The reserved-capacity fleet builds run on, or ``None`` for on-demand builds.
        self.fleet = build.fleet(self, props, self.vpc, self.fleet_security_group)
        if self.fleet_security_group is not None:
            # Builds run on the fleet's instances, so every path allow_to opens must reach them too.
            self.connections.add_security_group(self.fleet_security_group)
        #: The L2 CodeBuild project.
        self.project = build.project(self, props, self._project_parts(subnet_ids))
        assert self.project.role is not None  # a Project always has one: the given role or its own
        #: The project's service role.
        self.role: iam.IRole = self.project.role
        #: The role CodeBuild uses to run a batch's builds, or ``None`` without batch builds.
        self.batch_role: iam.IRole | None = build.batch(props, self.project)
        build.check_sources(self, props, self.project)
        #: Lets the role use ``connection_arn``; the project waits for it. ``None`` without a connection.
        self.connection_policy: iam.Policy | None = build.connection_policy(self, props, self.project)
        eni_arn = network.network_interface_arn(self)
        #: Network-interface permissions CodeBuild needs on the project's role (the project depends on this
        #: policy); ``None`` on a fleet that queues, whose builds never leave the fleet (its own role).
        self.vpc_policy: iam.Policy | None = (
            network.vpc_policy(
                self,
                role=self.role,
                cfn_project=build.cfn_project(self.project),
                subnet_ids=subnet_ids,
                eni_arn=eni_arn,
            )
            if network.builds_on_demand(props)
            else None
        )
        compliance.acknowledge_nag_findings(self, eni_arn)
        #: Alarms when a build fails (one in five minutes) and notifies ``alarm_action``; ``None``
        #: without ``alarm_action`` (an alarm that reaches nobody is a compliance finding, not a signal).
        self.failed_builds_alarm = self._failed_builds_alarm(props.alarm_action)
        compliance.acknowledge_compliance(self, props)

    def _project_parts(self, subnet_ids: list[str]) -> build.ProjectParts:
        return build.ProjectParts(
            vpc=self.vpc,
            subnet_ids=subnet_ids,
            security_group=self.security_group,
            encryption_key=self.encryption_key,
            log_group=self.log_group,
            bucket=self.bucket,
            report_groups=self.report_groups,
            fleet=self.fleet,
        )

    def _failed_builds_alarm(self, action: cloudwatch.IAlarmAction | None) -> cloudwatch.Alarm | None:
        if action is None:
            return None
        alarm = cloudwatch.Alarm(
            self,
            "FailedBuildsAlarm",
            alarm_description=f"A build of {self.node.path} failed",
            metric=self.metric_failed_builds(),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(action)
        return alarm

    # --- public methods ------------------------------------------------------------------------

    @reports_errors
    def allow_to(self, other: ec2.IConnectable, port: int, description: str | None = None) -> None:
        """Let builds open TCP connections to ``other`` on ``port`` (egress here, ingress there)."""
        types.interface("other", other, ("connections",), "an ec2.IConnectable (a construct with connections)")
        port = types.integer("port", port, low=1, high=65535, allowed="a TCP port from 1 to 65535")
        if description is not None:
            types.string("description", description)
        self.connections.allow_to(other, ec2.Port.tcp(port), description or f"CodeBuild builds to port {port}")

    @reports_errors
    def grant_start_build(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` start, stop and read builds of this project."""
        types.interface("grantee", grantee, ("grant_principal",), "an iam.IGrantable (a role, user, function...)")
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["codebuild:StartBuild", "codebuild:StopBuild", "codebuild:BatchGetBuilds"],
            resource_arns=[self.project.project_arn],
        )

    @reports_errors
    def metric_failed_builds(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Failed builds of this project (sum per ``period``, default five minutes)."""
        return self.project.metric_failed_builds(period=metrics.period(period))
