"""``FanoutTopic``: one encrypted SNS topic, many subscribers, filter policies checked at synth.

The construct is :class:`~buttress.fanout.topic.FanoutTopic`; the modules beside it hold one
concern each (see ``topic.py``). Every public name of the former ``buttress/fanout.py`` module is
importable from here.
"""

from buttress.fanout.limits import CFN_TEMPLATE_BYTES, policy_json, policy_template_bytes
from buttress.fanout.subscriptions import FanoutSubscriber
from buttress.fanout.topic import FanoutTopic
from buttress.rules.fanout import CFN_RESOURCE_LIMIT, FILTERING_METRICS, RESOURCES_PER_SUBSCRIBER

__all__ = [
    "CFN_RESOURCE_LIMIT",
    "CFN_TEMPLATE_BYTES",
    "FILTERING_METRICS",
    "RESOURCES_PER_SUBSCRIBER",
    "FanoutSubscriber",
    "FanoutTopic",
    "policy_json",
    "policy_template_bytes",
]
