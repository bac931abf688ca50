"""The cdk-nag and compliance findings a :class:`~buttress.VpcCodeBuild` legitimately raises, acknowledged one by one.

Each on the one resource it concerns, through :mod:`buttress.parts.nag`, with a reason a
security reviewer would accept; read from the construct's public attributes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import ArnFormat, Stack

from buttress.codebuild.props import CheckedProps
from buttress.parts.log_groups import acknowledge_short_retention
from buttress.parts.nag import acknowledge_rule, acknowledge_wildcards

if TYPE_CHECKING:
    from aws_cdk import aws_s3 as s3

    from buttress.codebuild.project import VpcCodeBuild


def acknowledge_nag_findings(build: VpcCodeBuild, eni_arn: str) -> None:
    """Acknowledge, one by one, the AwsSolutions-IAM5 wildcards that are the narrowest grant possible.

    On the policies that hold them only (``vpc_policy`` and the role, whose default policy is
    its child, also when imported), so a wildcard added elsewhere is still reported. Each id is
    rendered from the ARN token the policy holds (:mod:`buttress.parts.nag`), so it matches
    with an explicit environment and without.
    """
    if build.vpc_policy is not None:
        acknowledge_wildcards(
            build.vpc_policy,
            resources={
                "*": "EC2 has no resource-level permissions for the network-interface and Describe* actions "
                "CodeBuild calls to attach a build to the VPC (AWS CodeBuild user guide, VPC service-role policy)",
                eni_arn: "the build's interface does not exist yet; the grant is conditioned on this project's "
                "subnets and on ec2:AuthorizedService codebuild.amazonaws.com",
            },
        )
    stack, name = Stack.of(build), build.project.project_name
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
    if build.bucket is not None:
        for action in ("s3:Abort*", "s3:DeleteObject*", "s3:GetBucket*", "s3:GetObject*", "s3:List*"):
            actions[action] = "read/write on this project's own artifacts and cache bucket only"
        resources[build.bucket.arn_for_objects("*")] = (
            "objects of this project's own artifacts and cache bucket, keyed by build id"
        )
    acknowledge_wildcards(build.role, resources=resources, actions=actions)
    if build.fleet is not None:
        acknowledge_wildcards(
            build.fleet,
            resources={
                "*": "EC2 has no resource-level permissions for the network-interface and Describe* actions "
                "CodeBuild calls to attach the fleet's instances to the VPC (aws-cdk-lib's fleet service role)",
                eni_arn: "the instances' interfaces do not exist yet; the grant is conditioned on the fleet's subnets",
            },
        )


def acknowledge_compliance(build: VpcCodeBuild, props: CheckedProps) -> None:
    """The compliance rules this project's resources legitimately do not meet, each on its resource."""
    acknowledge_short_retention(build.log_group, props.log_retention, "log_retention")
    acknowledge_rule(
        build.role,
        "IAMNoInlinePolicy",
        "The project's own service role with one policy holding exactly its grants (its logs, key, bucket, "
        "parameters); a customer-managed policy would be a reusable object nothing else should attach.",
    )
    if build.vpc_policy is not None:
        acknowledge_rule(
            build.vpc_policy,
            "IAMNoInlinePolicy",
            "The ENI permissions CodeBuild needs in the VPC, on this project's role only, in a policy of their own "
            "so the project can wait for it; conditioned on this project's subnets.",
        )
    if build.batch_role is not None:
        acknowledge_rule(
            build.batch_role,
            "IAMNoInlinePolicy",
            "The batch service role aws-cdk-lib creates for this project only; its one policy allows starting, "
            "stopping and retrying builds of this project and nothing else.",
        )
    if props.source is None or props.source.type not in ("GITHUB", "GITHUB_ENTERPRISE", "BITBUCKET"):
        acknowledge_rule(
            build.project,
            "CodeBuildProjectSourceRepoUrl",
            "The rule asks GitHub and Bitbucket sources to authenticate with OAuth; this project has no such "
            f"source ({props.source.type if props.source else 'NO_SOURCE'}), so there is no repository URL "
            "or credential in it.",
        )
    if build.bucket is not None:
        _acknowledge_bucket(build.bucket, props)


def _acknowledge_bucket(bucket: s3.Bucket, props: CheckedProps) -> None:
    kept = "for ever" if props.artifact_expiration is None else f"{props.artifact_expiration.to_days()} days"
    acknowledge_rule(
        bucket,
        "S3BucketVersioningEnabled",
        "Build artifacts are keyed by build id and never overwritten; the S3 cache is rebuilt by any build, "
        f"so old versions would only add storage. Artifacts are kept {kept} (artifact_expiration).",
        guard=["s3_bucket_versioning_enabled_check"],
    )
    acknowledge_rule(
        bucket,
        "S3BucketReplicationEnabled",
        "Build outputs and caches are reproducible from the source by running the build again; a replica in "
        "another region would be a second copy of disposable data.",
    )
    acknowledge_rule(
        bucket,
        "",
        "Object Lock (WORM) would keep artifacts and caches past their expiry; release artifacts belong in "
        "the release repository, not in a build bucket.",
        guard=["s3_bucket_object_lock_enabled_check"],
    )
    acknowledge_rule(
        bucket,
        "",
        "Nothing consumes the bucket's events: builds read and write it directly; its server access logs "
        "record every request.",
        guard=["s3_event_notifications_enabled_check"],
    )
