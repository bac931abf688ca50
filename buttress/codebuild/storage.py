"""What a :class:`~buttress.VpcCodeBuild` keeps: its key, build logs, artifacts and cache bucket, cache settings."""

from __future__ import annotations

from aws_cdk import ArnFormat, Aws, Duration, Names, Stack
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from buttress.codebuild.props import CheckedProps
from buttress.options import BuildCache
from buttress.parts.keys import limit_grants_to_aws_services
from buttress.parts.log_buckets import log_delivery_bucket
from buttress.rules.codebuild import BuildProps


def log_group_name(scope: Construct) -> str:
    """The build log group's name: a literal one lets the key policy name it without a cycle (it refers to the key)."""
    return f"/buttress/codebuild/{Names.unique_id(scope)}"


def encryption_key(scope: Construct, props: CheckedProps) -> kms.IKey:
    """The given key or a new one (rotated, grants to AWS services only); CloudWatch Logs may use it for the logs."""
    key: kms.IKey = props.encryption_key or kms.Key(
        scope,
        "Key",
        description="CodeBuild project: build artifacts, logs and caches",
        enable_key_rotation=True,
        removal_policy=props.removal_policy,
    )
    if props.encryption_key is None:
        assert isinstance(key, kms.Key)
        limit_grants_to_aws_services(key)
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="CloudWatchLogsForTheBuildLogGroup",
            principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
            actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            resources=["*"],
            conditions={
                "ArnEquals": {
                    "kms:EncryptionContext:aws:logs:arn": Stack.of(scope).format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name=log_group_name(scope),
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                }
            },
        )
    )
    return key


def log_group(scope: Construct, props: CheckedProps, key: kms.IKey) -> logs.LogGroup:
    """The build logs, encrypted with ``key``, kept for ``log_retention``."""
    return logs.LogGroup(
        scope,
        "Logs",
        log_group_name=log_group_name(scope),
        retention=props.log_retention,
        encryption_key=key,
        removal_policy=props.removal_policy,
    )


def access_logs_bucket(scope: Construct, props: CheckedProps) -> s3.Bucket | None:
    """The server access logs of the artifacts bucket; ``None`` without one."""
    if not _has_bucket(props):
        return None
    return log_delivery_bucket(
        scope,
        "AccessLogs",
        removal_policy=props.removal_policy,
        receives="the S3 server access logs of the artifacts bucket",
        expiration=props.access_log_expiration,
    )


def bucket(scope: Construct, props: CheckedProps, key: kms.IKey, access_logs: s3.Bucket | None) -> s3.Bucket | None:
    """The artifacts and S3 cache bucket, logging to ``access_logs``; ``None`` without artifacts or S3 cache."""
    if not _has_bucket(props):
        return None
    return s3.Bucket(
        scope,
        "Bucket",
        encryption=s3.BucketEncryption.KMS,
        encryption_key=key,
        bucket_key_enabled=True,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix="artifacts-bucket/",
        lifecycle_rules=_lifecycle_rules(props.artifact_expiration, reports=bool(props.plain.reports)),
        removal_policy=props.removal_policy,
    )


def _has_bucket(props: CheckedProps) -> bool:
    return props.plain.artifacts or props.plain.cache == BuildCache.S3


def _lifecycle_rules(artifact_expiration: Duration | None, *, reports: bool) -> list[s3.LifecycleRule]:
    rules = [s3.LifecycleRule(id="AbortIncompleteUploads", abort_incomplete_multipart_upload_after=Duration.days(7))]
    if artifact_expiration is not None:
        rules.append(s3.LifecycleRule(id="ExpireArtifacts", prefix="artifacts/", expiration=artifact_expiration))
        if reports:
            rules.append(s3.LifecycleRule(id="ExpireReports", prefix="reports/", expiration=artifact_expiration))
    return rules


def artifacts(
    plain: BuildProps, artifacts_bucket: s3.IBucket | None, identifier: str | None = None
) -> codebuild.IArtifacts | None:
    """Where the build (or its secondary artifact ``identifier``) uploads: ``artifacts/`` in the bucket, zipped."""
    if not plain.artifacts or artifacts_bucket is None:
        return None
    return codebuild.Artifacts.s3(
        bucket=artifacts_bucket,
        path="artifacts",
        name=identifier,
        identifier=identifier,
        include_build_id=True,
        package_zip=True,
        encryption=True,
    )


def cache(plain: BuildProps, cache_bucket: s3.IBucket | None) -> codebuild.Cache | None:
    """The project's cache: under ``cache/`` in the bucket, local, or none."""
    if plain.cache == BuildCache.S3:
        assert cache_bucket is not None
        return codebuild.Cache.bucket(cache_bucket, prefix="cache")
    if plain.cache == BuildCache.LOCAL:
        return codebuild.Cache.local(*(codebuild.LocalCacheMode[mode] for mode in plain.local_cache_modes))
    return None
