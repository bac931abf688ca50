"""Access a template change opens up: IAM statements and security-group rules that grant more.

Pure functions over template dicts. Statements are grouped by what they apply to (a role, user or
group for identity policies; the bucket, queue, topic, key or function for resource policies), so
moving a statement between policy resources is not reported. A statement of the new template is a
widening unless a statement of the old one, for the same target, already allowed every action,
resource and principal it names with no more conditions; a Deny statement that disappears is one
too, unless the resource it protected is deleted with it. What is compared is what is allowed, not
how it is grouped: each (action, resource, principal) of a new statement must be allowed by some old
statement, so statements merged or split are not widenings. A security-group rule is a widening
unless an old rule of the same group and direction already allowed that protocol, port range and
peer (an old CIDR containing the new one counts). Both branches of an ``Fn::If`` are judged, and a
widening in one branch says which (``when IsDev``).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import Any

Template = Mapping[str, Any]
OPEN_CIDRS = ("0.0.0.0/0", "::/0")


def text(value: Any) -> str:
    """A template value as one readable string (``${Id}``, ``${Id.Attr}``, joined parts)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return f"${{{arg}}}"
        if key == "Fn::GetAtt":
            return f"${{{'.'.join(text(a) for a in arg) if isinstance(arg, list) else text(arg)}}}"
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
            return str(arg[0]).join(text(part) for part in arg[1])
        if key == "Fn::Sub":
            return text(arg[0] if isinstance(arg, list) else arg)
        if key == "Fn::GetStackOutput" and isinstance(arg, Mapping):
            return f"${{{text(arg.get('StackName'))}.{text(arg.get('OutputName'))}}}"
        if key == "Fn::ImportValue":
            return f"${{import {text(arg)}}}"
    return json.dumps(value, sort_keys=True)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


_NO_VALUE = {"Ref": "AWS::NoValue"}
#: Enough for a statement or a rule with a few ``Fn::If`` s; beyond it the first branches are judged.
MAX_VARIANTS = 256


def _if(value: Any) -> tuple[str, Any, Any] | None:
    if isinstance(value, Mapping) and len(value) == 1 and "Fn::If" in value:
        arg = value["Fn::If"]
        if isinstance(arg, list) and len(arg) == 3:
            return str(arg[0]), arg[1], arg[2]
    return None


def variants(value: Any) -> list[tuple[Any, tuple[str, ...]]]:
    """Every value ``value`` can take with its ``Fn::If`` s resolved, and the branches taken
    (``IsDev`` / ``not IsDev``); an ``AWS::NoValue`` key or list item is dropped.

    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-conditions.html
    """
    branch = _if(value)
    if branch is not None:
        condition, yes, no = branch
        return [
            (v, (f"{label}{condition}", *w)) for label, side in (("", yes), ("not ", no)) for v, w in variants(side)
        ][:MAX_VARIANTS]
    if isinstance(value, Mapping):
        out: list[tuple[Any, tuple[str, ...]]] = [({}, ())]
        for key, item in value.items():
            out = [
                ({**acc, key: v} if v != _NO_VALUE else acc, (*wa, *wv)) for acc, wa in out for v, wv in variants(item)
            ][:MAX_VARIANTS]
        return out
    if isinstance(value, list):
        lists: list[tuple[Any, tuple[str, ...]]] = [([], ())]
        for item in value:
            lists = [
                ([*acc, v] if v != _NO_VALUE else acc, (*wa, *wv)) for acc, wa in lists for v, wv in variants(item)
            ][:MAX_VARIANTS]
        return lists
    return [(value, ())]


def _items(value: Any) -> list[tuple[Any, str]]:
    """The items of a list property (the list or its items possibly under ``Fn::If``), each with the
    branches that give it, one item at a time (no cross product between items)."""
    out: list[tuple[Any, str]] = []
    for whole, when in variants(value) if _if(value) else [(value, ())]:
        for item in _list(whole):
            for v, w in variants(item):
                if v != _NO_VALUE:
                    out.append((v, _when((*when, *w))))
    return out


def _when(branches: tuple[str, ...]) -> str:
    return ", ".join(dict.fromkeys(branches))


