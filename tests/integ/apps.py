"""The integration apps: one small CDK app per buttress construct, the cheapest useful deployment of it.

Each app is one stack, ``ButtressInteg-<App>-<run id>``, that holds the construct, what its
behaviour test needs beside it (a target function, a probe) and the outputs the test reads. Every
resource is tagged ``buttress:integ-run=<run id>`` (:data:`RUN_TAG`), so a leftover of any run can
be found and removed (``make integ-clean``); everything that holds data is ``DESTROY``.

Only the public API is used (``from buttress import ...``, ``buttress.compliance``), as a user's app
would: the apps are also the template for running the suite on your own constructs
(docs/integration.md). ``python -m tests.integ.apps --outdir DIR`` synthesizes them, which is how
``make integ BASE=<ref>`` builds these same apps against another checkout of buttress (on ``PYTHONPATH``).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from aws_cdk import (
    Acknowledgment,
    App,
    CfnOutput,
    CfnResource,
    Duration,
    RemovalPolicy,
    Stack,
    TagManager,
    Tags,
    Validations,
)
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from buttress import AlbFargateService, BudgetKillSwitch, FanoutTopic, Network, VpcCodeBuild, compliance

# Re-exported: the apps' names live in a module without CDK, for the runner.
from tests.integ.names import APP_NAMES, EMAIL_CONTEXT, OFFLINE_RUN_ID, RUN_TAG, stack_name

__all__ = ["EMAIL_CONTEXT", "OFFLINE_RUN_ID", "RUN_TAG", "stack_name"]

REPO = Path(__file__).resolve().parent.parent.parent
#: The kill switch's target tag (only the resources it must stop carry it).
TARGET_TAG = "buttress:integ-target"
#: The tag the kill switch never touches (buttress's own, also on the switch's resources).
EXEMPT_TAG = ("buttress:kill-switch", "exempt")
DEFAULT_EMAIL = "buttress-integ@example.com"
#: Context: deploy the ALB app with an image that cannot start (the circuit-breaker assertion).
BAD_IMAGE_CONTEXT = "buttress:integBadImage"
GOOD_IMAGE = "public.ecr.aws/nginx/nginx:stable"
BAD_IMAGE = "public.ecr.aws/buttress-integ/does-not-exist:never"
#: Context the CDK CLI sets by default; set here too so an in-process App synthesizes the same.
CLI_DEFAULT_CONTEXT: Mapping[str, Any] = {"aws:cdk:enable-path-metadata": True, "aws:cdk:enable-asset-metadata": True}

_RUN_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


def _acknowledge(scope: Construct, reason: str, *ids: str) -> None:
    Validations.of(scope).acknowledge(*(Acknowledgment(id=id_, reason=reason) for id_ in ids))


# -- the probe: a function inside a VPC that the tests invoke to look from there -----------------

PROBE_CODE = """
import socket, urllib.request


def handler(event, context):
    out = {}
    for host in event.get("resolve", []):
        try:
            out[host] = sorted({a[4][0] for a in socket.getaddrinfo(host, 443, proto=socket.IPPROTO_TCP)})
        except OSError as error:
            out[host] = "error: " + str(error)
    for url in event.get("get", []):
        try:
            with urllib.request.urlopen(url, timeout=float(event.get("timeout", 5))) as response:
                out[url] = response.status
        except Exception as error:
            out[url] = "error: " + type(error).__name__
    return out
