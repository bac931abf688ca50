"""The names the integ apps, the tests and the runner share; no CDK import (the runner refuses fast)."""

from __future__ import annotations

#: The integ apps, in the order they are deployed.
APP_NAMES: tuple[str, ...] = ("fanout", "killswitch", "network", "alb", "codebuild")
#: Every resource of a run carries this tag with the run id: what ``make integ-clean`` looks for.
RUN_TAG = "buttress:integ-run"
#: The run id of the offline synthesis (snapshots, moto): fixed, so the templates are stable.
OFFLINE_RUN_ID = "offline"
#: Context: the operators' e-mail of the kill switch (real runs: ``INTEG_EMAIL``).
EMAIL_CONTEXT = "buttress:integEmail"


def stack_name(app: str, run_id: str) -> str:
    """The one stack of integ app ``app`` in run ``run_id``."""
    return f"ButtressInteg-{app.capitalize()}-{run_id}"
