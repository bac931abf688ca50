"""buttress: AWS CDK constructs for VPC CodeBuild, SNS fan-out, ALB Fargate and a budget kill-switch."""

from buttress.alb_fargate import AlbFargateService, Sidecar
from buttress.codebuild import VpcCodeBuild
from buttress.errors import ButtressError
from buttress.fanout import FanoutSubscriber, FanoutTopic
from buttress.filter_policy import FilterPolicyError
from buttress.kill_switch import BudgetKillSwitch
from buttress.network import Network
from buttress.subnets import usable_addresses

__all__ = [
    "AlbFargateService",
    "BudgetKillSwitch",
    "ButtressError",
    "FanoutSubscriber",
    "FanoutTopic",
    "FilterPolicyError",
    "Network",
    "Sidecar",
    "VpcCodeBuild",
    "usable_addresses",
]
__version__ = "0.1.0"
