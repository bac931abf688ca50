"""When a resource is already where restore would put it, and when a running database was started by a person.

Restore puts back the recorded state; a resource someone already put back (a database started by
hand, or by AWS after seven days stopped) makes the start call fail (``InvalidDBInstanceState``,
``InvalidDBClusterStateFault``, SageMaker's ``ValidationException``, App Runner's
``InvalidStateRequestException``). Being in the wanted state is success for every kind, as
``NoSuchEntity`` already is for a detach: the record is marked restored, so nothing stops it again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from .actions import apply_state, read_state
from .config import Kind

if TYPE_CHECKING:
    from .actions import Clients
    from .config import Config
    from .plan import Target

#: AWS starts a stopped RDS DB instance or Aurora cluster again after seven days:
#: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_StopInstance.html and
#: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-cluster-stop-start.html.
#: A database the switch stopped that runs again sooner was started by a person.
AWS_RESTART_SECONDS: Final = 7 * 86_400
#: Tolerance for clocks and for the minutes a stop takes: an hour short of seven days still counts as AWS's.
_TOLERANCE_SECONDS: Final = 3_600
#: Per kind, the current values that already are the started state restore wants (or are on their
#: way to it, started by someone else): restore has nothing left to do.
_STARTED: Final[Mapping[Kind, tuple[str, frozenset[str]]]] = {
    Kind.RDS: ("status", frozenset({"available", "starting"})),
    Kind.RDS_CLUSTER: ("status", frozenset({"available", "starting"})),
    Kind.SAGEMAKER: ("status", frozenset({"InService", "Pending"})),
    Kind.APPRUNNER: ("status", frozenset({"RUNNING"})),
    Kind.EC2: ("state", frozenset({"running", "pending"})),
}


def already(kind: Kind, wanted: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    """Whether ``current`` (read from AWS) already is the ``wanted`` restore state."""
    if kind in _STARTED:
        key, values = _STARTED[kind]
        return current.get(key) in values
    if kind == Kind.ASG:
        same = all(current.get(k) == wanted[k] for k in ("min", "max", "desired"))
        return same and sorted(current.get("suspended", ())) == sorted(wanted["suspended"])
    return all(current.get(k) == v for k, v in wanted.items())


#: Kinds whose restore call AWS refuses when the resource already is started (or may refuse when
#: nothing changes): only these are read after a refusal (the restore role may read them, by
#: resource type). The others' calls set values and succeed whatever the current state.
READ_ON_REFUSAL: Final = frozenset({Kind.RDS, Kind.RDS_CLUSTER, Kind.SAGEMAKER, Kind.APPRUNNER, Kind.EKS})


def restore_one(clients: Clients, config: Config, target: Target, wanted: Mapping[str, Any]) -> str:
    """Make ``target`` be ``wanted``; the reason to report. A refusal because it already is: success."""
    try:
        apply_state(clients, config, target, wanted)
    except ClientError:
        if target.kind not in READ_ON_REFUSAL:
            raise
        current = read_state(clients, config, target)
        if not already(target.kind, wanted, current):
            raise
        return f"already {json.dumps(current, sort_keys=True)} (put back by hand): nothing to do"
    return f"set {json.dumps(wanted, sort_keys=True)}"


def started_by_hand(stopped_at: float | None, now: float) -> bool:
    """Whether a database the switch stopped at ``stopped_at`` and now finds running was started by a
    person: sooner than AWS restarts one. Unknown (``None``): not known to be, so re-stopped."""
    return stopped_at is not None and now - stopped_at < AWS_RESTART_SECONDS - _TOLERANCE_SECONDS
