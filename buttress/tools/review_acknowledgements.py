"""Acknowledgements of risky review changes: a reviewed file's, and those construct metadata records.

Each is an :class:`~buttress.tools.review_model.Acknowledgement`; ``--fail-on`` ignores exactly the
change it covers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from buttress.tools.assembly import CloudAssembly
from buttress.tools.review_model import ACKNOWLEDGEABLE, Acknowledgement

# -- acknowledgements ------------------------------------------------------------------------------

#: The file of acknowledgements read by default, from the directory the review runs in (the app's).
ACKNOWLEDGEMENTS_FILE = "review-acknowledgements.json"
#: Construct metadata type of an acknowledgement: ``{"stateful": "reason", ...}`` on a construct.
ACKNOWLEDGED_METADATA = "buttress:review-acknowledged"
LOGICAL_ID_METADATA = "aws:cdk:logicalId"


def _acknowledgement(entry: Any, where: str, source: str) -> Acknowledgement:
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where}: an acknowledgement is an object with stack, resource, kind and reason")
    fields = {k: entry.get(k) for k in ("stack", "resource", "kind", "reason")}
    missing = [k for k, v in fields.items() if not isinstance(v, str) or not v.strip()]
    if missing:
        raise ValueError(f"{where}: {', '.join(missing)} missing or empty (a reason is required)")
    if fields["kind"] not in ACKNOWLEDGEABLE:
        raise ValueError(f"{where}: kind {fields['kind']!r} is not one of {', '.join(ACKNOWLEDGEABLE)}")
    return Acknowledgement(
        str(fields["stack"]), str(fields["resource"]), str(fields["kind"]), str(fields["reason"]).strip(), source
    )


def read_acknowledgements(path: Path) -> list[Acknowledgement]:
    """The acknowledgements of a reviewed file (``ValueError`` naming the file and the entry)::

    {"version": 1, "acknowledgements": [
      {"stack": "Data", "resource": "OrdersTable", "kind": "stateful", "reason": "..."}]}
    """
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise ValueError(f"--acknowledgements {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"--acknowledgements {path}: not JSON: {exc}") from exc
    if not isinstance(data, Mapping) or data.get("version") != 1 or not isinstance(data.get("acknowledgements"), list):
        raise ValueError(f'--acknowledgements {path}: expected {{"version": 1, "acknowledgements": [...]}}')
    return [
        _acknowledgement(entry, f"--acknowledgements {path}: entry {i}", str(path))
        for i, entry in enumerate(data["acknowledgements"])
    ]


def metadata_acknowledgements(assembly: CloudAssembly, prefix: str = "") -> list[Acknowledgement]:
    """Acknowledgements construct metadata records (``Node.of(c).add_metadata(ACKNOWLEDGED_METADATA,
    {"stateful": "reason"})``): they cover every resource of the construct's subtree."""
    found: list[Acknowledgement] = []
    for stack in assembly.stacks:
        entries = assembly.metadata(stack)
        ids = {
            path: str(e.get("data"))
            for path, values in entries.items()
            for e in values
            if e.get("type") == LOGICAL_ID_METADATA
        }
        for path, values in entries.items():
            for entry in values:
                if entry.get("type") != ACKNOWLEDGED_METADATA:
                    continue
                data = entry.get("data")
                if not isinstance(data, Mapping):
                    raise ValueError(f"{assembly.label} {path}: {ACKNOWLEDGED_METADATA} is not {{kind: reason}}")
                for logical_id in sorted(v for k, v in ids.items() if k == path or k.startswith(path + "/")):
                    for kind, reason in sorted(data.items()):
                        entry_ = {"stack": f"{prefix}{stack}", "resource": logical_id, "kind": kind, "reason": reason}
                        found.append(_acknowledgement(entry_, f"{assembly.label} {path}", f"metadata {path}"))
    return found
