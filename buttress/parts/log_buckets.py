"""The private, TLS-only bucket AWS services deliver logs to (ELB access logs, S3 server access logs)."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from buttress.parts.nag import AWS_SOLUTIONS, acknowledge, acknowledge_rule

#: How long delivered logs are kept unless a construct's ``access_log_expiration`` says otherwise:
#: one year, the audit-trail retention PCI DSS 10.7 asks for.
DEFAULT_LOG_EXPIRATION = Duration.days(365)

#: The aws-cdk-lib feature flag that makes a bucket grant S3 server access log delivery with a bucket
#: policy; without it aws-cdk-lib sets the ``LogDeliveryWrite`` ACL, which a bucket-owner-enforced
#: bucket cannot take ("objectOwnership must be set to ObjectWriter"). AWS recommends the policy:
#: https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html#grant-log-delivery-permissions-general
ACCESS_LOGS_BY_POLICY_FLAG = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"


def grant_access_logs_by_policy(scope: Construct) -> None:
    """Make buckets under ``scope`` grant S3 server access log delivery by bucket policy, whatever the app's flags.

    A construct must not depend on its user's feature flags: call this on the construct itself,
    before it has children (context can only be set then), when it sends S3 server access logs to a
    :func:`log_delivery_bucket`. The flag is read from the log bucket's scope, so it holds for the
    construct's own buckets only.
    """
    scope.node.set_context(ACCESS_LOGS_BY_POLICY_FLAG, True)


def log_delivery_bucket(
    scope: Construct,
    id_: str,
    *,
    removal_policy: RemovalPolicy,
    receives: str,
    expiration: Duration = DEFAULT_LOG_EXPIRATION,
    versioned: bool = False,
) -> s3.Bucket:
    """A bucket that only receives logs: SSE-S3, TLS-only, private, bucket-owner-enforced, expiring.

    Every log object expires ``expiration`` after delivery (incomplete uploads after 7 days).
    ``versioned=True`` keeps overwritten or deleted logs as noncurrent versions, which expire
    after the same period (so up to twice the storage while a deletion is recent).

    Both ELB access logs and S3 server access logs can be delivered only to SSE-S3 buckets,
    so a customer-managed key is not an option here. The rules that do not apply to a log
    destination are acknowledged on this bucket only; ``receives`` says what it holds, for the reasons.
    """
    bucket = s3.Bucket(
        scope,
        id_,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=removal_policy,
        versioned=versioned or None,
        lifecycle_rules=[
            s3.LifecycleRule(
                id="ExpireLogs",
                expiration=expiration,
                noncurrent_version_expiration=expiration if versioned else None,
                abort_incomplete_multipart_upload_after=Duration.days(7),
            )
        ],
    )
    _acknowledge(bucket, receives=receives, versioned=versioned)
    return bucket


def _acknowledge(bucket: s3.Bucket, *, receives: str, versioned: bool) -> None:
    """What a log-delivery bucket legitimately does not have, each with its reason."""
    no_logging = (
        f"This bucket only receives {receives}; server access logs of it would log its own log "
        "deliveries. Reads of it are auditable with CloudTrail data events."
    )
    acknowledge(bucket, f"{AWS_SOLUTIONS}-S1", no_logging)
    acknowledge_rule(bucket, "S3BucketLoggingEnabled", no_logging, guard=["s3_bucket_logging_enabled_check"])
    acknowledge_rule(
        bucket,
        "S3DefaultEncryptionKMS",
        f"AWS delivers {receives} only to buckets encrypted with SSE-S3 (AES-256); SSE-KMS is not supported "
        "for log delivery. The bucket denies non-TLS requests and all public access.",
        guard=["s3_bucket_default_encryption_kms_check"],
    )
    acknowledge_rule(
        bucket,
        "S3BucketReplicationEnabled",
        f"This bucket holds {receives}: operational records written by AWS, not primary data; copy them to the "
        "organization's log archive account (S3 replication) where the policy asks for a second region.",
    )
    acknowledge_rule(
        bucket,
        "",
        "Object Lock (WORM) retention is the log archive's job; on a delivery bucket it would also block "
        "the lifecycle expiry that keeps its size bounded.",
        guard=["s3_bucket_object_lock_enabled_check"],
    )
    acknowledge_rule(
        bucket,
        "",
        f"Nothing consumes events of a bucket that only receives {receives}; each delivery would be an event.",
        guard=["s3_event_notifications_enabled_check"],
    )
    if not versioned:
        acknowledge_rule(
            bucket,
            "S3BucketVersioningEnabled",
            f"AWS writes each log object of this bucket ({receives}) once and never overwrites it; versioning "
            "would only keep deleted logs, at up to twice the storage (bring a versioned bucket where a policy asks).",
            guard=["s3_bucket_versioning_enabled_check"],
        )