def holds_wherever(old_when: str, new_when: str) -> bool:
    """An old grant under ``old_when`` is in force wherever a new one under ``new_when`` is: every
    branch the old one needed, the new one needs too (an unconditional grant holds everywhere)."""
    needed = {b for b in old_when.split(", ") if b}
    return needed <= {b for b in new_when.split(", ") if b}


@dataclass(frozen=True)
class Statement:
    """One policy statement, normalized; ``target`` is what it applies to."""

    target: str
    effect: str
    actions: frozenset[str]
    resources: frozenset[str]
    principals: frozenset[str]
    conditions: frozenset[str]
    negated: str = ""
    """``NotAction`` / ``NotResource`` / ``NotPrincipal`` when the statement uses one."""
    when: str = field(default="", compare=False)
    """The ``Fn::If`` branches that give this statement (``IsDev``, ``not IsDev``), if any."""

    def describe(self) -> str:
        parts = [f"{self.effect} {', '.join(sorted(self.actions)) or '-'}"]
        if self.resources:
            parts.append(f"on {', '.join(sorted(self.resources))}")
        if self.principals:
            parts.append(f"to {', '.join(sorted(self.principals))}")
        if self.negated:
            parts.append(f"(with {self.negated})")
        return " ".join(parts)


def _principals(value: Any) -> frozenset[str]:
    if value is None:
        return frozenset()
    if value == "*" or not isinstance(value, Mapping):
        return frozenset({text(value)})
    return frozenset(f"{kind}:{text(p)}" for kind, ps in value.items() for p in _list(ps))


