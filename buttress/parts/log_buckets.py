"""The private, TLS-only bucket AWS services deliver logs to (ELB access logs, S3 server access logs)."""

from __future__ import annotations

from aws_cdk import Acknowledgment, RemovalPolicy, Validations
from aws_cdk import aws_s3 as s3
from constructs import Construct


def log_delivery_bucket(scope: Construct, id_: str, *, removal_policy: RemovalPolicy, receives: str) -> s3.Bucket:
    """A bucket that only receives logs: SSE-S3, TLS-only, private, bucket-owner-enforced.

    Both ELB access logs and S3 server access logs can be delivered only to SSE-S3 buckets,
    so a customer-managed key is not an option here. cdk-nag's AwsSolutions-S1 (server access
    logs of this bucket) is acknowledged: logging a log destination would log its own log
    deliveries. ``receives`` says what it holds, for that acknowledgement's reason.
    """
    bucket = s3.Bucket(
        scope,
        id_,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        removal_policy=removal_policy,
    )
    Validations.of(bucket).acknowledge(
        Acknowledgment(
            id="AwsSolutions-S1",
            reason=f"This bucket only receives {receives}; server access logs of it would log its own log "
            "deliveries. Reads of it are auditable with CloudTrail data events.",
        )
    )
    return bucket
