"""Every assertion of the integration suite: what it proves, and whether moto's server can honour it.

One table, three readers: the tests (:func:`tests.integ.target.Target.require` skips an assertion
moto cannot honour, with the reason), ``docs/integration.md`` (its table is :func:`markdown_table`,
checked by a test) and the runner's time estimate (the apps that have assertions).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Assertion:
    """One behaviour the suite asserts."""

    id: str
    app: str
    proves: str
    #: Why moto's server cannot honour it (then it runs on a real account only); ``""``: moto honours it.
    moto_gap: str = ""
    #: How the local target honours it differently from a real account, if it does.
    local_note: str = ""


_LAMBDA_DOCKER = "moto runs Lambda functions only in Docker (none in CI)"

ASSERTIONS: tuple[Assertion, ...] = (
    Assertion(
        "fanout.routes",
        "fanout",
        "messages published with given attributes and bodies arrive exactly at the subscribers "
        "FanoutTopic.route() predicts, and at no other queue",
        local_note="moto's CloudFormation does not create AWS::SNS::Subscription: the local target subscribes "
        "the queues with the deployed template's properties (filter policy, scope, raw delivery, redrive)",
    ),
    Assertion(
        "fanout.existing_topic",
        "fanout",
        "a second FanoutTopic over the same topic, imported by its ARN (existing_topic=), is subscribed by the "
        "stack and its queue receives exactly what its route() predicts",
        local_note="as fanout.routes: the local target subscribes the queue with the template's properties",
    ),
    Assertion(
        "fanout.poison_to_dlq",
        "fanout",
        "a message its consumer fails to process max_receive_count times lands in the queue's dead-letter "
        "queue, and only there",
    ),
    Assertion(
        "killswitch.drill_stops_tagged",
        "killswitch",
        "the drill payload sets the tagged function's reserved concurrency to 0 and attaches the deny "
        "policy to the IAM group",
        local_note=f"{_LAMBDA_DOCKER}: the engage handler runs in-process against moto's server with the "
        "deployed function's configuration and the SNS event the alert topic delivers",
    ),
    Assertion(
        "killswitch.records",
        "killswitch",
        "the records table (DynamoDB) holds one item per changed resource, written before the change",
    ),
    Assertion(
        "killswitch.untouched",
        "killswitch",
        "the untagged function and the tagged-but-exempt function are not changed by the drill or the restore",
    ),
    Assertion(
        "killswitch.restore_exact",
        "killswitch",
        "the restore payload brings back exactly the previous state: no reserved concurrency, no deny policy",
        local_note=f"{_LAMBDA_DOCKER}: the restore handler runs in-process against moto's server",
    ),
    Assertion(
        "network.private_dns",
        "network",
        "from inside the VPC, the STS interface endpoint's name resolves to addresses in the VPC's CIDR",
        moto_gap=f"{_LAMBDA_DOCKER}, and moto has no VPC DNS",
    ),
    Assertion(
        "network.flow_logs",
        "network",
        "VPC flow log records arrive in the flow-log group",
        moto_gap="moto records no network traffic, so no flow log is ever written",
    ),
    Assertion(
        "alb.url_answers",
        "alb",
        "the service's URL answers HTTP 200 through the load balancer",
        moto_gap="moto has no load-balancer data plane and starts no containers",
    ),
    Assertion(
        "alb.tasks_private",
        "alb",
        "the running tasks have no public IP and their security group admits only the load balancer's",
        moto_gap="moto's CloudFormation starts no ECS tasks",
    ),
    Assertion(
        "alb.bad_image_rolls_back",
        "alb",
        "an update to an image that cannot start fails, the deployment circuit breaker rolls the service "
        "back, and the URL keeps answering",
        moto_gap="moto starts no tasks, so no deployment can fail",
    ),
    Assertion(
        "codebuild.build_in_vpc",
        "codebuild",
        "a build starts and succeeds, inside the VPC (the build's VPC configuration)",
        moto_gap="moto's CloudFormation has no AWS::CodeBuild::Project model and moto runs no builds",
    ),
    Assertion(
        "codebuild.private_resource",
        "codebuild",
        "the build reaches STS through the VPC's interface endpoint (a private address)",
        moto_gap="moto runs no builds",
    ),
    Assertion(
        "codebuild.report",
        "codebuild",
        "the report group receives the build's JUnit report, its test case passed",
        moto_gap="moto runs no builds",
    ),
    Assertion(
        "update.in_place",
        "all",
        "with BASE=<ref>: every stack deployed from BASE updates to the working tree (UPDATE_COMPLETE), and "
        "every assertion above holds after the update",
        moto_gap="an update rehearsal on moto proves little: moto replaces nothing and refuses no property change",
    ),
)

BY_ID: dict[str, Assertion] = {a.id: a for a in ASSERTIONS}


def local_apps() -> list[str]:
    """The apps the local target deploys: those with an assertion moto honours."""
    return sorted({a.app for a in ASSERTIONS if not a.moto_gap and a.app != "all"})


def markdown_table() -> str:
    """The table of docs/integration.md: every assertion and whether moto honours it."""
    rows = [
        "| assertion | app | proves | `make integ-local` (moto) |",
        "|---|---|---|---|",
    ]
    for a in ASSERTIONS:
        note = f" ({a.local_note})" if a.local_note else ""
        local = f"skipped: {a.moto_gap}" if a.moto_gap else f"yes{note}"
        rows.append(f"| `{a.id}` | {a.app} | {a.proves} | {local} |")
    return "\n".join(rows)
