"""``Network``: the VPC that buttress's Fargate services and CodeBuild projects share.

``construct`` holds the construct, ``props`` its keyword arguments as one dataclass and their one
check, ``vpc_input`` the one way every construct takes a ``vpc`` prop (a ``Network`` or any
``ec2.IVpc``).
"""

from buttress.network.construct import FLOW_LOG_READ_ACTIONS, GATEWAY_ENDPOINTS, Network
from buttress.network.props import NetworkProps
from buttress.network.vpc_input import UNCHECKED_WARNING, VpcInput, vpc_input
from buttress.rules.network import KNOWN_INTERFACE_ENDPOINTS

__all__ = [
    "FLOW_LOG_READ_ACTIONS",
    "GATEWAY_ENDPOINTS",
    "KNOWN_INTERFACE_ENDPOINTS",
    "UNCHECKED_WARNING",
    "Network",
    "NetworkProps",
    "VpcInput",
    "vpc_input",
]
