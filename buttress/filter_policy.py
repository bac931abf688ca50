"""SNS filter policies: validate and simulate them exactly as SNS judges them (public entry point).

The logic lives in :mod:`buttress.rules.filter_policy` with the other pure rule modules; this
module keeps ``buttress.filter_policy`` (the import the README documents) stable.
"""

from buttress.rules.filter_policy import (
    MAX_COMBINATIONS,
    MAX_KEYS,
    MAX_POLICY_BYTES,
    NUMERIC_MAX,
    NUMERIC_MIN,
    OPERATORS,
    SCOPES,
    CompiledPolicy,
    FilterPolicyError,
    combinations,
    compile_policy,
    matches,
    normalize_attributes,
    undot,
    validate,
)

__all__ = [
    "MAX_COMBINATIONS",
    "MAX_KEYS",
    "MAX_POLICY_BYTES",
    "NUMERIC_MAX",
    "NUMERIC_MIN",
    "OPERATORS",
    "SCOPES",
    "CompiledPolicy",
    "FilterPolicyError",
    "combinations",
    "compile_policy",
    "matches",
    "normalize_attributes",
    "undot",
    "validate",
]
