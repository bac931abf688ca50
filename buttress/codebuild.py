"""``VpcCodeBuild``: a CodeBuild project inside a VPC that reaches private resources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Annotations, ArnFormat, Aws, Duration, Names, RemovalPolicy, Stack, Token
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct, IValidation

from buttress.errors import ButtressError, invalid, reports_errors
from buttress.network import GATEWAY_ENDPOINTS, KNOWN_INTERFACE_ENDPOINTS, Network, VpcInput, vpc_input
from buttress.options import BuildCache
from buttress.parts.keys import limit_grants_to_aws_services
from buttress.parts.log_buckets import DEFAULT_LOG_EXPIRATION, log_delivery_bucket
from buttress.parts.log_groups import acknowledge_short_retention
from buttress.parts.nag import acknowledge_rule, acknowledge_wildcards
from buttress.rules import props as check
from buttress.rules.codebuild import (
    MARGIN_FRACTION,
    BuildImageFacts,
    BuildNeeds,
    BuildProps,
    Span,
    check_internet_reach,
    check_isolated_egress,
    check_props,
    check_subnet_capacity,
    required_endpoints,
)
from buttress.rules.codebuild_batch import COMPUTE_TYPES, FLEET_TARGET_UTILIZATION
from buttress.rules.codebuild_sources import (
    CONNECTION_SOURCES,
    check_connection,
    check_secondary_sources,
    check_source_type,
    check_triggers,
)

#: Actions CodeBuild calls to create, describe and delete a build's network interface. Granted on
#: ``*`` as in the CodeBuild user guide's VPC policy: the interface does not exist before the call
#: and the Describe* actions have no resource-level permissions.
ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
)
_DEFAULT_ARTIFACT_EXPIRATION = Duration.days(90)
#: What CodeBuild calls with the service role to fetch a source through a connection.
_CONNECTION_ACTIONS = ("GetConnectionToken", "GetConnection")
CAPACITY_WARNING_ID = "buttress:VpcCodeBuild:subnetCapacity"
_KNOWN_SERVICES = frozenset(KNOWN_INTERFACE_ENDPOINTS) | frozenset(GATEWAY_ENDPOINTS)


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
    :param build_spec: the build spec: a mapping (``{"version": "0.2", "phases": ...}``), or the
        file name of a build spec in the source. Default ``"buildspec.yml"`` from the source;
        required (as a mapping) without a source.
    :param source: ``codebuild.Source.code_commit(...)``, ``.s3(...)``, ``.git_hub(...)``,
        ``.git_hub_enterprise(...)``, ``.bit_bucket(...)``, or ``None`` for no source. Its webhook
        filter groups are checked at synth: events the provider sends, filter types that work with
        them, patterns CodeBuild's RE2 syntax accepts. Default ``None``.
    :param connection_arn: a CodeConnections (or CodeStar Connections) connection ARN as the
        credential of a GitHub, GitHub Enterprise or Bitbucket source; the role may use exactly
        this connection. Default ``None`` (the account's CodeBuild source credential).
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
        ``ON_DEMAND`` (they run on demand in the project's VPC configuration); only with
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
    :param description: project description. Default none.
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
        artifact_expiration: Duration | None = _DEFAULT_ARTIFACT_EXPIRATION,
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
        props = _check(
            _Given(
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
        super().__init__(scope, id_)
        subnets = self._subnets(props)
        self._security_group()
        self._key(props)
        self._log_group(props)
        self._bucket(props)
        self._report_groups(props)
        self._fleet(props)
        self._project(props, subnets)
        self._batch(props)
        self._source(props)
        eni_arn = self._network_policy(subnets)
        self._acknowledge_nag_findings(eni_arn)
        self._alarm(props)
        self._acknowledge_compliance(props)

    # --- builders, in the order the template holds their resources ---------------------------

    def _subnets(self, props: _Props) -> list[str]:
        """Select the build subnets, check what they hold and (late) the endpoints isolated builds need."""
        #: The VPC the builds run in.
        self.vpc: ec2.IVpc = props.vpc.vpc
        #: The :class:`~buttress.Network` given as ``vpc``, or ``None`` when another ``ec2.IVpc`` was.
        self.network: Network | None = props.vpc.network
        try:
            subnet_ids = list(self.vpc.select_subnets(subnet_type=props.subnet_type).subnet_ids)
        except RuntimeError:  # jsii: "There are no 'Isolated' subnet groups in this VPC"
            group = "isolated" if props.plain.isolated else "private"
            raise invalid(
                "subnet_type", props.subnet_type.name, f"a subnet type the network has (it has no {group} subnets)"
            ) from None
        self._check_capacity(props)
        if props.plain.isolated:
            self._check_egress(props)
        return subnet_ids

    def _check_capacity(self, props: _Props) -> None:
        limit = props.plain.concurrent_build_limit
        cidrs = props.vpc.subnet_cidrs(ec2.SubnetSelection(subnet_type=props.subnet_type))
        if cidrs is None:
            props.vpc.warn_unchecked(
                self,
                "how many concurrent builds the selected subnets hold"
                if limit is None
                else f"whether the selected subnets hold concurrent_build_limit={limit} builds plus a "
                f"{MARGIN_FRACTION:.0%} margin (one IP address each)",
            )
            return
        fleet = props.plain.fleet.most_instances if props.plain.fleet else 0
        warning = check_subnet_capacity(cidrs, limit, batch_width=props.plain.batch_facts.width, fleet=fleet)
        if warning:
            Annotations.of(self).add_warning_v2(CAPACITY_WARNING_ID, warning)

    def _check_egress(self, props: _Props) -> None:
        needs = BuildNeeds(
            source_type=props.source_type,
            image_kind=props.image_facts.kind,
            parameter_store=any(v.kind == "PARAMETER_STORE" for v in props.plain.variables),
            secrets_manager=any(v.kind == "SECRETS_MANAGER" for v in props.plain.variables),
            services=props.plain.build_services,
            secondary_source_types=props.plain.secondary_source_types,
        )
        check_internet_reach(needs)
        if props.vpc.endpoints() is None:
            props.vpc.warn_unchecked(
                self, f"whether the VPC has the endpoints isolated builds need ({', '.join(required_endpoints(needs))})"
            )
            return
        # At synth, so endpoints added to the Network after this project count too.
        self.node.add_validation(_EgressCheck(props.vpc, needs))

    def _security_group(self) -> None:
        #: The build's security group: outbound HTTPS only, plus what :meth:`allow_to` opens.
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=self.vpc,
            description="CodeBuild project: outbound HTTPS and granted paths only",
            allow_all_outbound=False,
        )
        self.security_group.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS: AWS APIs (endpoints or NAT), source hosts, registries"
        )
        #: Connections of the build's network interfaces.
        self.connections = ec2.Connections(security_groups=[self.security_group])

    def _key(self, props: _Props) -> None:
        #: Customer-managed key of the project, its logs and bucket.
        self.encryption_key: kms.IKey = props.encryption_key or kms.Key(
            self,
            "Key",
            description="CodeBuild project: build artifacts, logs and caches",
            enable_key_rotation=True,
            removal_policy=props.removal_policy,
        )
        if props.encryption_key is None:
            assert isinstance(self.encryption_key, kms.Key)
            limit_grants_to_aws_services(self.encryption_key)
        self.encryption_key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsForTheBuildLogGroup",
                principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                resources=["*"],
                conditions={
                    "ArnEquals": {
                        "kms:EncryptionContext:aws:logs:arn": Stack.of(self).format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name=self._log_group_name,
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    }
                },
            )
        )

    @property
    def _log_group_name(self) -> str:
        # A literal name lets the key policy name this log group without a cycle (the group refers to the key).
        return f"/buttress/codebuild/{Names.unique_id(self)}"

    def _log_group(self, props: _Props) -> None:
        #: Build logs.
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=self._log_group_name,
            retention=props.log_retention,
            encryption_key=self.encryption_key,
            removal_policy=props.removal_policy,
        )

    def _bucket(self, props: _Props) -> None:
        #: Artifacts and S3 cache bucket (KMS-encrypted, TLS only), or ``None`` when neither is used.
        self.bucket: s3.Bucket | None = None
        #: Server access logs of ``bucket``.
        self.access_logs_bucket: s3.Bucket | None = None
        if not props.plain.artifacts and props.plain.cache != BuildCache.S3:
            return
        self.access_logs_bucket = log_delivery_bucket(
            self,
            "AccessLogs",
            removal_policy=props.removal_policy,
            receives="the S3 server access logs of the artifacts bucket",
            expiration=props.access_log_expiration,
        )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.encryption_key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=self.access_logs_bucket,
            server_access_logs_prefix="artifacts-bucket/",
            lifecycle_rules=_lifecycle_rules(props.artifact_expiration, reports=bool(props.plain.reports)),
            removal_policy=props.removal_policy,
        )

    def _fleet(self, props: _Props) -> None:
        """A reserved-capacity fleet in the build subnets, with its own security group and service role."""
        #: The reserved-capacity fleet builds run on, or ``None`` for on-demand builds.
        self.fleet: codebuild.Fleet | None = None
        #: The fleet's security group (outbound HTTPS and what :meth:`allow_to` opens), or ``None``.
        self.fleet_security_group: ec2.SecurityGroup | None = None
        plan = props.plain.fleet
        if plan is None:
            return
        self.fleet_security_group = ec2.SecurityGroup(
            self,
            "FleetSecurityGroup",
            vpc=self.vpc,
            description="CodeBuild fleet: outbound HTTPS and granted paths only",
            allow_all_outbound=False,
        )
        self.fleet_security_group.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS: AWS APIs (endpoints or NAT), source hosts, registries"
        )
        # Builds run on the fleet's instances, so every path allow_to opens must reach them too.
        self.connections = ec2.Connections(security_groups=[self.security_group, self.fleet_security_group])
        self.fleet = codebuild.Fleet(
            self,
            "Fleet",
            base_capacity=plan.capacity,
            compute_type=codebuild.FleetComputeType[props.compute_type.name],
            environment_type=codebuild.EnvironmentType[plan.environment_type],
            overflow_behavior=props.fleet_overflow or codebuild.FleetOverflowBehavior.QUEUE,
            vpc=self.vpc,
            subnet_selection=ec2.SubnetSelection(subnet_type=props.subnet_type),
            security_groups=[self.fleet_security_group],
        )
        if plan.max_capacity is not None:
            cfn_fleet = self.fleet.node.default_child
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

    def _report_groups(self, props: _Props) -> None:
        """One report group per report, exported (encrypted with the project's key) to ``bucket`` with artifacts."""
        #: Report name -> the report group the construct created for it.
        self.report_groups: dict[str, codebuild.ReportGroup] = {}
        export = self.bucket if props.plain.artifacts else None
        for report in props.plain.reports:
            group = codebuild.ReportGroup(
                self,
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
            self.report_groups[report.name] = group

    def _project(self, props: _Props, subnet_ids: list[str]) -> None:
        plain = props.plain
        spec = plain.build_spec
        if self.report_groups and isinstance(spec, dict):
            spec = {
                **spec,
                "reports": {
                    self.report_groups[report.name].report_group_arn: dict(report.section) for report in plain.reports
                },
            }
        #: The L2 CodeBuild project.
        self.project = codebuild.Project(
            self,
            "Project",
            description=plain.description,
            source=props.source,
            build_spec=codebuild.BuildSpec.from_source_filename(spec)
            if isinstance(spec, str)
            else codebuild.BuildSpec.from_object(spec),
            artifacts=self._artifacts(plain),
            secondary_sources=props.secondary_sources,
            secondary_artifacts=[
                artifact
                for identifier in plain.secondary_artifacts
                if (artifact := self._artifacts(plain, identifier)) is not None
            ],
            queued_timeout=props.queued_timeout,
            auto_retry_limit=plain.auto_retry_limit,
            environment=codebuild.BuildEnvironment(
                build_image=props.image, compute_type=props.compute_type, privileged=plain.privileged, fleet=self.fleet
            ),
            environment_variables={
                v.name: codebuild.BuildEnvironmentVariable(
                    value=v.value, type=codebuild.BuildEnvironmentVariableType[v.kind]
                )
                for v in plain.variables
            },
            timeout=props.timeout,
            concurrent_build_limit=plain.concurrent_build_limit,
            cache=self._cache(plain),
            encryption_key=self.encryption_key,
            role=props.role,
            logging=codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self.log_group)),
            # Exactly the construct's report groups (below), not aws-cdk-lib's report-group/<project>-* wildcard.
            grant_report_group_permissions=False,
        )
        assert self.project.role is not None  # a Project always has one: the given role or its own
        #: The project's service role.
        self.role: iam.IRole = self.project.role
        for group in self.report_groups.values():
            group.grant_write(self.role)
        # The VPC goes on the L1 rather than the L2's ``vpc`` prop: aws-cdk-lib 2.275 puts
        # ec2:CreateNetworkInterfacePermission into the role's default policy, which refers to the
        # project (log permissions), so it can never be ordered before it, and drops it silently
        # for an immutable imported role. Here every ENI permission is in ``vpc_policy``.
        self._cfn_project.vpc_config = codebuild.CfnProject.VpcConfigProperty(
            vpc_id=self.vpc.vpc_id,
            subnets=subnet_ids,
            security_group_ids=[self.security_group.security_group_id],
        )

    def _batch(self, props: _Props) -> None:
        """The batch service role (start, stop, retry builds of this project only) and the batch limits."""
        #: The role CodeBuild uses to run a batch's builds, or ``None`` without batch builds.
        self.batch_role: iam.IRole | None = None
        if not props.plain.batch:
            return
        self.batch_role = self.project.enable_batch_builds().role  # type: ignore[union-attr]
        limits = props.plain.batch_limits
        restrictions: dict[str, Any] = {}
        if limits.max_builds is not None:
            restrictions["MaximumBuildsAllowed"] = limits.max_builds
        if limits.compute_types is not None:
            restrictions["ComputeTypesAllowed"] = list(limits.compute_types)
        if restrictions:
            self._cfn_project.add_property_override("BuildBatchConfig.Restrictions", restrictions)
        if props.batch_timeout is not None:
            self._cfn_project.add_property_override("BuildBatchConfig.TimeoutInMins", props.batch_timeout.to_minutes())

    def _source(self, props: _Props) -> None:
        """Check the webhook filters the source rendered; use the connection as its credential."""
        check_triggers(
            Stack.of(self).resolve(self._cfn_project.triggers), source_type=props.source_type, batch=props.plain.batch
        )
        # aws-cdk-lib drops a secondary source's webhook without a word; binding a Git host source has no side effect.
        check_secondary_sources(
            [
                (
                    s.type,
                    s.identifier,
                    s.type in CONNECTION_SOURCES and s.bind(self, self.project).build_triggers is not None,
                )
                for s in props.secondary_sources
            ]
        )
        #: Lets the role use ``connection_arn``; the project waits for it. ``None`` without a connection.
        self.connection_policy: iam.Policy | None = None
        if props.connection_arn is None:
            return
        self._cfn_project.add_property_override(
            "Source.Auth", {"Type": "CODECONNECTIONS", "Resource": props.connection_arn}
        )
        prefixes = (
            ["codeconnections", "codestar-connections"]
            if props.connection_service == "*"
            else [str(props.connection_service)]
        )
        self.connection_policy = iam.Policy(
            self,
            "ConnectionPolicy",
            statements=[
                iam.PolicyStatement(
                    sid="SourceConnection",
                    actions=[f"{prefix}:{action}" for prefix in prefixes for action in _CONNECTION_ACTIONS],
                    resources=[props.connection_arn],
                )
            ],
        )
        self.role.attach_inline_policy(self.connection_policy)
        policy_cfn = self.connection_policy.node.default_child
        assert isinstance(policy_cfn, iam.CfnPolicy)
        self._cfn_project.node.add_dependency(policy_cfn)

    @property
    def _cfn_project(self) -> codebuild.CfnProject:
        cfn_project = self.project.node.default_child
        assert isinstance(cfn_project, codebuild.CfnProject)
        return cfn_project

    def _artifacts(self, plain: BuildProps, identifier: str | None = None) -> codebuild.IArtifacts | None:
        if not plain.artifacts or self.bucket is None:
            return None
        return codebuild.Artifacts.s3(
            bucket=self.bucket,
            path="artifacts",
            name=identifier,
            identifier=identifier,
            include_build_id=True,
            package_zip=True,
            encryption=True,
        )

    def _cache(self, plain: BuildProps) -> codebuild.Cache | None:
        if plain.cache == BuildCache.S3:
            assert self.bucket is not None
            return codebuild.Cache.bucket(self.bucket, prefix="cache")
        if plain.cache == BuildCache.LOCAL:
            return codebuild.Cache.local(*(codebuild.LocalCacheMode[mode] for mode in plain.local_cache_modes))
        return None

    def _network_policy(self, subnet_ids: list[str]) -> str:
        """Create ``vpc_policy``, attach it to the role, make the project wait for it; return the ENI ARN."""
        stack = Stack.of(self)
        eni_arn = stack.format_arn(service="ec2", resource="network-interface", resource_name="*")
        #: Network-interface permissions CodeBuild needs; the project depends on this policy.
        self.vpc_policy = iam.Policy(
            self,
            "VpcPolicy",
            statements=[
                iam.PolicyStatement(sid="BuildNetworkInterfaces", actions=list(ENI_ACTIONS), resources=["*"]),
                iam.PolicyStatement(
                    sid="BuildNetworkInterfacePermission",
                    actions=["ec2:CreateNetworkInterfacePermission"],
                    resources=[eni_arn],
                    conditions={
                        "StringEquals": {
                            "ec2:Subnet": [
                                stack.format_arn(service="ec2", resource="subnet", resource_name=subnet_id)
                                for subnet_id in subnet_ids
                            ],
                            "ec2:AuthorizedService": "codebuild.amazonaws.com",
                        }
                    },
                ),
            ],
        )
        self.role.attach_inline_policy(self.vpc_policy)
        vpc_policy_cfn = self.vpc_policy.node.default_child
        assert isinstance(vpc_policy_cfn, iam.CfnPolicy)
        if not stack.resolve(vpc_policy_cfn.roles):
            raise invalid(
                "role",
                self.role.role_arn,
                "a role of this stack's account that buttress can attach policies to: import it with "
                "Role.from_role_arn(..., mutable=True); "
                "an immutable role would silently lose the network-interface permissions CodeBuild checks "
                "when it creates the project (aws-cdk #12705)",
            )
        # On the L1 only: the L2's node also holds the role, which the policy itself refers to.
        self._cfn_project.node.add_dependency(vpc_policy_cfn)
        return eni_arn

    def _acknowledge_nag_findings(self, eni_arn: str) -> None:
        """Acknowledge, one by one, the AwsSolutions-IAM5 wildcards that are the narrowest grant possible.

        On the policies that hold them only (``vpc_policy`` and the role, whose default policy is
        its child, also when imported), so a wildcard added elsewhere is still reported. Each id is
        rendered from the ARN token the policy holds (:mod:`buttress.parts.nag`), so it matches
        with an explicit environment and without.
        """
        acknowledge_wildcards(
            self.vpc_policy,
            resources={
                "*": "EC2 has no resource-level permissions for the network-interface and Describe* actions "
                "CodeBuild calls to attach a build to the VPC (AWS CodeBuild user guide, VPC service-role policy)",
                eni_arn: "the build's interface does not exist yet; the grant is conditioned on this project's "
                "subnets and on ec2:AuthorizedService codebuild.amazonaws.com",
            },
        )
        stack, name = Stack.of(self), self.project.project_name
        # The ARNs aws-cdk-lib's Project puts into the role's default policy (its logging and report-group grants).
        log_group_arn = stack.format_arn(
            service="logs",
            resource="log-group",
            resource_name=f"/aws/codebuild/{name}",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
        resources = {
            f"{log_group_arn}:*": "log streams of this project's default log group, named per build by CodeBuild",
        }
        own_key = "grant on this project's own customer-managed key only"
        actions = {"kms:GenerateDataKey*": own_key, "kms:ReEncrypt*": own_key}
        if self.bucket is not None:
            for action in ("s3:Abort*", "s3:DeleteObject*", "s3:GetBucket*", "s3:GetObject*", "s3:List*"):
                actions[action] = "read/write on this project's own artifacts and cache bucket only"
            resources[self.bucket.arn_for_objects("*")] = (
                "objects of this project's own artifacts and cache bucket, keyed by build id"
            )
        acknowledge_wildcards(self.role, resources=resources, actions=actions)
        if self.fleet is not None:
            acknowledge_wildcards(
                self.fleet,
                resources={
                    "*": "EC2 has no resource-level permissions for the network-interface and Describe* actions "
                    "CodeBuild calls to attach the fleet's instances to the VPC (aws-cdk-lib's fleet service role)",
                    eni_arn: "the instances' interfaces do not exist yet; the grant is conditioned on the fleet's "
                    "subnets",
                },
            )

    def _alarm(self, props: _Props) -> None:
        #: Alarms when a build fails (one in five minutes) and notifies ``alarm_action``; ``None``
        #: without ``alarm_action`` (an alarm that reaches nobody is a compliance finding, not a signal).
        self.failed_builds_alarm: cloudwatch.Alarm | None = None
        if props.alarm_action is None:
            return
        self.failed_builds_alarm = cloudwatch.Alarm(
            self,
            "FailedBuildsAlarm",
            alarm_description=f"A build of {self.node.path} failed",
            metric=self.metric_failed_builds(),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.failed_builds_alarm.add_alarm_action(props.alarm_action)

    def _acknowledge_compliance(self, props: _Props) -> None:
        """The compliance rules this project's resources legitimately do not meet, each on its resource."""
        acknowledge_short_retention(self.log_group, props.log_retention, "log_retention")
        acknowledge_rule(
            self.role,
            "IAMNoInlinePolicy",
            "The project's own service role with one policy holding exactly its grants (its logs, key, bucket, "
            "parameters); a customer-managed policy would be a reusable object nothing else should attach.",
        )
        acknowledge_rule(
            self.vpc_policy,
            "IAMNoInlinePolicy",
            "The ENI permissions CodeBuild needs in the VPC, on this project's role only, in a policy of their own "
            "so the project can wait for it; conditioned on this project's subnets.",
        )
        if self.batch_role is not None:
            acknowledge_rule(
                self.batch_role,
                "IAMNoInlinePolicy",
                "The batch service role aws-cdk-lib creates for this project only; its one policy allows starting, "
                "stopping and retrying builds of this project and nothing else.",
            )
        if props.source is None or props.source.type not in ("GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET"):
            acknowledge_rule(
                self.project,
                "CodeBuildProjectSourceRepoUrl",
                "The rule asks GitHub and Bitbucket sources to authenticate with OAuth; this project has no such "
                f"source ({props.source.type if props.source else 'NO_SOURCE'}), so there is no repository URL "
                "or credential in it.",
            )
        if self.bucket is not None:
            self._acknowledge_bucket(props)

    def _acknowledge_bucket(self, props: _Props) -> None:
        assert self.bucket is not None
        kept = "for ever" if props.artifact_expiration is None else f"{props.artifact_expiration.to_days()} days"
        acknowledge_rule(
            self.bucket,
            "S3BucketVersioningEnabled",
            "Build artifacts are keyed by build id and never overwritten; the S3 cache is rebuilt by any build, "
            f"so old versions would only add storage. Artifacts are kept {kept} (artifact_expiration).",
            guard=["s3_bucket_versioning_enabled_check"],
        )
        acknowledge_rule(
            self.bucket,
            "S3BucketReplicationEnabled",
            "Build outputs and caches are reproducible from the source by running the build again; a replica in "
            "another region would be a second copy of disposable data.",
        )
        acknowledge_rule(
            self.bucket,
            "",
            "Object Lock (WORM) would keep artifacts and caches past their expiry; release artifacts belong in "
            "the release repository, not in a build bucket.",
            guard=["s3_bucket_object_lock_enabled_check"],
        )
        acknowledge_rule(
            self.bucket,
            "",
            "Nothing consumes the bucket's events: builds read and write it directly; its server access logs "
            "record every request.",
            guard=["s3_event_notifications_enabled_check"],
        )

    # --- public methods ------------------------------------------------------------------------

    @reports_errors
    def allow_to(self, other: ec2.IConnectable, port: int, description: str | None = None) -> None:
        """Let builds open TCP connections to ``other`` on ``port`` (egress here, ingress there)."""
        if not hasattr(other, "connections"):
            raise invalid(
                "other", other, f"an ec2.IConnectable (a construct with connections), not {type(other).__name__}"
            )
        port = check.integer("port", port, low=1, high=65535, allowed="a TCP port from 1 to 65535")
        if description is not None:
            check.string("description", description)
        self.connections.allow_to(other, ec2.Port.tcp(port), description or f"CodeBuild builds to port {port}")

    @reports_errors
    def grant_start_build(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` start, stop and read builds of this project."""
        if not hasattr(grantee, "grant_principal"):
            raise invalid(
                "grantee", grantee, f"an iam.IGrantable (a role, user, function...), not {type(grantee).__name__}"
            )
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["codebuild:StartBuild", "codebuild:StopBuild", "codebuild:BatchGetBuilds"],
            resource_arns=[self.project.project_arn],
        )

    @reports_errors
    def metric_failed_builds(self, *, period: Duration | None = None) -> cloudwatch.Metric:
        """Failed builds of this project (sum per ``period``, default five minutes)."""
        if period is not None:
            check.instance("period", period, Duration, "a Duration (e.g. Duration.minutes(5))")
        return self.project.metric_failed_builds(period=period or Duration.minutes(5))


@jsii.implements(IValidation)
class _EgressCheck:
    """Runs at synth: builds in isolated subnets need an endpoint for everything they reach."""

    def __init__(self, vpc: VpcInput, needs: BuildNeeds) -> None:
        self._vpc = vpc
        self._needs = needs

    def validate(self) -> list[str]:
        try:
            check_isolated_egress(self._needs, available=self._vpc.endpoints() or frozenset())
        except ButtressError as error:
            return [error.detail]
        return []


@dataclass(frozen=True)
class _Given:
    """The props of a :class:`VpcCodeBuild` as given (see its docstring)."""

    vpc: object
    build_spec: object
    source: object
    connection_arn: object
    subnet_type: object
    build_image: object
    compute_type: object
    fleet_capacity: object
    fleet_max_capacity: object
    fleet_overflow: object
    privileged: object
    timeout: object
    concurrent_build_limit: object
    batch: object
    batch_max_builds: object
    batch_compute_types: object
    batch_timeout: object
    cache: object
    local_cache_modes: object
    environment_variables: object
    parameter_store_variables: object
    secrets_manager_variables: object
    build_services: object
    artifacts: object
    artifact_expiration: object
    reports: object
    secondary_sources: object
    secondary_artifacts: object
    queued_timeout: object
    auto_retry_limit: object
    alarm_action: object
    encryption_key: object
    role: object
    log_retention: object
    access_log_expiration: object
    removal_policy: object
    description: object


@dataclass(frozen=True)
class _Props:
    """The props of a :class:`VpcCodeBuild`, checked: the plain ones (:class:`BuildProps`) and the CDK-typed ones."""

    plain: BuildProps
    vpc: VpcInput
    subnet_type: ec2.SubnetType
    source: codebuild.ISource | None
    #: ``source.type``, ``"NO_SOURCE"`` without a source.
    source_type: str
    connection_arn: str | None
    #: IAM prefix of the connection's actions, ``"*"`` for both when the ARN is a token.
    connection_service: str | None
    image: codebuild.IBuildImage
    image_facts: BuildImageFacts
    compute_type: codebuild.ComputeType
    fleet_overflow: codebuild.FleetOverflowBehavior | None
    timeout: Duration
    batch_timeout: Duration | None
    queued_timeout: Duration | None
    secondary_sources: list[codebuild.ISource]
    alarm_action: cloudwatch.IAlarmAction | None
    artifact_expiration: Duration | None
    encryption_key: kms.IKey | None
    role: iam.IRole | None
    log_retention: logs.RetentionDays
    access_log_expiration: Duration
    removal_policy: RemovalPolicy


def _check(given: _Given) -> _Props:
    """Check every prop before anything is built: the CDK-typed ones here, the plain ones in the rules."""
    subnet_type = check.instance("subnet_type", given.subnet_type, ec2.SubnetType, "an ec2.SubnetType")
    source, source_type, connection_service = _check_source(given)
    image, facts = _check_image(given.build_image)
    timeout = _duration("timeout", given.timeout) or Duration.hours(1)
    compute_type = check.instance("compute_type", given.compute_type, codebuild.ComputeType, "a codebuild.ComputeType")
    overflow = None
    if given.fleet_overflow is not None:
        overflow = check.instance(
            "fleet_overflow", given.fleet_overflow, codebuild.FleetOverflowBehavior, "a codebuild.FleetOverflowBehavior"
        )
    expiration = _duration("artifact_expiration", given.artifact_expiration)
    batch_timeout = _duration("batch_timeout", given.batch_timeout)
    queued_timeout = _duration("queued_timeout", given.queued_timeout)
    secondary_sources = _secondary_sources(given.secondary_sources)
    return _Props(
        plain=check_props(
            subnet_type=subnet_type.name,
            has_source=source is not None,
            image=facts,
            timeout=_span(timeout),
            build_spec=given.build_spec,
            concurrent_build_limit=given.concurrent_build_limit,
            cache=given.cache,
            local_cache_modes=_cache_modes(given.local_cache_modes),
            privileged=given.privileged,
            environment_variables=given.environment_variables,
            parameter_store_variables=given.parameter_store_variables,
            secrets_manager_variables=given.secrets_manager_variables,
            build_services=given.build_services,
            known_services=_KNOWN_SERVICES,
            artifacts=given.artifacts,
            artifact_expiration=None if expiration is None else _span(expiration),
            artifact_expiration_given=given.artifact_expiration is not _DEFAULT_ARTIFACT_EXPIRATION,
            description=given.description,
            batch=given.batch,
            batch_max_builds=given.batch_max_builds,
            batch_compute_types=_compute_types(given.batch_compute_types),
            batch_timeout=None if batch_timeout is None else _span(batch_timeout),
            reports=given.reports,
            queued_timeout=None if queued_timeout is None else _span(queued_timeout),
            auto_retry_limit=given.auto_retry_limit,
            secondary_sources=[(s.type, s.identifier, False) for s in secondary_sources],
            secondary_artifacts=given.secondary_artifacts,
            compute_type=compute_type.name,
            fleet_capacity=given.fleet_capacity,
            fleet_max_capacity=given.fleet_max_capacity,
            fleet_overflow_given=overflow is not None,
        ),
        vpc=vpc_input("vpc", given.vpc),
        subnet_type=subnet_type,
        source=source,
        source_type=source_type,
        connection_arn=None if connection_service is None else str(given.connection_arn),
        connection_service=connection_service,
        image=image,
        image_facts=facts,
        compute_type=compute_type,
        fleet_overflow=overflow,
        timeout=timeout,
        batch_timeout=batch_timeout,
        queued_timeout=queued_timeout,
        secondary_sources=secondary_sources,
        alarm_action=_interface("alarm_action", given.alarm_action, ("bind",), "a cloudwatch.IAlarmAction"),
        artifact_expiration=expiration,
        encryption_key=_interface("encryption_key", given.encryption_key, ("key_arn",), "a kms.IKey"),
        role=_interface("role", given.role, ("role_arn", "grant_principal"), "an iam.IRole"),
        log_retention=check.instance("log_retention", given.log_retention, logs.RetentionDays, "a logs.RetentionDays"),
        access_log_expiration=check.instance(
            "access_log_expiration", given.access_log_expiration, Duration, "a Duration (e.g. Duration.days(365))"
        ),
        removal_policy=check.instance("removal_policy", given.removal_policy, RemovalPolicy, "a RemovalPolicy"),
    )


def _check_source(given: _Given) -> tuple[codebuild.ISource | None, str, str | None]:
    """The source, its type, and the IAM prefix of ``connection_arn`` (``None`` without one)."""
    source = _interface("source", given.source, ("type", "bind"), "a codebuild.ISource (codebuild.Source...)")
    source_type = source.type if source is not None else "NO_SOURCE"
    check_source_type(source_type)
    connection_service = check_connection(
        given.connection_arn,
        source_type=source_type,
        token=isinstance(given.connection_arn, str) and Token.is_unresolved(given.connection_arn),
    )
    return source, source_type, connection_service


def _check_image(value: object) -> tuple[codebuild.IBuildImage, BuildImageFacts]:
    image = _interface("build_image", value, ("image_id", "type"), "a codebuild.IBuildImage (LinuxBuildImage...)")
    image = image or codebuild.LinuxBuildImage.STANDARD_7_0
    facts = BuildImageFacts(
        image.image_id, image.type, from_ecr_repository=getattr(image, "repository", None) is not None
    )
    return image, facts


def _interface(prop: str, value: object, attributes: tuple[str, ...], what: str) -> Any:
    """``value`` if it is ``None`` or offers ``attributes`` (jsii interfaces are not runtime-checkable)."""
    if value is not None and not all(hasattr(value, attribute) for attribute in attributes):
        raise invalid(prop, value, f"{what}, not {type(value).__name__}")
    return value


def _duration(prop: str, value: object) -> Duration | None:
    if value is None:
        return None
    return check.instance(prop, value, Duration, "a Duration (e.g. Duration.hours(1)) or None")


def _span(duration: Duration) -> Span:
    seconds = duration.to_seconds()
    return Span(None if Token.is_unresolved(seconds) else seconds, duration.to_human_string())


def _secondary_sources(value: object) -> list[codebuild.ISource]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise invalid("secondary_sources", value, f"a list of codebuild.ISource, not {type(value).__name__}")
    for index, source in enumerate(value):
        _interface(f"secondary_sources[{index}]", source, ("type", "bind"), "a codebuild.ISource (codebuild.Source...)")
    return list(value)


def _compute_types(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise invalid(
            "batch_compute_types", value, f"a list of codebuild.ComputeType members, not {type(value).__name__}"
        )
    for index, kind in enumerate(value):
        check.instance(f"batch_compute_types[{index}]", kind, codebuild.ComputeType, "a codebuild.ComputeType")
    return [COMPUTE_TYPES[kind.name] for kind in value]


def _cache_modes(value: object) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise invalid(
            "local_cache_modes", value, f"a list of codebuild.LocalCacheMode members, not {type(value).__name__}"
        )
    for index, mode in enumerate(value):
        check.instance(f"local_cache_modes[{index}]", mode, codebuild.LocalCacheMode, "a codebuild.LocalCacheMode")
    return [mode.name for mode in value]


def _lifecycle_rules(artifact_expiration: Duration | None, *, reports: bool) -> list[s3.LifecycleRule]:
    rules = [s3.LifecycleRule(id="AbortIncompleteUploads", abort_incomplete_multipart_upload_after=Duration.days(7))]
    if artifact_expiration is not None:
        rules.append(s3.LifecycleRule(id="ExpireArtifacts", prefix="artifacts/", expiration=artifact_expiration))
        if reports:
            rules.append(s3.LifecycleRule(id="ExpireReports", prefix="reports/", expiration=artifact_expiration))
    return rules
