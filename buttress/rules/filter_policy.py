"""SNS subscription filter policies: validated before deploy and evaluated offline (no CDK import).

Policies are plain dicts in the JSON form of the AWS documentation, the form users copy:
``{"price_usd": [{"numeric": [">", 1000]}], "location": [{"prefix": "Europe-"}]}``.

:func:`validate` checks every documented constraint and raises :class:`FilterPolicyError`
naming the key path and the rule, so a bad policy fails ``cdk synth`` instead of a deployment.
:func:`matches` answers whether a message would be delivered, with SNS's semantics.

Rules, from the Amazon SNS Developer Guide ("Filter policy constraints", "AND/OR logic",
"String value matching", "Numeric value matching", "Key matching", "IP address matching"):

- a policy is a JSON object; each key maps to a non-empty array of conditions (OR within the
  array, AND across keys); in the ``MessageBody`` scope a key may instead map to a nested object
  (nesting is rejected in the ``MessageAttributes`` scope);
- a condition is a string, a number, ``true``/``false``/``null`` or an object with one operator:
  ``prefix``, ``suffix``, ``equals-ignore-case``, ``anything-but`` (a value, a list of values, or
  ``{"prefix": ...}``), ``numeric`` (``["=", x]`` or a range of one or two bounds), ``exists``
  (a boolean) or ``cidr`` (an IPv4/IPv6 block);
- ``"$or": [{...}, {...}, ...]`` (at least two objects) ORs whole sub-policies;
- numbers lie within -1e9..1e9 (five decimal digits of accuracy);
- at most 5 keys (leaf keys: a key whose value is a nested object is not counted) and at most
  150 value combinations: the product over the keys of each array's length times the depth of its
  key (1 at the top level, so a flat policy counts the plain product; the guide's nested example
  counts ``3 x 4 x 2 x 3 x 1 x 3 = 216``); with ``$or`` the policy is expanded into its OR paths
  (``$or`` adds no depth): each path is checked against the key limit, and the combinations of
  all paths are summed (each path is one more rule for SNS to hold);
- the policy's JSON is at most 256 KB.
"""

from __future__ import annotations

import copy
import ipaddress
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

Scope = Literal["MessageAttributes", "MessageBody"]
SCOPES: tuple[str, ...] = ("MessageAttributes", "MessageBody")

