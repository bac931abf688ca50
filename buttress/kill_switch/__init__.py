"""``BudgetKillSwitch``: an AWS Budget whose actual-cost breach stops the spending it measures.

One module per concern: ``switch`` (the construct, a table of contents), ``props`` (its keyword
arguments as one dataclass), ``checks`` (the one check), ``budget`` (the budget and the Budgets
action), ``functions`` (the engage and restore functions), ``iam_statements`` (their least-privilege
statements), and for issue 25 ``tripwires`` (metric alarms that engage), ``stages`` (escalating
thresholds), ``organizations`` (the service control policy) and ``reach`` (their checks). The
runtime is the separate package ``buttress._lambda_src.kill_switch``.
"""

from buttress.kill_switch.chat import ChatChannel
from buttress.kill_switch.props import BudgetKillSwitchProps
from buttress.kill_switch.stages import Stage
from buttress.kill_switch.switch import EXEMPT_TAG, BudgetKillSwitch
from buttress.kill_switch.tripwires import Tripwire
from buttress.rules.kill_switch import DEFAULT_DENY_ACTIONS, MAX_EMAILS

__all__ = [
    "DEFAULT_DENY_ACTIONS",
    "EXEMPT_TAG",
    "MAX_EMAILS",
    "BudgetKillSwitch",
    "BudgetKillSwitchProps",
    "ChatChannel",
    "Stage",
    "Tripwire",
]
