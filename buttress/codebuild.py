"""``VpcCodeBuild``: a CodeBuild project inside a ``Network`` that reaches private resources."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import (
    Acknowledgment,
    Annotations,
    ArnFormat,
    Aws,
    Duration,
    Names,
    RemovalPolicy,
    Stack,
    Token,
    Validations,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from buttress.errors import invalid
from buttress.network import GATEWAY_ENDPOINTS, KNOWN_INTERFACE_ENDPOINTS, Network
from buttress.parts.log_buckets import log_delivery_bucket
from buttress.rules.codebuild import BuildNeeds, check_isolated_egress, check_subnet_capacity

#: Subnet types a build may run in: both have no public IPs; isolated ones reach AWS through endpoints.
BUILD_SUBNET_TYPES = (ec2.SubnetType.PRIVATE_WITH_EGRESS, ec2.SubnetType.PRIVATE_ISOLATED)
#: CodeBuild's build timeout range, in minutes.
TIMEOUT_MINUTES = (5, 2160)
CACHE_KINDS = ("none", "s3", "local")
LAMBDA_IMAGE_TYPES = ("LINUX_LAMBDA_CONTAINER", "ARM_LAMBDA_CONTAINER")
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
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
CAPACITY_WARNING_ID = "buttress:VpcCodeBuild:subnetCapacity"


@jsii.implements(ec2.IConnectable)
class VpcCodeBuild(Construct):
    """A CodeBuild project attached to a :class:`~buttress.Network`, with secure defaults.

    The build runs in the network's private subnets (NAT egress) or, with
    ``subnet_type=PRIVATE_ISOLATED``, in its isolated subnets (AWS reached through endpoints only).
    Its own security group allows outbound HTTPS (443) only; open further paths with
    :meth:`allow_to`. The project, its logs and artifacts are encrypted with a customer-managed
    KMS key; the log group keeps logs for ``log_retention``.

    Synth-time checks (:mod:`buttress.rules.codebuild`): the selected subnets must hold
    ``concurrent_build_limit`` builds plus a 25 % margin (without a limit, a warning says what
    they hold); in isolated subnets, the network must have every endpoint the build needs
    (add interface endpoints to the ``Network`` *before* creating the project).

    The network-interface permissions CodeBuild checks when it creates the project sit in one
    policy, ``vpc_policy``, that the project depends on, so CloudFormation never creates the
    project before them (aws-cdk issues #2652, #12705); this holds for an imported role too,
    which must then be imported ``mutable`` so the policy can be attached.

    :param network: the ``Network`` to run in.
    :param build_spec: the build spec: a mapping (``{"version": "0.2", "phases": ...}``), or the
        file name of a build spec in the source. Default ``"buildspec.yml"`` from the source;
        required (as a mapping) without a source.
    :param source: ``codebuild.Source.code_commit(...)``, ``.git_hub(...)``, ``.s3(...)``, or
        ``None`` for no source. Default ``None``.
    :param subnet_type: ``PRIVATE_WITH_EGRESS`` or ``PRIVATE_ISOLATED``. Default ``PRIVATE_WITH_EGRESS``.
    :param build_image: build image. Default ``LinuxBuildImage.STANDARD_7_0``.
    :param compute_type: compute type. Default ``ComputeType.SMALL``.
    :param privileged: Docker-in-Docker (root on the build host); only for builds that build
        images. cdk-nag AwsSolutions-CB3 flags it. Default ``False``.
    :param timeout: build timeout, 5 minutes to 36 hours. Default one hour.
    :param concurrent_build_limit: most builds running at once (more are queued). Default
        ``None`` (no limit, and a synth warning that says what the subnets hold).
    :param cache: ``"none"``, ``"s3"`` (in ``bucket`` under ``cache/``) or ``"local"``. Default ``"none"``.
    :param local_cache_modes: modes of a local cache. Default source and custom.
        ``DOCKER_LAYER`` needs ``privileged``.
    :param environment_variables: plaintext variables (never secrets). Default none.
    :param parameter_store_variables: variable -> SSM parameter name; the role may read exactly
        these parameters. SecureString parameters under a customer-managed key also need
        ``kms:Decrypt`` on it. Default none.
    :param secrets_manager_variables: variable -> secret name or ARN (``name:json-key`` allowed);
        the role may read exactly these secrets. Default none.
    :param build_services: endpoint names (``Network`` names, e.g. ``"sts"``) the build's own
        commands call; the isolated-egress check requires them. Default none.
    :param artifacts: upload the build spec's ``artifacts`` to ``bucket`` under ``artifacts/``
        (zipped, per build id). A build spec mapping must then have an ``artifacts`` section.
        Default ``False``.
    :param artifact_expiration: how long uploaded artifacts are kept (whole days), ``None`` for
        ever. Default 90 days.
    :param encryption_key: customer-managed key for the project, logs and bucket. An imported key's
        policy must let CloudWatch Logs use it. Default a new key with rotation.
    :param role: service role. An imported role must be mutable. Default a new role.
    :param log_retention: build log retention. Default one month.
    :param removal_policy: of the key, log group and buckets. Default ``RETAIN``.
    :param description: project description. Default none.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        network: Network,
        build_spec: Mapping[str, Any] | str | None = None,
        source: codebuild.ISource | None = None,
        subnet_type: ec2.SubnetType = ec2.SubnetType.PRIVATE_WITH_EGRESS,
        build_image: codebuild.IBuildImage | None = None,
        compute_type: codebuild.ComputeType = codebuild.ComputeType.SMALL,
        privileged: bool = False,
        timeout: Duration | None = None,
        concurrent_build_limit: int | None = None,
        cache: str = "none",
        local_cache_modes: Sequence[codebuild.LocalCacheMode] = (
            codebuild.LocalCacheMode.SOURCE,
            codebuild.LocalCacheMode.CUSTOM,
        ),
        environment_variables: Mapping[str, str] | None = None,
        parameter_store_variables: Mapping[str, str] | None = None,
        secrets_manager_variables: Mapping[str, str] | None = None,
        build_services: Sequence[str] = (),
        artifacts: bool = False,
        artifact_expiration: Duration | None = _DEFAULT_ARTIFACT_EXPIRATION,
        encryption_key: kms.IKey | None = None,
        role: iam.IRole | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        description: str | None = None,
    ) -> None:
        super().__init__(scope, id_)
        image = build_image or codebuild.LinuxBuildImage.STANDARD_7_0
        timeout = timeout or Duration.hours(1)
        plain = dict(environment_variables or {})
        from_ssm = dict(parameter_store_variables or {})
        from_secrets = dict(secrets_manager_variables or {})

        # --- props that can be checked on their own -------------------------------------------
        if subnet_type not in BUILD_SUBNET_TYPES:
            raise invalid(
                "subnet_type",
                subnet_type.name,
                "PRIVATE_WITH_EGRESS or PRIVATE_ISOLATED: builds get no public IP, so a public subnet gives them "
                "no internet access",
            )
        spec = _build_spec(build_spec, source, artifacts)
        if image.type in LAMBDA_IMAGE_TYPES:
            raise invalid(
                "build_image",
                image.image_id,
                "an EC2-compute image (e.g. LinuxBuildImage.STANDARD_7_0): Lambda compute takes no build timeout, "
                "which this construct always sets",
            )
        _check_timeout(timeout)
        if cache not in CACHE_KINDS:
            raise invalid("cache", cache, f"one of {', '.join(CACHE_KINDS)}")
        if cache == "local" and codebuild.LocalCacheMode.DOCKER_LAYER in local_cache_modes and not privileged:
            raise invalid(
                "local_cache_modes", "DOCKER_LAYER", "the Docker layer cache needs privileged=True (Docker builds)"
            )
        if cache == "local" and not local_cache_modes:
            raise invalid("local_cache_modes", [], "at least one mode when cache='local'")
        variables = _environment_variables(plain, from_ssm, from_secrets)
        if artifact_expiration is not _DEFAULT_ARTIFACT_EXPIRATION and not artifacts:
            raise invalid(
                "artifact_expiration",
                artifact_expiration.to_human_string() if artifact_expiration else None,
                "only with artifacts=True (it expires uploaded artifacts)",
            )
        unknown = sorted(set(build_services) - KNOWN_INTERFACE_ENDPOINTS - set(GATEWAY_ENDPOINTS))
        if unknown:
            raise invalid("build_services", unknown, "Network endpoint names such as 'sts', 'ecr.api', 'dynamodb'")

        # --- the network path ------------------------------------------------------------------
        group = "private" if subnet_type == ec2.SubnetType.PRIVATE_WITH_EGRESS else "isolated"
        if group not in {planned.group for planned in network.plan}:
            raise invalid("subnet_type", subnet_type.name, f"a subnet type the network has (it has no {group} subnets)")
        capacity = network.usable_addresses(ec2.SubnetSelection(subnet_type=subnet_type))
        warning = check_subnet_capacity(list(capacity), concurrent_build_limit)
        if warning:
            Annotations.of(self).add_warning_v2(CAPACITY_WARNING_ID, warning)
        source_type = source.type if source else "NO_SOURCE"
        if subnet_type == ec2.SubnetType.PRIVATE_ISOLATED:
            needs = BuildNeeds(
                source_type=source_type,
                image_kind=_image_kind(image),
                parameter_store=bool(from_ssm),
                secrets_manager=bool(from_secrets),
                services=tuple(build_services),
            )
            check_isolated_egress(needs, available=set(GATEWAY_ENDPOINTS) | set(network.interface_endpoints))

        #: The network the build runs in.
        self.network = network
        #: The build's security group: outbound HTTPS only, plus what :meth:`allow_to` opens.
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=network.vpc,
            description="CodeBuild project: outbound HTTPS and granted paths only",
            allow_all_outbound=False,
        )
        self.security_group.add_egress_rule(
            ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS: AWS APIs (endpoints or NAT), source hosts, registries"
        )
        #: Connections of the build's network interfaces.
        self.connections = ec2.Connections(security_groups=[self.security_group])
        subnet_ids = network.vpc.select_subnets(subnet_type=subnet_type).subnet_ids

        # --- encryption, logs, bucket ------------------------------------------------------------
        #: Customer-managed key of the project, its logs and bucket.
        self.encryption_key: kms.IKey = encryption_key or kms.Key(
            self,
            "Key",
            description="CodeBuild project: build artifacts, logs and caches",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        # A literal name lets the key policy name this log group without a cycle (the group refers to the key).
        log_group_name = f"/buttress/codebuild/{Names.unique_id(self)}"
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
                            resource_name=log_group_name,
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    }
                },
            )
        )
        #: Build logs.
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=log_group_name,
            retention=log_retention,
            encryption_key=self.encryption_key,
            removal_policy=removal_policy,
        )
        #: Artifacts and S3 cache bucket (KMS-encrypted, TLS only), or ``None`` when neither is used.
        self.bucket: s3.Bucket | None = None
        #: Server access logs of ``bucket``.
        self.access_logs_bucket: s3.Bucket | None = None
        if artifacts or cache == "s3":
            self.access_logs_bucket = log_delivery_bucket(
                self,
                "AccessLogs",
                removal_policy=removal_policy,
                receives="the S3 server access logs of the artifacts bucket",
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
                lifecycle_rules=_lifecycle_rules(artifact_expiration),
                removal_policy=removal_policy,
            )

        # --- the project -------------------------------------------------------------------------
        project_cache: codebuild.Cache | None = None
        if cache == "s3":
            assert self.bucket is not None
            project_cache = codebuild.Cache.bucket(self.bucket, prefix="cache")
        elif cache == "local":
            project_cache = codebuild.Cache.local(*local_cache_modes)
        project_artifacts = (
            codebuild.Artifacts.s3(
                bucket=self.bucket, path="artifacts", include_build_id=True, package_zip=True, encryption=True
            )
            if artifacts and self.bucket is not None
            else None
        )
        #: The L2 CodeBuild project.
        self.project = codebuild.Project(
            self,
            "Project",
            description=description,
            source=source,
            build_spec=spec,
            artifacts=project_artifacts,
            environment=codebuild.BuildEnvironment(build_image=image, compute_type=compute_type, privileged=privileged),
            environment_variables=variables,
            timeout=timeout,
            concurrent_build_limit=concurrent_build_limit,
            cache=project_cache,
            encryption_key=self.encryption_key,
            role=role,
            logging=codebuild.LoggingOptions(cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self.log_group)),
        )
        assert self.project.role is not None  # a Project always has one: the given role or its own
        #: The project's service role.
        self.role: iam.IRole = self.project.role
        # The VPC goes on the L1 rather than the L2's ``vpc`` prop: aws-cdk-lib 2.275 puts
        # ec2:CreateNetworkInterfacePermission into the role's default policy, which refers to the
        # project (log permissions), so it can never be ordered before it, and drops it silently
        # for an immutable imported role. Here every ENI permission is in ``vpc_policy``.
        cfn_project = self.project.node.default_child
        assert isinstance(cfn_project, codebuild.CfnProject)
        cfn_project.vpc_config = codebuild.CfnProject.VpcConfigProperty(
            vpc_id=network.vpc.vpc_id,
            subnets=subnet_ids,
            security_group_ids=[self.security_group.security_group_id],
        )
        stack = Stack.of(self)
        #: Network-interface permissions CodeBuild needs; the project depends on this policy.
        self.vpc_policy = iam.Policy(
            self,
            "VpcPolicy",
            statements=[
                iam.PolicyStatement(sid="BuildNetworkInterfaces", actions=list(ENI_ACTIONS), resources=["*"]),
                iam.PolicyStatement(
                    sid="BuildNetworkInterfacePermission",
                    actions=["ec2:CreateNetworkInterfacePermission"],
                    resources=[
                        stack.format_arn(service="ec2", resource="network-interface", resource_name="*"),
                    ],
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
        cfn_project.node.add_dependency(vpc_policy_cfn)
        self._acknowledge_nag_findings()

    def _acknowledge_nag_findings(self) -> None:
        """Acknowledge, one by one, the AwsSolutions-IAM5 wildcards that are the narrowest grant possible.

        On the policies that hold them only (``vpc_policy`` and the role, whose default policy is
        its child, also when imported), so a wildcard added elsewhere is still reported.
        """
        stack = Stack.of(self)

        def ref(construct: Construct) -> str:
            return str(stack.resolve(stack.get_logical_id(construct.node.default_child)))  # type: ignore[arg-type]

        arn = "arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>:{resource}"
        network_findings = {
            "Resource::*": "EC2 has no resource-level permissions for the network-interface and Describe* actions "
            "CodeBuild calls to attach a build to the VPC (AWS CodeBuild user guide, VPC service-role policy)",
            "Resource::" + arn.format(service="ec2", resource="network-interface/*"): (
                "the build's interface does not exist yet; the grant is conditioned on this project's subnets "
                "and on ec2:AuthorizedService codebuild.amazonaws.com"
            ),
        }
        project = ref(self.project)
        role_findings = {
            "Action::kms:GenerateDataKey*": "grant on this project's own customer-managed key only",
            "Action::kms:ReEncrypt*": "grant on this project's own customer-managed key only",
            "Resource::" + arn.format(service="logs", resource=f"log-group:/aws/codebuild/<{project}>:*"): (
                "log streams of this project's default log group, named per build by CodeBuild"
            ),
            "Resource::" + arn.format(service="codebuild", resource=f"report-group/<{project}>-*"): (
                "test-report groups CodeBuild names after this project"
            ),
        }
        if self.bucket is not None:
            for action in ("s3:Abort*", "s3:DeleteObject*", "s3:GetBucket*", "s3:GetObject*", "s3:List*"):
                role_findings[f"Action::{action}"] = "read/write on this project's own artifacts and cache bucket only"
            role_findings[f"Resource::<{ref(self.bucket)}.Arn>/*"] = (
                "objects of this project's own artifacts and cache bucket, keyed by build id"
            )
        for scope, findings in ((self.vpc_policy, network_findings), (self.role, role_findings)):
            for finding, reason in findings.items():
                Validations.of(scope).acknowledge(Acknowledgment(id=f"AwsSolutions-IAM5[{finding}]", reason=reason))

    def allow_to(self, other: ec2.IConnectable, port: int, description: str | None = None) -> None:
        """Let builds open TCP connections to ``other`` on ``port`` (egress here, ingress there)."""
        if not isinstance(port, int) or not 1 <= port <= 65535:
            raise invalid("port", port, "a TCP port from 1 to 65535")
        self.connections.allow_to(other, ec2.Port.tcp(port), description or f"CodeBuild builds to port {port}")

    def grant_start_build(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` start, stop and read builds of this project."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["codebuild:StartBuild", "codebuild:StopBuild", "codebuild:BatchGetBuilds"],
            resource_arns=[self.project.project_arn],
        )

    def metric_failed_builds(self, period: Duration | None = None) -> cloudwatch.Metric:
        """Failed builds of this project (sum per ``period``, default five minutes)."""
        return self.project.metric_failed_builds(period=period or Duration.minutes(5))


def _build_spec(
    build_spec: Mapping[str, Any] | str | None, source: codebuild.ISource | None, artifacts: bool
) -> codebuild.BuildSpec:
    if build_spec is None:
        if source is None:
            raise invalid("build_spec", None, "a build spec mapping: a project without a source has no buildspec file")
        return codebuild.BuildSpec.from_source_filename("buildspec.yml")
    if isinstance(build_spec, str):
        if source is None:
            raise invalid(
                "build_spec", build_spec, "a build spec mapping: a project without a source has no files to read"
            )
        if not build_spec.strip() or build_spec.startswith("/"):
            raise invalid("build_spec", build_spec, "a file path relative to the source root, e.g. 'buildspec.yml'")
        return codebuild.BuildSpec.from_source_filename(build_spec)
    if not isinstance(build_spec, Mapping):
        raise invalid("build_spec", build_spec, "a mapping (build spec object) or a file name in the source")
    if "version" not in build_spec or "phases" not in build_spec:
        raise invalid(
            "build_spec", sorted(build_spec), "a build spec with at least 'version' (e.g. '0.2') and 'phases'"
        )
    if artifacts and "artifacts" not in build_spec:
        raise invalid("build_spec", sorted(build_spec), "an 'artifacts' section, since artifacts=True")
    return codebuild.BuildSpec.from_object(dict(build_spec))


def _lifecycle_rules(artifact_expiration: Duration | None) -> list[s3.LifecycleRule]:
    rules = [s3.LifecycleRule(id="AbortIncompleteUploads", abort_incomplete_multipart_upload_after=Duration.days(7))]
    if artifact_expiration is None:
        return rules
    seconds = artifact_expiration.to_seconds()
    days = 1.0 if Token.is_unresolved(seconds) else seconds / 86400
    if days < 1 or days != int(days):
        raise invalid("artifact_expiration", artifact_expiration.to_human_string(), "whole days, at least 1, or None")
    rules.append(s3.LifecycleRule(id="ExpireArtifacts", prefix="artifacts/", expiration=artifact_expiration))
    return rules


def _check_timeout(timeout: Duration) -> None:
    if Token.is_unresolved(timeout.to_seconds()):
        return
    low, high = TIMEOUT_MINUTES
    minutes = timeout.to_seconds() / 60
    if not low <= minutes <= high or minutes != int(minutes):
        raise invalid("timeout", timeout.to_human_string(), f"whole minutes from {low} to {high} (36 hours)")


def _environment_variables(
    plain: Mapping[str, str], from_ssm: Mapping[str, str], from_secrets: Mapping[str, str]
) -> dict[str, codebuild.BuildEnvironmentVariable]:
    variables: dict[str, codebuild.BuildEnvironmentVariable] = {}
    kinds = (
        ("environment_variables", plain, codebuild.BuildEnvironmentVariableType.PLAINTEXT),
        ("parameter_store_variables", from_ssm, codebuild.BuildEnvironmentVariableType.PARAMETER_STORE),
        ("secrets_manager_variables", from_secrets, codebuild.BuildEnvironmentVariableType.SECRETS_MANAGER),
    )
    for prop, mapping, type_ in kinds:
        for name, value in mapping.items():
            if not _ENV_NAME.match(name) or name.upper().startswith("CODEBUILD_"):
                raise invalid(
                    prop, name, "variable names are letters, digits and '_', not starting with a digit or CODEBUILD_"
                )
            if name in variables:
                raise invalid(prop, name, "a name not already set by another of the *_variables props")
            if type_ != codebuild.BuildEnvironmentVariableType.PLAINTEXT and not (
                Token.is_unresolved(value) or value.strip()
            ):
                raise invalid(prop, {name: value}, "a parameter or secret name (or ARN)")
            if type_ == codebuild.BuildEnvironmentVariableType.PARAMETER_STORE and value.startswith("arn:"):
                # aws-cdk-lib would scope the read to parameter/arn:..., which matches nothing.
                raise invalid(prop, {name: value}, "a parameter name such as '/ci/db/host', not an ARN")
            variables[name] = codebuild.BuildEnvironmentVariable(value=value, type=type_)
    return variables


def _image_kind(image: codebuild.IBuildImage) -> str:
    if image.repository is not None or ".dkr.ecr." in image.image_id:
        return "ecr"
    if image.image_id.startswith("aws/codebuild/"):
        return "codebuild"
    return "registry"
