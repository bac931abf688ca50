"""buttress: AWS CDK constructs for VPC CodeBuild, SNS fan-out, ALB Fargate and a budget kill-switch."""

from buttress.errors import ButtressError
from buttress.fanout import FanoutSubscriber, FanoutTopic
from buttress.filter_policy import FilterPolicyError
from buttress.network import Network
from buttress.subnets import usable_addresses

__all__ = [
    "ButtressError",
    "FanoutSubscriber",
    "FanoutTopic",
    "FilterPolicyError",
    "Network",
    "usable_addresses",
]
__version__ = "0.1.0"
