"""The choices constructs take as options: str-valued enums, exported from ``buttress``.

Each member *is* its string (``ListenerProtocol.HTTP == "HTTP"``), so the plain string a user
already writes keeps working; a value that is neither is a synth-time error listing the members.
Pure module: rule modules and Lambda-independent code import it without CDK.
"""

from __future__ import annotations

from enum import StrEnum


class ListenerProtocol(StrEnum):
    """Protocol of an :class:`~buttress.AlbFargateService` listener."""

    #: TLS with a certificate, plus an HTTP to HTTPS redirect by default.
    HTTPS = "HTTPS"
    #: Plain HTTP: an explicit opt-in that warns at synth.
    HTTP = "HTTP"


class CpuArchitecture(StrEnum):
    """CPU architecture of Fargate tasks (and of images built from a Docker directory)."""

    X86_64 = "X86_64"
    #: AWS Graviton.
    ARM64 = "ARM64"


class BuildCache(StrEnum):
    """Cache of a :class:`~buttress.VpcCodeBuild` project."""

    NONE = "none"
    #: On the build host, lost when the host is recycled (``local_cache_modes`` say what).
    LOCAL = "local"
    #: In the project's S3 bucket.
    S3 = "s3"


class DeadLetterQueue(StrEnum):
    """Where a :meth:`~buttress.FanoutTopic.add_queue` consumer's failed messages go."""

    #: A dead-letter queue for this queue alone.
    OWN = "own"
    #: One dead-letter queue per topic, shared by all its queues (3 fewer resources per queue).
    SHARED = "shared"


class FilterScope(StrEnum):
    """What an SNS filter policy is matched against."""

    MESSAGE_ATTRIBUTES = "MessageAttributes"
    MESSAGE_BODY = "MessageBody"


class WafMode(StrEnum):
    """How an :class:`~buttress.AlbFargateService`'s load balancer is protected by AWS WAF (see ``buttress.Waf``)."""

    #: A web ACL built by the construct: AWS managed rule groups and a rate-based rule, logged.
    MANAGED = "MANAGED"
    #: An existing regional web ACL, by ARN (one ACL shared by many load balancers).
    EXISTING = "EXISTING"
    #: No web ACL, by explicit choice with the reason recorded.
    NONE = "NONE"


class DeploymentStrategy(StrEnum):
    """How an :class:`~buttress.AlbFargateService` deploys a new revision (see ``buttress.Deployment``)."""

    #: Replace tasks in place, guarded by the circuit breaker (the default).
    ROLLING = "ROLLING"
    #: Start the new revision next to the old one, then shift all traffic at once.
    BLUE_GREEN = "BLUE_GREEN"
    #: Shift a small share of traffic first, bake, then the rest.
    CANARY = "CANARY"
    #: Shift traffic in equal steps, baking after each.
    LINEAR = "LINEAR"
