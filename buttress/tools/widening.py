"""Access a template change opens up: IAM statements and security-group rules that grant more.

Pure functions over template dicts. Statements are grouped by what they apply to (a role, user or
group for identity policies; the bucket, queue, topic, key or function for resource policies), so
moving a statement between policy resources is not reported. A statement of the new template is a
widening unless a statement of the old one, for the same target, already allowed every action,
resource and principal it names with no more conditions; a Deny statement that disappears is one
too. A security-group rule is a widening unless an old rule of the same group and direction
already allowed that protocol, port range and peer (an old CIDR containing the new one counts).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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
            return f"${{{'.'.join(arg) if isinstance(arg, list) else arg}}}"
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


def statements(document: Any, target: str) -> list[Statement]:
    """The statements of one policy document (a dict or its JSON string)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError:
            return []
    if not isinstance(document, Mapping):
        return []
    out = []
    for raw in _list(document.get("Statement")):
        if not isinstance(raw, Mapping):
            continue
        negated = "/".join(k for k in ("NotAction", "NotResource", "NotPrincipal") if k in raw)
        actions = raw.get("Action", raw.get("NotAction"))
        resources = raw.get("Resource", raw.get("NotResource"))
        conditions = frozenset(
            json.dumps([op, key, val], sort_keys=True)
            for op, pairs in (raw.get("Condition") or {}).items()
            for key, val in (pairs or {}).items()
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
            )
        )
    return out


def _targets(props: Mapping[str, Any], *keys: str) -> list[str]:
    return [text(t) for key in keys for t in _list(props.get(key))]


def _documents(logical_id: str, type_: str, props: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(target, policy document) pairs a resource holds."""
    if type_ in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        for target in _targets(props, "Roles", "Users", "Groups") or [f"${{{logical_id}}}"]:
            yield target, props.get("PolicyDocument")
    elif type_ in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
        for policy in _list(props.get("Policies")):
            yield f"${{{logical_id}}}", (policy or {}).get("PolicyDocument")
        arns = [text(arn) for arn in _list(props.get("ManagedPolicyArns"))]
        if arns:
            managed = [{"Effect": "Allow", "Action": f"(managed policy) {arn}"} for arn in arns]
            yield f"${{{logical_id}}}", {"Statement": managed}
        if "AssumeRolePolicyDocument" in props:
            yield f"trust of ${{{logical_id}}}", props["AssumeRolePolicyDocument"]
    elif type_ == "AWS::KMS::Key":
        yield f"${{{logical_id}}}", props.get("KeyPolicy")
    elif type_ == "AWS::ECR::Repository" and "RepositoryPolicyText" in props:
        yield f"${{{logical_id}}}", props["RepositoryPolicyText"]
    else:
        targets = _targets(props, "Bucket", "Queues", "Topics", "Queue", "TopicArn", "SecretId")
        document = props.get("PolicyDocument", props.get("ResourcePolicy"))
        if document is not None:
            for target in targets or [f"${{{logical_id}}}"]:
                yield target, document


def _lambda_permission(props: Mapping[str, Any]) -> Statement:
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
    )


def template_statements(template: Template) -> list[Statement]:
    """Every IAM statement of a template, identity and resource policies."""
    out: list[Statement] = []
    for logical_id, resource in (template.get("Resources") or {}).items():
        type_, props = str(resource.get("Type")), resource.get("Properties") or {}
        if type_ == "AWS::Lambda::Permission":
            out.append(_lambda_permission(props))
            continue
        for target, document in _documents(logical_id, type_, props):
            out.extend(statements(document, target))
    return out


def _matches(value: str, patterns: frozenset[str]) -> bool:
    return any(value == p or fnmatchcase(value, p) for p in patterns)


def _covers(old: Statement, new: Statement) -> bool:
    if (old.effect, old.negated) != (new.effect, new.negated):
        return False
    if new.negated:
        return old == new
    return (
        all(_matches(a, old.actions) for a in new.actions)
        and all(_matches(r, old.resources) for r in new.resources)
        and ("*" in old.principals or new.principals <= old.principals)
        and old.conditions <= new.conditions
    )


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
        covered = any(_covers(o, Statement(**{**new.__dict__, "conditions": o.conditions})) for o in same)
        reasons.append("a condition removed" if covered else "broader than any one old statement")
    return "; ".join(reasons)


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
    old, new = template_statements(_renamed(before, renames or {})), template_statements(after)
    found: list[Widening] = []
    for statement in new:
        olds = [o for o in old if o.target == statement.target]
        if statement.effect == "Deny" or any(_covers(o, statement) for o in olds):
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
    for statement in old:
        if statement.effect == "Deny" and statement not in new:
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


def _rule(group: str, direction: str, props: Mapping[str, Any]) -> Rule:
    protocol = str(text(props.get("IpProtocol", "-1"))).lower()
    peer = next((text(props[k]) for k in _PEERS if k in props), "?")
    return Rule(
        group,
        direction,
        _PROTOCOLS.get(protocol, protocol),
        _port(props.get("FromPort")),
        _port(props.get("ToPort")),
        peer,
    )


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
            rules += [_rule(group, "ingress", r) for r in _list(props.get("SecurityGroupIngress"))]
            rules += [_rule(group, "egress", r) for r in _list(props.get("SecurityGroupEgress"))]
        elif type_ in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            direction = "ingress" if type_.endswith("Ingress") else "egress"
            group = text(props.get("GroupId", props.get("GroupName")))
            rules.append(_rule(group.replace(".GroupId}", "}"), direction, props))
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
        wider = [o.describe() for o in olds if o.peer == rule.peer]
        why = "open to the internet" if public else "new peer" if not wider else "wider than " + "; ".join(wider)
        if public and wider:
            why += "; wider than " + "; ".join(wider)
        found.append(Widening(stack, "security group", rule.group, rule.describe(), why, public))
    return found
