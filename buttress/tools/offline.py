"""The environment in which the CDK CLI and jsii run offline, with no way to reach a real AWS account.

One definition for every place that starts ``cdk`` or a synthesis (``make review``, the review
workflow, ``make diff``, ``make deploy-local``, ``make consumer``, ``make bench``):

- every ``AWS_*`` variable of the caller is dropped and the AWS config and credentials files point
  at ``os.devnull``, so no profile, key or SSO session of the machine is picked up;
- instance-metadata probing, the CLI's telemetry, notices-style version checks and jsii's Node
  version warning are off;
- with ``endpoint``, fake credentials and a region are set and every AWS endpoint points at it:
  :data:`CLOSED_ENDPOINT` (a closed loopback port, so an unexpected call fails at once) for
  commands that insist on credentials (``cdk diff``), moto's server for a deploy rehearsal.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

#: Port 9 (discard) on loopback: an unexpected AWS call fails at once instead of leaving the machine.
CLOSED_ENDPOINT = "http://127.0.0.1:9"
OFFLINE_REGION = "us-east-1"
#: Set in every offline environment (the Makefile exports the same).
OFFLINE_VARIABLES: Mapping[str, str] = {
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "CDK_DISABLE_CLI_TELEMETRY": "true",
    "CDK_DISABLE_VERSION_CHECK": "true",
    "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def offline_env(
    *,
    bin_dirs: Sequence[Path | str] = (),
    endpoint: str | None = None,
    base: Mapping[str, str] | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """An environment for ``cdk`` / a synthesis that cannot reach AWS.

    ``bin_dirs`` go first on ``PATH`` (e.g. a venv's ``bin`` with Node, ``node_modules/.bin``);
    ``base`` is the environment to start from (default ``os.environ``); ``endpoint`` adds fake
    credentials and points every AWS endpoint there; ``extra`` is applied last.
    """
    env = {k: v for k, v in (os.environ if base is None else base).items() if not k.startswith("AWS_")}
    env.update(OFFLINE_VARIABLES)
    if bin_dirs:
        env["PATH"] = os.pathsep.join([*(str(d) for d in bin_dirs), env.get("PATH", "")])
    if endpoint is not None:
        env.update(
            AWS_ACCESS_KEY_ID="offline",
            AWS_SECRET_ACCESS_KEY="offline",
            AWS_SESSION_TOKEN="offline",
            AWS_REGION=OFFLINE_REGION,
            AWS_DEFAULT_REGION=OFFLINE_REGION,
            AWS_ENDPOINT_URL=endpoint,
        )
    env.update(extra or {})
    return env