"""

_PROBE_REASON = (
    "integ probe: a test-only function invoked a few times by the behaviour tests and destroyed with the "
    "stack; concurrency limits, DLQs, tracing and code signing guard production functions"
)
_FUNCTION_RULES = (
    "NIST.800.53.R5-LambdaInsideVPC",
    "HIPAA.Security-LambdaInsideVPC",
    "PCI.DSS.321-LambdaInsideVPC",
    "cdk-validator-cfnguard::lambda_inside_vpc_check",
    "NIST.800.53.R5-LambdaConcurrency",
    "NIST.800.53.R5-LambdaDLQ",
    "HIPAA.Security-LambdaConcurrency",
    "HIPAA.Security-LambdaDLQ",
    "PCI.DSS.321-LambdaDLQ",
    "Serverless-LambdaDLQ",
    "Serverless-LambdaTracing",
    "Serverless-LambdaDefaultMemorySize",
    "Serverless-LambdaDefaultTimeout",
    "Serverless-LambdaAsyncFailureDestination",
    "Serverless-LambdaLatestVersion",
    "cdk-validator-cfnguard::ct-lambda-pr-1",
    "cdk-validator-cfnguard::ct-lambda-pr-2",
    "cdk-validator-cfnguard::ct-lambda-pr-3",
    "cdk-validator-cfnguard::ct-lambda-pr-4",
)
_LOG_REASON = "integ probe's log group: a day of test output, destroyed with the stack; nothing sensitive in it"
_LOG_RULES = (
    "NIST.800.53.R5-CloudWatchLogGroupEncrypted",
    "HIPAA.Security-CloudWatchLogGroupEncrypted",
    "PCI.DSS.321-CloudWatchLogGroupEncrypted",
    "cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check",
    "cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check",
)
_ALARM_REASON = (
    "integ app: the construct's alarms are not what the test asserts; a real app passes alarm_action (the examples do)"
)
_ALARM_RULES = (
    "NIST.800.53.R5-CloudWatchAlarmAction",
    "HIPAA.Security-CloudWatchAlarmAction",
    "cdk-validator-cfnguard::cloudwatch_alarm_action_check",
)


def _function(
    scope: Construct, id_: str, *, code: str, role: iam.IRole | None = None, vpc: ec2.IVpc | None = None
) -> lambda_.Function:
    log_group = logs.LogGroup(
        scope, f"{id_}Logs", retention=logs.RetentionDays.ONE_DAY, removal_policy=RemovalPolicy.DESTROY
    )
    function = lambda_.Function(
        scope,
        id_,
        runtime=lambda_.Runtime.PYTHON_3_14,
        handler="index.handler",
        code=lambda_.Code.from_inline(code),
        role=role,
        timeout=Duration.seconds(20),
        memory_size=256,
        vpc=vpc,
        vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS) if vpc else None,
        # The log group the function would create by itself outlives the stack: give it one that does not.
        log_group=log_group,
    )
    _acknowledge(function, _PROBE_REASON, *_FUNCTION_RULES)
    if role is None:
        _acknowledge(
            function,
            "integ probe: the managed policies Lambda documents for a function in a VPC (its own logs, its "
            "network interfaces); a production function of a buttress app gets exact statements",
            *(
                f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/{name}]"
                for name in ("AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole")
            ),
        )
    _acknowledge(log_group, _LOG_REASON, *_LOG_RULES)
    return function


# -- the apps ---------------------------------------------------------------------------------------

#: The fan-out app's subscribers: name -> (filter policy, filter scope).
FANOUT_SUBSCRIBERS: Mapping[str, tuple[dict[str, Any], str]] = {
    "Lab": ({"category": ["lab-supplies"]}, "MessageAttributes"),
    "Large": ({"amount_usd": [{"numeric": [">", 1000]}]}, "MessageAttributes"),
    "Urgent": ({"priority": ["urgent"]}, "MessageBody"),
}
#: Receives before a poison message of the ``Lab`` queue moves to its dead-letter queue.
POISON_RECEIVES = 2
#: The second FanoutTopic of the fanout app: the same topic imported by its ARN (``existing_topic=``).
EXISTING_TOPIC = "OrdersByArn"
#: Its queues: name -> (filter policy, scope).
EXISTING_TOPIC_SUBSCRIBERS: Mapping[str, tuple[dict[str, Any], str]] = {
    "Imported": ({"category": ["office-supplies"], "amount_usd": [{"numeric": ["<", 100]}]}, "MessageAttributes"),
}


def fanout(stack: Stack, run_id: str) -> None:
    """A topic with three filtered queues (attributes and body), each with its dead-letter queue, and a
    second FanoutTopic over the same topic imported by its ARN, with one filtered queue."""
    topic = FanoutTopic(stack, "Orders", dashboard=False)
    _acknowledge(topic, _ALARM_REASON, *_ALARM_RULES)
    CfnOutput(stack, "TopicArn", value=topic.topic.topic_arn)
    for name, (policy, scope) in FANOUT_SUBSCRIBERS.items():
        queue = topic.add_queue(
            name,
            filter_policy=policy,
            filter_scope=scope,
            max_receive_count=POISON_RECEIVES if name == "Lab" else None,
        )
        CfnOutput(stack, f"{name}QueueUrl", value=queue.queue_url)
        dead_letter = getattr(queue, "dead_letter_queue", None)
        if dead_letter is not None:
            CfnOutput(stack, f"{name}DeadLetterQueueUrl", value=dead_letter.queue.queue_url)
    # The same topic as another team's app sees it: imported by its ARN, subscribed with
    # existing_topic= (its queues share the first topic's queue key: no second key to pay for).
    imported = sns.Topic.from_topic_arn(stack, "OrdersArn", topic.topic.topic_arn)
    by_arn = FanoutTopic(stack, EXISTING_TOPIC, existing_topic=imported, dashboard=False, key=topic.queue_key)
    for name, (policy, scope) in EXISTING_TOPIC_SUBSCRIBERS.items():
        queue = by_arn.add_queue(name, filter_policy=policy, filter_scope=scope)
        CfnOutput(stack, f"{name}QueueUrl", value=queue.queue_url)


#: The kill switch's targets: name -> its tags (besides the run tag).
KILL_SWITCH_TARGETS: Mapping[str, Mapping[str, str]] = {
    "Tagged": {TARGET_TAG: "{run_id}"},
    "Untagged": {},
    "Exempt": {TARGET_TAG: "{run_id}", EXEMPT_TAG[0]: EXEMPT_TAG[1]},
}


def killswitch(stack: Stack, run_id: str) -> None:
    """The switch with its Lambda and IAM actions, three idle target functions and a group to deny."""
    email = str(stack.node.try_get_context(EMAIL_CONTEXT) or DEFAULT_EMAIL)
    # Named, and the name used as a plain string below: moto's CloudFormation cannot resolve a group's Ref.
    group_name = f"buttress-integ-{run_id}"
    group = iam.Group(stack, "Developers", group_name=group_name)
    _acknowledge(
        group,
        "integ target: the group exists to receive the switch's deny policy; it never has members",
        "AwsSolutions-IAMGroupHasUsers",
        "HIPAA.Security-IAMGroupHasUsers",
        "PCI.DSS.321-IAMGroupHasUsers",
        "cdk-validator-cfnguard::iam_inline_policy_no_statements_with_admin_access_check",
        "cdk-validator-cfnguard::iam_inline_policy_no_statements_with_full_access_check",
    )
    # One role with no permissions for the three targets: they are never invoked.
    role = iam.Role(stack, "TargetRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    for name, tags in KILL_SWITCH_TARGETS.items():
        function = _function(stack, name, code="def handler(event, context):\n    return event\n", role=role)
        for key, value in tags.items():
            Tags.of(function).add(key, value.format(run_id=run_id))
        CfnOutput(stack, f"{name}FunctionName", value=function.function_name)
    switch = BudgetKillSwitch(
        stack,
        "Switch",
        limit_usd=1,
        tag_key=TARGET_TAG,
        tag_value=run_id,
        operator_emails=[email],
        # Only the kinds with a free, instant target: the others are the same engine (unit-tested).
        ecs_services=False,
        ec2_instances=False,
        rds_databases=False,
        auto_scaling_groups=False,
        sagemaker_notebooks=False,
        eks_node_groups=False,
        app_runner_services=False,
        iam_groups=[group_name],
        removal_policy=RemovalPolicy.DESTROY,
        log_retention=logs.RetentionDays.ONE_DAY,
    )
    outputs = {
        "GroupName": group_name,
        "EngageFunctionName": switch.engage_function.function_name,
        "RestoreFunctionName": switch.restore_function.function_name,
        "AlertTopicArn": switch.alert_topic.topic.topic_arn,
        "TableName": switch.table.table_name,
        "BudgetName": switch.budget_name,
    }
    for key, value in outputs.items():
        CfnOutput(stack, key, value=value)


def network(stack: Stack, run_id: str) -> None:
    """Private subnets behind one NAT gateway, one interface endpoint, flow logs, and a probe inside.

    (Isolated subnets alone would save the NAT gateway, but ``Network`` then refuses interface
    endpoints: it asks the VPC for private subnets first, and the VPC raises when it has none.)
    """
    net = Network(
        stack,
        "Network",
        nat_gateways=1,
        isolated_subnet_mask=None,
        interface_endpoints=["sts"],
        log_retention=logs.RetentionDays.ONE_DAY,
        removal_policy=RemovalPolicy.DESTROY,
    )
    probe = _function(stack, "Probe", code=PROBE_CODE, vpc=net.vpc)
    CfnOutput(stack, "VpcId", value=net.vpc.vpc_id)
    CfnOutput(stack, "VpcCidr", value=net.vpc.vpc_cidr_block)
    CfnOutput(stack, "FlowLogGroupName", value=net.flow_log_group.log_group_name)
    CfnOutput(stack, "ProbeFunctionName", value=probe.function_name)


def alb(stack: Stack, run_id: str) -> None:
    """One small public HTTP task behind the load balancer, one NAT gateway."""
    net = Network(
        stack,
        "Network",
        nat_gateways=1,
        isolated_subnet_mask=None,
        log_retention=logs.RetentionDays.ONE_DAY,
        removal_policy=RemovalPolicy.DESTROY,
    )
    bad = bool(stack.node.try_get_context(BAD_IMAGE_CONTEXT))
    service = AlbFargateService(
        stack,
        "Web",
        vpc=net,
        image=BAD_IMAGE if bad else GOOD_IMAGE,
        # No certificate in an arbitrary account: HTTP, which the construct warns about (on purpose here).
        protocol="HTTP",
        min_capacity=1,
        max_capacity=1,
        log_retention=logs.RetentionDays.ONE_DAY,
        removal_policy=RemovalPolicy.DESTROY,
    )
    _acknowledge(
        service,
        "integ app: an arbitrary account has no certificate for the test's load balancer, and the test reads "
        "the URL once; HTTPS is what every real service of the construct defaults to",
        "Annotation::buttress:plainHttp",
        "NIST.800.53.R5-ALBHttpToHttpsRedirection",
        "HIPAA.Security-ALBHttpToHttpsRedirection",
        "PCI.DSS.321-ALBHttpToHttpsRedirection",
        "NIST.800.53.R5-ELBv2ACMCertificateRequired",
        "HIPAA.Security-ELBv2ACMCertificateRequired",
        "PCI.DSS.321-ELBv2ACMCertificateRequired",
        "cdk-validator-cfnguard::alb_http_to_https_redirection_check",
    )
    CfnOutput(stack, "Url", value=service.url)
    CfnOutput(stack, "ClusterName", value=service.service.cluster.cluster_name)
    CfnOutput(stack, "ServiceName", value=service.service.service_name)
    CfnOutput(stack, "LoadBalancerArn", value=service.load_balancer.load_balancer_arn)


#: The build: resolve the STS endpoint from inside the VPC and call it through it, as a JUnit report.
CODEBUILD_SPEC: dict[str, Any] = {
    "version": "0.2",
    "phases": {
        "build": {
            "commands": [
                "mkdir -p reports",
                'IP=$(getent hosts "sts.$AWS_REGION.amazonaws.com" | cut -d" " -f1 | head -1); echo "sts -> $IP"',
                'CODE=$(curl --silent --output /dev/null --write-out "%{http_code}" --max-time 10 '
                '"https://sts.$AWS_REGION.amazonaws.com/" || true); echo "HTTP $CODE"',
                'case "$IP" in 10.*) PRIVATE=1;; *) PRIVATE=0;; esac',
                'if [ "$PRIVATE" = 1 ] && [ -n "$CODE" ] && [ "$CODE" != "000" ]; then'
                ' echo \'<testsuite name="integ" tests="1" failures="0"><testcase name="private sts"/></testsuite>\''
                " > reports/junit.xml; else"
                ' echo \'<testsuite name="integ" tests="1" failures="1"><testcase name="private sts">'
                '<failure message="not private"/></testcase></testsuite>\' > reports/junit.xml; fi',
                'test "$PRIVATE" = 1',
            ]
        }
    },
}


def codebuild(stack: Stack, run_id: str) -> None:
    """A build in the private subnets that reaches STS through the VPC's interface endpoint."""
    net = Network(
        stack,
        "Network",
        cidr="10.40.0.0/16",
        nat_gateways=1,
        isolated_subnet_mask=None,
        interface_endpoints=["sts"],
        log_retention=logs.RetentionDays.ONE_DAY,
        removal_policy=RemovalPolicy.DESTROY,
    )
    build = VpcCodeBuild(
        stack,
        "Build",
        vpc=net,
        build_spec=CODEBUILD_SPEC,
        reports={"integ": {"files": ["junit.xml"], "file-format": "JUNITXML", "base-directory": "reports"}},
        log_retention=logs.RetentionDays.ONE_DAY,
        removal_policy=RemovalPolicy.DESTROY,
    )
    _acknowledge(
        build,
        "integ app: one build at a time, started by the test",
        "Annotation::buttress:VpcCodeBuild:subnetCapacity",
    )
    CfnOutput(stack, "ProjectName", value=build.project.project_name)
    CfnOutput(stack, "ReportGroupArn", value=build.report_groups["integ"].report_group_arn)
    CfnOutput(stack, "VpcId", value=net.vpc.vpc_id)


