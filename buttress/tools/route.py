"""Which subscriptions of a synthesized topic would receive a message? (no deploy, no AWS account)

    buttress-route --stack ButtressProcurement \\
        -a category=lab-supplies -n amount_usd=15700 -a location=Asia-Pacific-Southeast

(or ``python -m buttress.tools.route``) reads a cloud assembly (``--cdk-out``, default ``cdk.out``:
the folder ``cdk synth`` writes), finds the stack's SNS topic and its subscriptions with
their filter policies, and evaluates them with :func:`buttress.filter_policy.matches`. Message
attributes: ``-a name=value`` (String), ``-n name=value`` (Number), ``-l name=v1,v2`` (String.Array)
or ``--attributes JSON`` in the boto3 ``publish`` shape; ``--body JSON`` for ``MessageBody`` filters.
Pure: no CDK import, only the template JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buttress.rules.filter_policy import matches
from buttress.rules.template_metadata import SUBSCRIBER_METADATA, TOPIC_METADATA
from buttress.tools.assembly import read_assembly


class RouteError(ValueError):
    """The template, stack, topic or message given to the routing command is not usable."""


@dataclass(frozen=True)
class Route:
    """One subscription of the topic and whether it receives the message."""

    subscriber: str
    protocol: str
    receives: bool
    filter_policy: Mapping[str, Any] | None
    filter_scope: str


def _topics(template: Mapping[str, Any]) -> dict[str, str | None]:
    """Topic name (buttress metadata, else TopicName, else logical id) -> logical id.

    When the template has ``FanoutTopic`` topics (they carry buttress metadata), only those: a
    plain topic beside them (an operators' alarm topic) is not one to route on. A ``FanoutTopic``
    over an existing topic has no topic resource here: its subscriptions carry its id (logical id
    ``None``).
    """
    resources = template.get("Resources", {})
    topics = {k: r for k, r in resources.items() if r.get("Type") == "AWS::SNS::Topic"}
    fanout = {k: r for k, r in topics.items() if TOPIC_METADATA in r.get("Metadata", {})}
    found: dict[str, str | None] = {}
    for logical_id, resource in (fanout or topics).items():
        name = resource.get("Metadata", {}).get(TOPIC_METADATA) or resource.get("Properties", {}).get("TopicName")
        found[str(name or logical_id)] = logical_id
    existing = {
        str(r["Metadata"][TOPIC_METADATA])
        for r in resources.values()
        if r.get("Type") == "AWS::SNS::Subscription" and TOPIC_METADATA in r.get("Metadata", {})
    }
    if existing and not fanout:
        found = {}  # the plain topics beside a FanoutTopic over an existing topic are not routed on either
    found.update(dict.fromkeys(sorted(existing)))
    return found


def _is_fanout_topic(template: Mapping[str, Any], logical_id: str | None) -> bool:
    return logical_id is None or TOPIC_METADATA in template["Resources"][logical_id].get("Metadata", {})


def _subscribes(resource: Mapping[str, Any], topic: str, logical_id: str | None) -> bool:
    """The subscription is to ``topic``: by its metadata (an existing topic), else by ``Ref``."""
    if resource.get("Type") != "AWS::SNS::Subscription":
        return False
    if logical_id is None:
        return bool(resource.get("Metadata", {}).get(TOPIC_METADATA) == topic)
    return bool(resource.get("Properties", {}).get("TopicArn") == {"Ref": logical_id})


def route_template(
    template: Mapping[str, Any],
    *,
    topic: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    body: Any = None,
) -> list[Route]:
    """Evaluate every subscription of ``topic`` (the template's only topic by default)."""
    topics = _topics(template)
    if not topics:
        raise RouteError("the template has no SNS topic")
    if topic is None:
        # Several topics, one of them a FanoutTopic's (e.g. beside an operator topic for alarms): that one.
        fanout_topics = [name for name, logical_id in topics.items() if _is_fanout_topic(template, logical_id)]
        if len(topics) > 1 and len(fanout_topics) == 1:
            topics = {fanout_topics[0]: topics[fanout_topics[0]]}
        if len(topics) > 1:
            raise RouteError(f"the template has several topics, pick one with --topic: {', '.join(sorted(topics))}")
        topic = next(iter(topics))
    if topic not in topics:
        raise RouteError(f"topic {topic!r} is not in the template: {', '.join(sorted(topics))}")
    logical_topic = topics[topic]
    routes = []
    for logical_id, resource in template.get("Resources", {}).items():
        if not _subscribes(resource, topic, logical_topic):
            continue
        props = resource.get("Properties", {})
        policy = props.get("FilterPolicy")
        if isinstance(policy, str):
            policy = json.loads(policy)
        scope = props.get("FilterPolicyScope", "MessageAttributes")
        routes.append(
            Route(
                subscriber=str(resource.get("Metadata", {}).get(SUBSCRIBER_METADATA, logical_id)),
                protocol=str(props.get("Protocol")),
                receives=matches(policy, attributes=attributes, body=body, scope=scope),
                filter_policy=policy,
                filter_scope=scope,
            )
        )
    return routes


def _pairs(values: Sequence[str], flag: str) -> list[tuple[str, str]]:
    out = []
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name:
            raise RouteError(f"{flag} {value!r}: expected name=value")
        out.append((name, rest))
    return out


def parse_attributes(args: argparse.Namespace) -> dict[str, Any]:
    """Message attributes in the boto3 ``publish`` shape from the command-line flags."""
    attributes: dict[str, Any] = {}
    if args.attributes:
        loaded = json.loads(args.attributes)
        if not isinstance(loaded, dict):
            raise RouteError("--attributes takes a JSON object in the boto3 publish shape")
        attributes.update(loaded)
    for name, value in _pairs(args.string, "-a"):
        attributes[name] = {"DataType": "String", "StringValue": value}
    for name, value in _pairs(args.number, "-n"):
        try:
            float(value)
        except ValueError as exc:
            raise RouteError(f"-n {name}={value!r}: not a number") from exc
        attributes[name] = {"DataType": "Number", "StringValue": value}
    for name, value in _pairs(args.list, "-l"):
        attributes[name] = {"DataType": "String.Array", "StringValue": json.dumps(value.split(","))}
    return attributes


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="buttress-route", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cdk-out", default="cdk.out", type=Path, help="cloud assembly folder (default cdk.out)")
    parser.add_argument("--template", type=Path, help="a template file instead of --cdk-out/--stack")
    parser.add_argument("--stack", help="stack name, e.g. ButtressProcurement")
    parser.add_argument("--topic", help="topic (construct id or TopicName) when the stack has several")
    parser.add_argument("-a", dest="string", action="append", default=[], metavar="NAME=VALUE", help="String attribute")
    parser.add_argument("-n", dest="number", action="append", default=[], metavar="NAME=VALUE", help="Number attribute")
    parser.add_argument("-l", dest="list", action="append", default=[], metavar="NAME=V1,V2", help="String.Array")
    parser.add_argument("--attributes", help="attributes as JSON in the boto3 publish shape")
    parser.add_argument("--body", help="message body (JSON) for MessageBody filter policies")
    parser.add_argument("--json", action="store_true", help="print the receiving subscribers as a JSON list")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.template:
            template = json.loads(args.template.read_text())
            where = str(args.template)
        else:
            assembly = read_assembly(args.cdk_out, label="--cdk-out")
            if args.stack is None:
                raise RouteError(f"--stack is required with --cdk-out: one of {', '.join(assembly.stacks)}")
            if args.stack not in assembly.stacks:
                raise RouteError(f"--stack {args.stack!r} is not in {args.cdk_out}: {', '.join(assembly.stacks)}")
            template, where = assembly.template(args.stack), args.stack
        attributes = parse_attributes(args)
        body = json.loads(args.body) if args.body else None
        routes = route_template(template, topic=args.topic, attributes=attributes, body=body)
    except (RouteError, ValueError, OSError) as exc:  # AssemblyError is a ValueError
        print(f"error: {exc}", file=sys.stderr)
        return 2
    receivers = [r.subscriber for r in routes if r.receives]
    if args.json:
        print(json.dumps(receivers))
        return 0
    shown = ", ".join(f"{k}={_show(v)}" for k, v in attributes.items()) or "(no attributes)"
    print(f"{where}: {shown}")
    width = max((len(r.subscriber) for r in routes), default=0)
    for r in routes:
        mark = "->" if r.receives else "  "
        verdict = "receives" if r.receives else "filtered out"
        policy = "no filter" if r.filter_policy is None else f"{r.filter_scope} {json.dumps(r.filter_policy)}"
        print(f"  {mark} {r.subscriber:<{width}}  {r.protocol:<6} {verdict:<12}  {policy}")
    print(
        f"{len(receivers)} of {len(routes)} subscriptions receive it{': ' if receivers else ''}{', '.join(receivers)}"
    )
    return 0


def _show(attribute: Any) -> str:
    if isinstance(attribute, Mapping):
        return f"{attribute.get('StringValue')} ({attribute.get('DataType')})"
    return repr(attribute)


if __name__ == "__main__":
    raise SystemExit(main())