MAX_KEYS = 5
MAX_COMBINATIONS = 150
MAX_POLICY_BYTES = 256 * 1024
NUMERIC_MIN = -1_000_000_000.0
NUMERIC_MAX = 1_000_000_000.0
OPERATORS = ("prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "cidr")
_LOWER_OPS = (">", ">=")
_UPPER_OPS = ("<", "<=")
#: Walking OR paths stops once this many exist: each path holds at least one combination.
_PATH_CAP = MAX_COMBINATIONS + 1


class FilterPolicyError(ValueError):
    """A filter policy SNS would reject (or silently misread), with the key path and the rule broken."""

    def __init__(self, path: str, rule: str) -> None:
        self.path = path
        self.rule = rule
        super().__init__(f"filter policy {path}: {rule}")


# --------------------------------------------------------------------------------------------
# validation


def _fmt(path: Sequence[str]) -> str:
    return "".join(f"[{p!r}]" if not p.startswith("[") else p for p in path) or "(root)"


@dataclass(frozen=True)
class _Leaf:
    key: str
    values: int
    #: How many property levels down the key sits (1 at the top; ``a.b`` in the body scope is 2).
    depth: int = 1

    @property
    def weight(self) -> int:
        """The leaf's factor in the complexity product: its values times its depth (SNS's worked example)."""
        return self.values * self.depth


def validate(policy: Mapping[str, Any], *, scope: str = "MessageAttributes") -> None:
    """Raise :class:`FilterPolicyError` if ``policy`` breaks any documented SNS constraint."""
    if scope not in SCOPES:
        raise FilterPolicyError("(scope)", f"scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    if not isinstance(policy, Mapping):
        raise FilterPolicyError("(root)", f"a filter policy is a JSON object (dict), got {type(policy).__name__}")
    if not policy:
        raise FilterPolicyError("(root)", "an empty policy matches every message: pass no filter policy instead")
    _check_object(policy, [], scope)
    try:
        size = len(json.dumps(policy, separators=(",", ":"), allow_nan=False).encode("utf-8"))
    except (TypeError, ValueError) as exc:
        raise FilterPolicyError("(root)", f"the policy must be JSON-serializable ({exc})") from exc
    if size > MAX_POLICY_BYTES:
        raise FilterPolicyError(
            "(root)",
            f"the policy's JSON is {size} bytes; SNS allows at most {MAX_POLICY_BYTES} (256 KB)",
        )
    _check_limits(_or_paths(policy, [], 0, scope))


def _check_limits(paths: list[list[_Leaf]]) -> None:
    total = 0
    for leaves in paths:
        keys = sorted({leaf.key for leaf in leaves})
        if len(keys) > MAX_KEYS:
            raise FilterPolicyError(
                "(root)",
                f"{len(keys)} keys ({', '.join(keys)}) in one OR path; SNS allows at most {MAX_KEYS} keys "
                "(keys whose value is a nested object are not counted)",
            )
        total += _product(leaves)
    if total > MAX_COMBINATIONS:
        raise FilterPolicyError(
            "(root)",
            f"{total} value combinations; SNS allows at most {MAX_COMBINATIONS} (each array's length times the "
            "nesting depth of its key, multiplied together, summed over the OR paths of any $or)",
        )


def _product(leaves: list[_Leaf]) -> int:
    product = 1
    for leaf in leaves:
        product *= leaf.weight
    return product


def _check_object(obj: Mapping[str, Any], path: list[str], scope: str) -> None:
    if not obj:
        raise FilterPolicyError(_fmt(path), "a nested object must hold at least one key")
    for key, value in obj.items():
        if not isinstance(key, str):
            raise FilterPolicyError(_fmt(path), f"keys are strings, got {key!r}")
        here = [*path, key]
        if key == "$or":
            _check_or(value, here, scope)
        elif isinstance(value, Mapping):
            if scope != "MessageBody":
                raise FilterPolicyError(
                    _fmt(here),
                    "nested objects are only allowed with filter_scope='MessageBody' (payload-based filtering)",
                )
            _check_object(value, here, scope)
        elif isinstance(value, list):
            if not value:
                raise FilterPolicyError(_fmt(here), "the array of conditions is empty: it would match nothing")
            for index, condition in enumerate(value):
                _check_condition(condition, [*here, f"[{index}]"])
        else:
            raise FilterPolicyError(
                _fmt(here),
                f"a key maps to an array of conditions, e.g. [{json.dumps(value)}], got {json.dumps(value)}",
            )


def _check_or(value: Any, path: list[str], scope: str) -> None:
    if (
        not isinstance(value, list)
        or len(value) < 2
        or not all(isinstance(branch, Mapping) for branch in value)
        or any(key in OPERATORS for branch in value for key in branch)
    ):
        raise FilterPolicyError(
            _fmt(path),
            "$or needs an array of at least two objects whose keys are not operator names; otherwise SNS reads "
            "'$or' as an ordinary attribute name",
        )
    for index, branch in enumerate(value):
        _check_object(branch, [*path, f"[{index}]"], scope)


def _check_number(number: Any, path: list[str], what: str) -> float:
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise FilterPolicyError(_fmt(path), f"{what} must be a number, got {json.dumps(number)}")
    if not math.isfinite(number) or not NUMERIC_MIN <= number <= NUMERIC_MAX:
        raise FilterPolicyError(_fmt(path), f"{what} {number} is outside SNS's numeric range -1e9..1e9")
    return float(number)


def _check_condition(condition: Any, path: list[str]) -> None:
    if condition is None or isinstance(condition, bool | str):
        return
    if isinstance(condition, int | float):
        _check_number(condition, path, "a numeric value")
        return
    if not isinstance(condition, Mapping):
        raise FilterPolicyError(
            _fmt(path), f"a condition is a string, number, true/false/null or an operator object, got {condition!r}"
        )
    if len(condition) != 1:
        raise FilterPolicyError(_fmt(path), f"an operator object holds exactly one operator, got {sorted(condition)}")
    ((operator, operand),) = condition.items()
    here = [*path, operator]
    if operator in ("prefix", "suffix", "equals-ignore-case"):
        if not isinstance(operand, str) or not operand:
            raise FilterPolicyError(_fmt(here), f"{operator} takes a non-empty string, got {json.dumps(operand)}")
    elif operator == "anything-but":
        _check_anything_but(operand, here)
    elif operator == "numeric":
        _check_numeric(operand, here)
    elif operator == "exists":
        if not isinstance(operand, bool):
            raise FilterPolicyError(_fmt(here), f"exists takes true or false, got {json.dumps(operand)}")
    elif operator == "cidr":
        if not isinstance(operand, str):
            raise FilterPolicyError(_fmt(here), f"cidr takes an IP block string such as '10.0.0.0/24', got {operand!r}")
        try:
            ipaddress.ip_network(operand, strict=False)
        except ValueError as exc:
            raise FilterPolicyError(_fmt(here), f"cidr {operand!r} is not an IPv4/IPv6 block ({exc})") from exc
    else:
        raise FilterPolicyError(_fmt(path), f"unknown operator {operator!r}; SNS supports {', '.join(OPERATORS)}")


def _check_anything_but(operand: Any, path: list[str]) -> None:
    if isinstance(operand, str):
        return
    if isinstance(operand, int | float) and not isinstance(operand, bool):
        _check_number(operand, path, "an anything-but value")
        return
    if isinstance(operand, list):
        if not operand:
            raise FilterPolicyError(_fmt(path), "anything-but takes a non-empty list")
        for index, item in enumerate(operand):
            if isinstance(item, str):
                continue
            _check_number(item, [*path, f"[{index}]"], "an anything-but list item (string or number)")
        return
    if isinstance(operand, Mapping) and list(operand) == ["prefix"]:
        if not isinstance(operand["prefix"], str) or not operand["prefix"]:
            raise FilterPolicyError(_fmt([*path, "prefix"]), "anything-but prefix takes a non-empty string")
        return
    raise FilterPolicyError(
        _fmt(path),
        f"anything-but takes a string, a number, a list of them or {{'prefix': ...}}, got {json.dumps(operand)}",
    )


def _check_numeric(operand: Any, path: list[str]) -> None:
    allowed = "numeric takes ['=', x], [op, x] or [lower-op, x, upper-op, y] with op in <, <=, >, >="
    if not isinstance(operand, list) or len(operand) not in (2, 4):
        raise FilterPolicyError(_fmt(path), f"{allowed}, got {json.dumps(operand)}")
    ops = operand[0::2]
    numbers = [_check_number(n, [*path, f"[{2 * i + 1}]"], "a numeric bound") for i, n in enumerate(operand[1::2])]
    if len(ops) == 1:
        if ops[0] not in ("=", *_LOWER_OPS, *_UPPER_OPS):
            raise FilterPolicyError(_fmt(path), f"{allowed}, got operator {ops[0]!r}")
        return
    if ops[0] not in _LOWER_OPS or ops[1] not in _UPPER_OPS:
        raise FilterPolicyError(
            _fmt(path),
            f"a range is a lower bound (> or >=) then an upper bound (< or <=), got {ops}",
        )
    if numbers[0] >= numbers[1]:
        raise FilterPolicyError(
            _fmt(path),
            f"the range's lower bound {numbers[0]} is not below its upper bound {numbers[1]}",
        )


def _levels(key: str, scope: str) -> int:
    """Property levels a policy key stands for: ``"a.b"`` is the path a -> b in the body scope."""
    return key.count(".") + 1 if scope == "MessageBody" else 1


def _or_paths(obj: Mapping[str, Any], path: list[str], depth: int, scope: str) -> list[list[_Leaf]]:
    """Expand an object into its OR paths, each the list of leaf keys it ANDs (capped).

    ``depth`` is the property level of ``obj`` (0 at the root); ``$or`` adds no level.
    """
    paths: list[list[_Leaf]] = [[]]
    for key, value in obj.items():
        here = [*path, key]
        if key == "$or":
            alternatives = [p for branch in value for p in _or_paths(branch, path, depth, scope)]
        elif isinstance(value, Mapping):
            alternatives = _or_paths(value, here, depth + _levels(key, scope), scope)
        else:
            alternatives = [[_Leaf(".".join(here), len(value), depth + _levels(key, scope))]]
        paths = [[*mine, *theirs] for mine in paths for theirs in alternatives][:_PATH_CAP]
    return paths


def combinations(policy: Mapping[str, Any], *, scope: str = "MessageAttributes") -> int:
    """The value combinations SNS counts for ``policy`` (already validated), summed over OR paths.

    Each array counts its length times the depth of its key (1 at the top level; so flat policies
    count the plain product of the array lengths), as in the SNS Developer Guide's worked example
    ``3 x 4 x 2 x 3 x 1 x 3 = 216``.
    """
    return sum(_product(leaves) for leaves in _or_paths(policy, [], 0, scope))


# --------------------------------------------------------------------------------------------
# matching

_ABSENT = object()


class _Attr(NamedTuple):
    """One message attribute: the values conditions are matched against (strings and/or numbers)."""

    # A NamedTuple, not a frozen dataclass: one is built per attribute per ``matches`` call.
    values: tuple[Any, ...]
    valid: bool = True


def normalize_attributes(attributes: Mapping[str, Any] | None) -> dict[str, _Attr]:
    """Message attributes in the boto3 ``publish`` shape, the notification shape or plain values."""
    out: dict[str, _Attr] = {}
    for name, raw in (attributes or {}).items():
        out[name] = _attribute(raw)
    return out


#: (DataType, StringValue) -> parsed attribute; bounded, cleared when full.
_PARSED: dict[tuple[str, str], _Attr] = {}
_PARSED_MAX = 4096


def _attribute(raw: Any) -> _Attr:
    if type(raw) is dict or isinstance(raw, Mapping):
        data_type = raw.get("DataType", raw.get("Type"))
        value = raw.get("StringValue", raw.get("Value"))
        if data_type is None or (value is None and "BinaryValue" not in raw):
            raise ValueError(f"a message attribute needs DataType and StringValue, got {raw!r}")
        if type(data_type) is not str or type(value) is not str:
            return _typed_attribute(str(data_type), value)
        # Attribute values repeat across messages (and a message meets every subscription's policy).
        key = (data_type, value)
        parsed = _PARSED.get(key)
        if parsed is None:
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            parsed = _PARSED[key] = _typed_attribute(data_type, value)
        return parsed
    if isinstance(raw, bool):
        raise ValueError("a plain attribute value is a str, int/float or list; booleans have no SNS attribute type")
    if isinstance(raw, str):
        return _Attr((raw,))
    if isinstance(raw, int | float):
        return _Attr((float(raw),))
    if isinstance(raw, list):
        return _Attr(tuple(_json_value(v) for v in raw))
    raise ValueError(f"unsupported message attribute value {raw!r}")


def _typed_attribute(data_type: str, value: Any) -> _Attr:
    base = data_type.split(".", 1)[0] if data_type != "String.Array" else data_type
    if base == "String":
        return _Attr((str(value),))
    if base == "Number":
        try:
            number = float(value)
        except (TypeError, ValueError):
            return _Attr((), valid=False)
        return _Attr((number,)) if math.isfinite(number) else _Attr((), valid=False)
    if base == "String.Array":
        try:
            items = json.loads(value) if isinstance(value, str) else value
        except ValueError:
            return _Attr((), valid=False)
        if not isinstance(items, list):
            return _Attr((), valid=False)
        return _Attr(tuple(_json_value(v) for v in items))
    # Binary attributes are never compared with a filter policy.
    return _Attr((), valid=False)


def _json_value(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


@dataclass(frozen=True)
class CompiledPolicy:
    """A filter policy validated once for its scope (:func:`compile_policy`), for matching many messages.

    It holds its own deep copy, so changing the dict it was compiled from later changes nothing here.
    """

    policy: Mapping[str, Any]
    scope: str


def compile_policy(policy: Mapping[str, Any], *, scope: str = "MessageAttributes") -> CompiledPolicy:
    """Validate ``policy`` for ``scope`` once; :func:`matches` then skips validation for it."""
    validate(policy, scope=scope)
    return CompiledPolicy(copy.deepcopy(dict(policy)), scope)


def matches(
    policy: Mapping[str, Any] | CompiledPolicy | None,
    *,
    attributes: Mapping[str, Any] | None = None,
    body: str | Mapping[str, Any] | None = None,
    scope: str | None = None,
) -> bool:
    """Would a subscription with ``policy`` (and ``scope``) receive this message?

    ``attributes`` are message attributes, either in the boto3 ``publish`` shape
    (``{"price": {"DataType": "Number", "StringValue": "15700"}}``) or as plain values (``str``,
    ``int``/``float``, ``list[str]``); ``body`` is the message, a JSON string or a dict (used in
    the ``MessageBody`` scope). ``None`` as the policy means no filter: every message matches.
    ``scope`` defaults to ``MessageAttributes``, or to the scope a :class:`CompiledPolicy` was
    compiled for (another scope with a compiled policy is a ``ValueError``).
    In the ``MessageBody`` scope dotted names are paths on both sides: a policy key ``"a.b"``
    matches ``{"a": {"b": v}}``, ``{"a.b": v}`` and mixes of the two at any depth (:func:`undot`).

    A plain policy is validated on each call (answered from a bounded cache keyed on its content);
    to match many messages against one policy, :func:`compile_policy` it once.
    """
    if policy is None:
        return True
    if isinstance(policy, CompiledPolicy):
        if scope is not None and scope != policy.scope:
            raise ValueError(f"scope={scope!r} is invalid: this policy was compiled for scope {policy.scope!r}")
        scope, policy = policy.scope, policy.policy
    else:
        scope = "MessageAttributes" if scope is None else scope
        _validate_cached(policy, scope)
    if scope == "MessageBody":
        if isinstance(body, str):
            try:
                parsed = json.loads(body)
            except ValueError:
                return False
        else:
            parsed = body
        if not isinstance(parsed, Mapping):
            return False
        return _match_body_object(policy, [undot(parsed)])
    attrs = normalize_attributes(attributes)
    return _match_attr_object(policy, attrs)


# Policies already validated, keyed by what they hold: ``matches`` runs once per message, and
# validating the same policy on every call was 60% of its time. The key is the policy's ``repr``,
# which (unlike JSON text) tells a list from a tuple and 1 from 1.0 from True, so an entry never
# vouches for a policy that differs in anything validation could notice; a policy changed after
# a call has another key and is validated again. Bounded: cleared when full.
_VALIDATED: set[tuple[str, str]] = set()
_VALIDATED_MAX = 1024


def _validate_cached(policy: Mapping[str, Any], scope: str) -> None:
    if type(policy) is not dict:
        # A Mapping of another type may print alike for unlike content: always validate it.
        validate(policy, scope=scope)
        return
    key = (scope, repr(policy))
    if key in _VALIDATED:
        return
    validate(policy, scope=scope)
    if len(_VALIDATED) >= _VALIDATED_MAX:
        _VALIDATED.clear()
    _VALIDATED.add(key)


def _match_attr_object(policy: Mapping[str, Any], attrs: Mapping[str, _Attr]) -> bool:
    for key, conditions in policy.items():
        if key == "$or":
            if not any(_match_attr_object(branch, attrs) for branch in conditions):
                return False
            continue
        attr = attrs.get(key)
        if attr is not None and not attr.valid:
            attr = None
        if not _match_conditions(conditions, None if attr is None else attr.values, has_any=bool(attrs)):
            return False
    return True


def _match_body_object(policy: Mapping[str, Any], objects: list[Mapping[str, Any]]) -> bool:
    """Match ``policy`` against the candidate objects of one level (several when the body holds arrays).

    The body has been through :func:`undot`; a dotted policy key ``"a.b"`` walks the path a -> b.
    """
    for key, condition in policy.items():
        if key == "$or":
            if not any(_match_body_object(branch, objects) for branch in condition):
                return False
            continue
        level = objects
        if "." in key:
            *parents, key = key.split(".")
            for segment in parents:
                level = [child for obj in level if segment in obj for child in _objects(obj[segment])]
                if not level:
                    break
            if not level:
                # An object on the path is absent: as for a nested policy under an absent object.
                if not _absent_ok({key: condition}):
                    return False
                continue
        if not _match_body_key(key, condition, level):
            return False
    return True


def _match_body_key(key: str, condition: Any, objects: list[Mapping[str, Any]]) -> bool:
    present = [obj[key] for obj in objects if key in obj]
    if isinstance(condition, Mapping):
        children = [item for value in present for item in _objects(value)]
        return _match_body_object(condition, children) if children else _absent_ok(condition)
    values = [item for value in present for item in _leaf_values(value)]
    has_any = any(bool(obj) for obj in objects)
    return _match_conditions(condition, tuple(values) if present else None, has_any=has_any)


def undot(body: Any) -> Any:
    """The message body with dotted property names unfolded: ``{"a.b": v}`` becomes ``{"a": {"b": v}}``.

    SNS reads a body property ``"a.b"`` like the nested path a -> b, so ``{"a": {"b": v}}``,
    ``{"a.b": v}`` and ``{"a.b": {"c": v}}`` against ``"a.b.c"`` all reach the same value, at any
    depth. Where both forms name one object they are merged; where they name one leaf, both values
    count (like an array). Returns ``body`` itself when it holds no dotted name.
    """
    if isinstance(body, list):
        items = [undot(item) for item in body]
        return body if all(new is old for new, old in zip(items, body, strict=True)) else items
    if not isinstance(body, Mapping):
        return body
    out: dict[str, Any] = {}
    changed = False
    for key, value in body.items():
        new = undot(value)
        changed = changed or new is not value
        if isinstance(key, str) and "." in key:
            changed = True
            key, _, rest = key.partition(".")
            new = undot({rest: new})
        if key in out:
            changed = True
            new = _merge(out[key], new)
        out[key] = new
    return out if changed else body


def _merge(first: Any, second: Any) -> Any:
    if isinstance(first, Mapping) and isinstance(second, Mapping):
        merged = dict(first)
        for key, value in second.items():
            merged[key] = _merge(merged[key], value) if key in merged else value
        return merged
    as_list = [*(first if isinstance(first, list) else [first]), *(second if isinstance(second, list) else [second])]
    return as_list


def _absent_ok(policy: Mapping[str, Any]) -> bool:
    """A nested policy on an absent object matches only if all its leaves say ``exists: false``."""
    for key, condition in policy.items():
        if key == "$or":
            if not any(_absent_ok(branch) for branch in condition):
                return False
        elif isinstance(condition, Mapping):
            if not _absent_ok(condition):
                return False
        elif not any(isinstance(c, Mapping) and c.get("exists") is False for c in condition):
            return False
    return True


def _objects(value: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(value, Mapping):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _objects(item)


def _leaf_values(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        for item in value:
            yield from _leaf_values(item)
    elif not isinstance(value, Mapping):
        yield _json_value(value)


def _match_conditions(conditions: list[Any], values: tuple[Any, ...] | None, *, has_any: bool) -> bool:
    """OR over the conditions of one key; ``values`` is None when the key is absent."""
    for condition in conditions:
        # type() first: the ABC check of isinstance(str, Mapping) was a tenth of the matching time.
        is_map = type(condition) is dict or (not isinstance(condition, _SCALARS) and isinstance(condition, Mapping))
        if is_map and "exists" in condition:
            # "The key must have a non-null and non-empty value" (docs, Key matching).
            present = values is not None and any(v is not None and v != "" for v in values)
            if condition["exists"] is True and present:
                return True
            # exists:false needs the key absent and, per the docs, at least one attribute present.
            if condition["exists"] is False and not present and has_any:
                return True
            continue
        if values is None:
            continue
        for value in values:
            if _match_value(condition, value):
                return True
    return False


_SCALARS = (str, int, float, type(None))


def _is_number(value: Any) -> bool:
    kind = type(value)
    return kind is float or kind is int or (kind is not bool and isinstance(value, float | int))


def _match_value(condition: Any, value: Any) -> bool:
    if type(condition) is str:
        return isinstance(value, str) and value == condition
    if condition is None or isinstance(condition, bool):
        return value is condition
    if isinstance(condition, str):
        return isinstance(value, str) and value == condition
    if _is_number(condition):
        return _is_number(value) and _num_eq(float(condition), value)
    ((operator, operand),) = condition.items()
    if operator == "prefix":
        return isinstance(value, str) and value.startswith(operand)
    if operator == "suffix":
        return isinstance(value, str) and value.endswith(operand)
    if operator == "equals-ignore-case":
        return isinstance(value, str) and value.casefold() == operand.casefold()
    if operator == "numeric":
        return _is_number(value) and _match_numeric(operand, value)
    if operator == "cidr":
        return isinstance(value, str) and _in_cidr(value, operand)
    if operator == "anything-but":
        return _match_anything_but(operand, value)
    return False  # pragma: no cover - validate() rejected unknown operators


def _num_eq(a: float, b: float) -> bool:
    # SNS compares numbers with five digits of accuracy after the decimal point.
    return round(a, 5) == round(b, 5)


def _match_numeric(operand: list[Any], value: float) -> bool:
    for op, bound in zip(operand[0::2], operand[1::2], strict=True):
        b = float(bound)
        # Only the comparison asked for: building all five per bound was most of this function's time.
        if op == "=":
            ok = _num_eq(value, b)
        elif op == ">":
            ok = value > b and not _num_eq(value, b)
        elif op == ">=":
            ok = value >= b or _num_eq(value, b)
        elif op == "<":
            ok = value < b and not _num_eq(value, b)
        else:
            ok = value <= b or _num_eq(value, b)
        if not ok:
            return False
    return True


def _in_cidr(value: str, block: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(block, strict=False)
    except ValueError:
        return False


def _match_anything_but(operand: Any, value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return False
    if isinstance(operand, Mapping):
        return not (isinstance(value, str) and value.startswith(operand["prefix"]))
    excluded = operand if isinstance(operand, list) else [operand]
    for item in excluded:
        if isinstance(item, str) and isinstance(value, str) and item == value:
            return False
        if _is_number(item) and _is_number(value) and _num_eq(float(item), value):
            return False
    return True