#: App name -> the function that fills its one stack.
APPS: dict[str, Callable[[Stack, str], None]] = {
    "fanout": fanout,
    "killswitch": killswitch,
    "network": network,
    "alb": alb,
    "codebuild": codebuild,
}
assert tuple(APPS) == APP_NAMES


def _destroy_keys(stack: Stack) -> None:
    """Every KMS key of the stack scheduled for deletion (7 days, the shortest) when the stack is destroyed.

    A kept key bills $1 a month; ``removal_policy=DESTROY`` leaves KMS's 30-day waiting period, and
    keys of aws-cdk-lib's own constructs have no removal policy of buttress's: set both here.
    """
    for node in stack.node.find_all():
        if isinstance(node, kms.CfnKey):
            node.apply_removal_policy(RemovalPolicy.DESTROY)
            node.pending_window_in_days = 7


def _tag_providers(stack: Stack, run_id: str) -> None:
    """Tag what ``Tags.of`` does not reach: aws-cdk-lib's custom-resource providers (plain CfnResources)."""
    for node in stack.node.find_all():
        if (
            isinstance(node, CfnResource)
            and node.cfn_resource_type in ("AWS::IAM::Role", "AWS::Lambda::Function")
            and not TagManager.is_taggable(node)
        ):
            node.add_property_override("Tags", [{"Key": RUN_TAG, "Value": run_id}])