def statements(document: Any, target: str, when: str = "") -> list[Statement]:
    """The statements of one policy document (a dict or its JSON string), every ``Fn::If`` branch."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return []
    out = []
    for doc, doc_when in variants(document) if _if(document) else [(document, ())]:
        if isinstance(doc, Mapping):
            for raw, raw_when in _items(doc.get("Statement")):
                out += _statement(raw, target, _when(tuple(w for w in (when, *doc_when, raw_when) if w)))
    return out


def _statement(raw: Any, target: str, when: str) -> list[Statement]:
    out = []
    if isinstance(raw, Mapping):
        negated = "/".join(k for k in ("NotAction", "NotResource", "NotPrincipal") if k in raw)
        actions = raw.get("Action", raw.get("NotAction"))
        resources = raw.get("Resource", raw.get("NotResource"))
        condition = raw.get("Condition")
        conditions = frozenset(
            json.dumps([op, key, val], sort_keys=True)
            for op, pairs in (condition.items() if isinstance(condition, Mapping) else ())
            for key, val in (pairs.items() if isinstance(pairs, Mapping) else ())
        )
        out.append(
            Statement(
                target,
                str(raw.get("Effect", "Allow")),
                frozenset(text(a).lower() for a in _list(actions)),
                frozenset(text(r) for r in _list(resources)),
                _principals(raw.get("Principal", raw.get("NotPrincipal"))),
                conditions,
                negated,
                when,
            )
        )
    return out


def _targets(props: Mapping[str, Any], *keys: str) -> list[str]:
    return [text(t) for key in keys for t in _list(props.get(key))]


def _documents(logical_id: str, type_: str, props: Mapping[str, Any]) -> Iterator[tuple[str, Any, str]]:
    """(target, policy document, the ``Fn::If`` branches that give it) a resource holds."""
    if type_ in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for target in _targets(props, "Roles", "Users", "Groups") or [f"${{{logical_id}}}"]:
            yield target, props.get("PolicyDocument"), ""
    elif type_ in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
        for policy, when in _items(props.get("Policies")):
            if isinstance(policy, Mapping):
                yield f"${{{logical_id}}}", policy.get("PolicyDocument"), when
        arns = [text(arn) for arn, _ in _items(props.get("ManagedPolicyArns"))]
        if arns:
            managed = [{"Effect": "Allow", "Action": f"(managed policy) {arn}"} for arn in arns]
            yield f"${{{logical_id}}}", {"Statement": managed}, ""
        if "AssumeRolePolicyDocument" in props:
            yield f"trust of ${{{logical_id}}}", props["AssumeRolePolicyDocument"], ""
    elif type_ == "AWS::KMS::Key":
        yield f"${{{logical_id}}}", props.get("KeyPolicy"), ""
    elif type_ == "AWS::ECR::Repository" and "RepositoryPolicyText" in props:
        yield f"${{{logical_id}}}", props["RepositoryPolicyText"], ""
    else:
        targets = _targets(props, "Bucket", "Queues", "Topics", "Queue", "TopicArn", "SecretId")
        document = props.get("PolicyDocument", props.get("ResourcePolicy"))
        if document is not None:
            for target in targets or [f"${{{logical_id}}}"]:
                yield target, document, ""


def _lambda_permission(props: Mapping[str, Any], when: str = "") -> Statement:
    conditions = frozenset(
        json.dumps([key, text(props[key])]) for key in ("SourceArn", "SourceAccount", "PrincipalOrgID") if key in props
    )
    return Statement(
        text(props.get("FunctionName")),
        "Allow",
        frozenset({text(props.get("Action")).lower()}),
        frozenset(),
        frozenset({text(props.get("Principal"))}),
        conditions,
        when=when,
    )


def template_statements(template: Template) -> list[Statement]:
    """Every IAM statement of a template, identity and resource policies."""
    out: list[Statement] = []
    for logical_id, resource in (template.get("Resources") or {}).items():
        type_, props = str(resource.get("Type")), resource.get("Properties") or {}
        if type_ == "AWS::Lambda::Permission":
            out += [_lambda_permission(v, _when(w)) for v, w in variants(props)]
            continue
        for target, document, when in _documents(logical_id, type_, props):
            out.extend(statements(document, target, when))
    return out


def _matches(value: str, patterns: frozenset[str]) -> bool:
    return any(value == p or fnmatchcase(value, p) for p in patterns)


def _allows(
    old: Statement, action: str, resource: str | None, principal: str | None, conditions: frozenset[str]
) -> bool:
    """``old`` allows ``action`` on ``resource`` to ``principal`` (None: the new statement names none)."""
    return (
        _matches(action, old.actions)
        and (resource is None or _matches(resource, old.resources))
        and (principal is None or "*" in old.principals or principal in old.principals)
        and old.conditions <= conditions
    )


def uncovered(
    new: Statement, olds: list[Statement], *, ignore_conditions: bool = False, ignore_branches: bool = False
) -> tuple[str, ...] | None:
    """The first (action, resource, principal) of ``new`` that no statement of ``olds`` allows, or None.

    Element by element, so a grant split over several old statements (or merged into one new one,
    as ``@aws-cdk/aws-iam:minimizePolicies`` does) is covered. A statement with ``NotAction`` /
    ``NotResource`` / ``NotPrincipal`` is covered only by the same statement. An old statement under
    an ``Fn::If`` branch covers only a new one under that branch too (:func:`holds_wherever`).
    """
    same = [
        o
        for o in olds
        if (o.effect, o.negated) == (new.effect, new.negated) and (ignore_branches or holds_wherever(o.when, new.when))
    ]
    if not same or new.negated:
        return None if any(o == new for o in same) else ("",)
    resources: list[str | None] = [*sorted(new.resources)] or [None]
    principals: list[str | None] = [*sorted(new.principals)] or [None]
    for action in sorted(new.actions):
        for resource in resources:
            for principal in principals:
                if not any(
                    _allows(o, action, resource, principal, o.conditions if ignore_conditions else new.conditions)
                    for o in same
                ):
                    return tuple(x for x in (action, resource, principal) if x is not None)
    return None


@dataclass(frozen=True)
class Widening:
    """One grant of more access: what it applies to, the new statement or rule, and why it is wider."""

    stack: str
    kind: str
    """``iam`` or ``security group``."""
    target: str
    grant: str
    why: str
    public: bool = False
    """Open to anyone: ``Principal: *`` without conditions, or a ``0.0.0.0/0`` / ``::/0`` peer."""


def _why_wider(new: Statement, olds: list[Statement]) -> str:
    if new.effect == "Deny":
        return ""
    same = [o for o in olds if (o.effect, o.negated) == (new.effect, new.negated)]
    if not same:
        return "new statement" + (" for a new target" if not olds else "")
    reasons = []
    actions = sorted(a for a in new.actions if not any(_matches(a, o.actions) for o in same))
    if actions:
        reasons.append(f"new action(s) {', '.join(actions)}")
    resources = sorted(r for r in new.resources if not any(_matches(r, o.resources) for o in same))
    if "*" in resources:
        reasons.append("resource `*`")
    if [r for r in resources if r != "*"]:
        reasons.append("new resource(s) " + ", ".join(r for r in resources if r != "*"))
    principals = sorted(new.principals - set().union(*(o.principals for o in same)))
    if principals:
        reasons.append(f"new principal(s) {', '.join(principals)}")
    if not reasons:
        missing = uncovered(new, same, ignore_conditions=True)
        if missing is None:
            reasons.append("a condition removed")
        elif uncovered(new, same, ignore_branches=True) is None:
            only = sorted({o.when for o in same if o.when})
            reasons.append(f"no longer only when {' or '.join(only)}" if only else "in more Fn::If branches")
        else:
            action, *rest = missing
            on = f" on {rest[0]}" if new.resources else ""
            to = f" to {rest[-1]}" if new.principals else ""
            reasons.append(f"{action}{on}{to} was not allowed")
    return "; ".join(reasons) + (f" (when {new.when})" if new.when else "")


_ID = re.compile(r"\$\{([^}.!]+)")


def target_ids(target: str) -> set[str]:
    """Logical ids a target names (``${Bucket}``, ``trust of ${Role}``, ``${Key.Arn}``)."""
    return {m.group(1) for m in _ID.finditer(target)}


def _renamed(template: Template, renames: Mapping[str, str]) -> Template:
    if not renames:
        return template
    text_ = json.dumps(template)
    for old, new in renames.items():
        text_ = text_.replace(f'"{old}"', f'"{new}"')
    renamed: Template = json.loads(text_)
    return renamed


def iam_widenings(
    stack: str, before: Template, after: Template, *, renames: Mapping[str, str] | None = None
) -> list[Widening]:
    """New or broader Allow statements, and Deny statements removed.

    ``renames`` (old logical id -> new) makes references to a renamed resource compare equal.
    """
    renamed = _renamed(before, renames or {})
    old, new = template_statements(renamed), template_statements(after)
    found: list[Widening] = []
    for statement in new:
        olds = [o for o in old if o.target == statement.target]
        if statement.effect == "Deny" or uncovered(statement, olds) is None:
            continue
        public = "*" in statement.principals or any(p.endswith(":*") for p in statement.principals)
        found.append(
            Widening(
                stack,
                "iam",
                statement.target,
                statement.describe(),
                _why_wider(statement, olds),
                public and not statement.conditions,
            )
        )
    # A Deny that protected a resource deleted with it protects nothing any more: not a widening.
    gone = set(renamed.get("Resources") or {}) - set(after.get("Resources") or {})
    for statement in old:
        kept = any(n == statement and holds_wherever(n.when, statement.when) for n in new)
        if statement.effect == "Deny" and not kept and not (target_ids(statement.target) & gone):
            found.append(Widening(stack, "iam", statement.target, statement.describe(), "Deny statement removed"))
    return found


@dataclass(frozen=True)
class Rule:
    """One security-group rule, normalized; ports ``None`` mean all."""

    group: str
    direction: str
    protocol: str
    from_port: int | None
    to_port: int | None
    peer: str
    when: str = field(default="", compare=False)
    """The ``Fn::If`` branches that give this rule, if any."""

    def describe(self) -> str:
        if self.protocol == "-1":
            ports = "all traffic"
        elif self.from_port is None or (self.from_port, self.to_port) in ((0, 65535), (-1, -1)):
            ports = f"{self.protocol} all ports"
        elif self.from_port == self.to_port:
            ports = f"{self.protocol} {self.from_port}"
        else:
            ports = f"{self.protocol} {self.from_port}-{self.to_port}"
        return f"{self.direction} {ports} {'from' if self.direction == 'ingress' else 'to'} {self.peer}"


_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}
_PEERS = (
    "CidrIp",
    "CidrIpv6",
    "SourceSecurityGroupId",
    "SourceSecurityGroupName",
    "DestinationSecurityGroupId",
    "SourcePrefixListId",
    "DestinationPrefixListId",
)


def _port(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _rule(group: str, direction: str, props: Any, when: str = "") -> list[Rule]:
    """The rule ``props`` gives, one per ``Fn::If`` branch; none for a branch without a peer
    (``AWS::NoValue``: the rule is not there) or a rule that is not an object."""
    out = []
    for value, branches in variants(props) if isinstance(props, Mapping) else []:
        peer = next((text(value[k]) for k in _PEERS if k in value), None)
        in_branch = _when(tuple(w for w in (when, *branches) if w))
        if peer is None and in_branch:
            continue
        protocol = str(text(value.get("IpProtocol", "-1"))).lower()
        out.append(
            Rule(
                group,
                direction,
                _PROTOCOLS.get(protocol, protocol),
                _port(value.get("FromPort")),
                _port(value.get("ToPort")),
                peer or "?",
                in_branch,
            )
        )
    return out


def template_rules(template: Template) -> list[Rule]:
    """Every security-group rule of a template, inline or standalone; a group without any egress
    rule allows all outbound traffic (CloudFormation's default)."""
    rules: list[Rule] = []
    groups: list[str] = []
    for logical_id, resource in (template.get("Resources") or {}).items():
        type_, props = resource.get("Type"), resource.get("Properties") or {}
        if type_ == "AWS::EC2::SecurityGroup":
            group = f"${{{logical_id}}}"
            groups.append(group)
            for direction, key in (("ingress", "SecurityGroupIngress"), ("egress", "SecurityGroupEgress")):
                for raw, when in _items(props.get(key)):
                    rules += _rule(group, direction, raw, when)
        elif type_ in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            direction = "ingress" if type_.endswith("Ingress") else "egress"
            group = text(props.get("GroupId", props.get("GroupName")))
            rules += _rule(group.replace(".GroupId}", "}"), direction, props)
    with_egress = {r.group for r in rules if r.direction == "egress"}
    rules += [Rule(g, "egress", "-1", None, None, "0.0.0.0/0") for g in groups if g not in with_egress]
    return rules


def _peer_within(inner: str, outer: str) -> bool:
    if inner == outer:
        return True
    try:
        return ipaddress.ip_network(inner, strict=False).subnet_of(ipaddress.ip_network(outer, strict=False))  # type: ignore[arg-type]
    except (ValueError, TypeError):
        return False


def _rule_covers(old: Rule, new: Rule) -> bool:
    if old.direction != new.direction or not _peer_within(new.peer, old.peer):
        return False
    if not holds_wherever(old.when, new.when):
        return False
    if old.protocol == "-1":
        return True
    if old.protocol != new.protocol:
        return False
    if old.from_port is None or old.from_port == -1:
        return True
    if new.from_port is None or new.to_port is None or old.to_port is None:
        return False
    return old.from_port <= new.from_port and new.to_port <= old.to_port


def security_group_widenings(stack: str, before: Template, after: Template) -> list[Widening]:
    """New security-group rules no old rule of the same group already allowed."""
    old = template_rules(before)
    found = []
    for rule in template_rules(after):
        olds = [o for o in old if o.group == rule.group and o.direction == rule.direction]
        if any(_rule_covers(o, rule) for o in olds):
            continue
        public = rule.peer in OPEN_CIDRS
        branches = sorted({o.when for o in olds if o.when and _rule_covers(replace(o, when=rule.when), rule)})
        wider = [o.describe() for o in olds if o.peer == rule.peer and o.when not in branches]
        why = "open to the internet" if public else "new peer" if not wider else "wider than " + "; ".join(wider)
        if public and wider:
            why += "; wider than " + "; ".join(wider)
        if branches:
            why += f"; no longer only when {' or '.join(branches)}"
        why += f" (when {rule.when})" if rule.when else ""
        found.append(Widening(stack, "security group", rule.group, rule.describe(), why, public))
    return found
