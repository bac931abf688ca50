"""The AWS partition a region belongs to: pure, from the region name's prefix.

A partition is a group of regions with its own IAM, endpoints and ARNs (``arn:<partition>:...``);
nothing crosses partitions: https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html
and https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html.
"""

from __future__ import annotations

from typing import Final

#: Region-name prefix -> partition; the longer prefixes first (``us-isob-`` before ``us-iso-``).
PARTITION_PREFIXES: Final = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-isof-", "aws-iso-f"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-iso-", "aws-iso"),
)
#: The partition of every other region.
COMMERCIAL: Final = "aws"
#: The page that says partitions do not mix, for error messages.
PARTITIONS_PAGE: Final = "https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html"


def partition_of(region: str) -> str:
    """``aws-cn`` for ``cn-north-1``, ``aws-us-gov`` for ``us-gov-west-1``, ``aws`` for ``eu-west-1``."""
    for prefix, partition in PARTITION_PREFIXES:
        if region.startswith(prefix):
            return partition
    return COMMERCIAL
