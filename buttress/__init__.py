"""buttress: AWS CDK constructs for VPC CodeBuild, SNS fan-out, ALB Fargate and a budget kill-switch.

The names below are imported on first use (PEP 562), so ``import buttress.tools.cost`` or
``import buttress.filter_policy`` (pure modules) does not start jsii and Node, which costs about
a second per process; ``from buttress import Network`` still works as usual.
To export a name, add it to ``_EXPORTS`` and to the ``TYPE_CHECKING`` block.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from buttress.codebuild import VpcCodeBuild
    from buttress.errors import ButtressError
    from buttress.fanout import FanoutSubscriber, FanoutTopic
    from buttress.fargate import AlbFargateService, Deployment, ExtraPort, ServiceConnect, Sidecar, Waf
    from buttress.kill_switch import BudgetKillSwitch
    from buttress.network import Network
    from buttress.options import (
        BuildCache,
        CpuArchitecture,
        DeadLetterQueue,
        DeploymentStrategy,
        FilterScope,
        ListenerProtocol,
        WafMode,
    )
    from buttress.rules.filter_policy import FilterPolicyError
    from buttress.rules.subnets import usable_addresses

#: Public name -> module that defines it.
_EXPORTS: dict[str, str] = {
    "VpcCodeBuild": "buttress.codebuild",
    "ButtressError": "buttress.errors",
    "FanoutSubscriber": "buttress.fanout",
    "FanoutTopic": "buttress.fanout",
    "AlbFargateService": "buttress.fargate",
    "Deployment": "buttress.fargate",
    "ExtraPort": "buttress.fargate",
    "ServiceConnect": "buttress.fargate",
    "Sidecar": "buttress.fargate",
    "Waf": "buttress.fargate",
    "FilterPolicyError": "buttress.rules.filter_policy",
    "BudgetKillSwitch": "buttress.kill_switch",
    "Network": "buttress.network",
    "BuildCache": "buttress.options",
    "CpuArchitecture": "buttress.options",
    "DeadLetterQueue": "buttress.options",
    "DeploymentStrategy": "buttress.options",
    "FilterScope": "buttress.options",
    "ListenerProtocol": "buttress.options",
    "WafMode": "buttress.options",
    "usable_addresses": "buttress.rules.subnets",
}

__all__ = [
    "AlbFargateService",
    "BudgetKillSwitch",
    "BuildCache",
    "ButtressError",
    "CpuArchitecture",
    "DeadLetterQueue",
    "Deployment",
    "DeploymentStrategy",
    "ExtraPort",
    "FanoutSubscriber",
    "FanoutTopic",
    "FilterPolicyError",
    "FilterScope",
    "ListenerProtocol",
    "Network",
    "ServiceConnect",
    "Sidecar",
    "VpcCodeBuild",
    "Waf",
    "WafMode",
    "usable_addresses",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'buttress' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