def cdk_json_context() -> dict[str, Any]:
    """The feature flags of the repository's ``cdk.json``, so the apps behave as the examples do."""
    data = json.loads((REPO / "cdk.json").read_text())
    return dict(data.get("context", {}))


def build_app(
    name: str, *, run_id: str = OFFLINE_RUN_ID, outdir: str | None = None, context: Mapping[str, Any] | None = None
) -> App:
    """Integ app ``name`` for run ``run_id``, tagged, with the compliance plugins (a finding fails synth)."""
    if name not in APPS:
        raise ValueError(f"no integ app {name!r}: one of {', '.join(APPS)}")
    if not _RUN_ID.match(run_id):
        raise ValueError(f"run id {run_id!r}: 1-32 lower-case letters, digits and '-'")
    app = App(context={**CLI_DEFAULT_CONTEXT, **cdk_json_context(), **(context or {})}, outdir=outdir)
    stack = Stack(app, stack_name(name, run_id), description=f"buttress integration test: {name} (run {run_id})")
    APPS[name](stack, run_id)
    _destroy_keys(stack)
    Tags.of(app).add(RUN_TAG, run_id)
    _tag_providers(stack, run_id)
    Validations.of(app).add_plugins(*compliance.plugins(app))
    return app


def synth_apps(
    root: Path, *, run_id: str = OFFLINE_RUN_ID, names: Sequence[str] = (), context: Mapping[str, Any] | None = None
) -> dict[str, Path]:
    """Synthesize the apps (all by default) into ``root/<name>``: app name -> its cloud assembly."""
    out = {}
    for name in names or list(APPS):
        outdir = root / name
        build_app(name, run_id=run_id, outdir=str(outdir), context=context).synth()
        out[name] = outdir
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Synthesize the buttress integ apps")
    parser.add_argument("--outdir", type=Path, required=True, help="one cloud assembly per app under this folder")
    parser.add_argument("--run-id", default=OFFLINE_RUN_ID)
    parser.add_argument("--only", nargs="*", default=[], help="app names (default: all)")
    parser.add_argument("--context", action="append", default=[], help="key=value, repeatable")
    args = parser.parse_args(argv)
    context = dict(item.split("=", 1) for item in args.context)
    for name, outdir in synth_apps(args.outdir, run_id=args.run_id, names=args.only, context=context).items():
        print(f"{name}: {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
