"""The example app synthesized with a choice of compliance plugins: ``python bench/apps/compliance_app.py MODE``.

MODE: ``none`` (no plugin), ``nag`` (the five cdk-nag packs), ``guard`` (the Control Tower rules as
buttress runs them, grouped by resource type), ``all`` (both, as ``app.py`` does), ``plain`` (the
five packs and ``CfnGuardValidator`` run as shipped, in one cfn-guard process: the way before).
The cfn-guard report cache is used only when ``BUTTRESS_GUARD_CACHE`` is set.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import app as example
from buttress import compliance

MODES = ("none", "nag", "guard", "all", "plain")


def plugins_for(mode: str) -> Any:
    every = compliance.plugins

    def choose(app: Any) -> list[Any]:
        if mode == "none":
            return []
        if mode == "guard":
            return [compliance.control_tower_rules(app)]
        packs = every(app)[:-1]
        if mode == "nag":
            return packs
        if mode == "plain":
            from cdklabs.cdk_validator_cfnguard import CfnGuardValidator

            types = compliance.resource_types(app)
            skipped = compliance.rules_not_applicable(compliance.control_tower_rule_types(), types)
            return [*packs, CfnGuardValidator(disabled_rules=skipped)]
        return every(app)

    return choose


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode not in MODES:
        raise SystemExit(f"mode {mode!r}: one of {MODES}")
    compliance.plugins = plugins_for(mode)
    example.build_app().synth()
