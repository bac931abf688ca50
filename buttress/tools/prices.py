"""The price data behind :mod:`buttress.tools.cost`: which resource types are free or usage-based,
and the list-price table (``buttress/data/prices-us-east-1.json``, with its date and source).

Pure: the standard library only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PRICES = Path(__file__).resolve().parent.parent / "data" / "prices-us-east-1.json"

#: Types that cost nothing by themselves (their traffic or their targets may).
FREE_TYPES: frozenset[str] = frozenset(
    {
        "AWS::ApplicationAutoScaling::ScalableTarget",
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        "AWS::AutoScaling::LaunchConfiguration",
        "AWS::AutoScaling::LifecycleHook",
        "AWS::AutoScaling::ScalingPolicy",
        "AWS::CDK::Metadata",
        "AWS::CloudFormation::WaitConditionHandle",
        "AWS::EC2::EgressOnlyInternetGateway",
        "AWS::EC2::InternetGateway",
        "AWS::EC2::LaunchTemplate",
        "AWS::EC2::NetworkAcl",
        "AWS::EC2::NetworkAclEntry",
        "AWS::EC2::PrefixList",
        "AWS::EC2::Route",
        "AWS::EC2::RouteTable",
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::SecurityGroupEgress",
        "AWS::EC2::SecurityGroupIngress",
        "AWS::EC2::Subnet",
        "AWS::EC2::SubnetNetworkAclAssociation",
        "AWS::EC2::SubnetRouteTableAssociation",
        "AWS::EC2::VPC",
        "AWS::EC2::VPCCidrBlock",
        "AWS::EC2::VPCGatewayAttachment",
        "AWS::ECS::Cluster",
        "AWS::ECS::ClusterCapacityProviderAssociations",
        "AWS::ECS::TaskDefinition",
        "AWS::ElasticLoadBalancingV2::Listener",
        "AWS::ElasticLoadBalancingV2::ListenerCertificate",
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        "AWS::Events::Rule",
        "AWS::KMS::Alias",
        "AWS::Lambda::EventInvokeConfig",
        "AWS::Lambda::EventSourceMapping",
        "AWS::Lambda::Permission",
        "AWS::Lambda::Url",
        "AWS::Logs::MetricFilter",
        "AWS::Logs::ResourcePolicy",
        "AWS::Logs::SubscriptionFilter",
        # AWS Organizations and its policies: no additional charge (https://aws.amazon.com/organizations/pricing/).
        "AWS::Organizations::Policy",
        # AWS Chatbot (Amazon Q Developer in chat applications): no additional charge
        # (https://aws.amazon.com/chatbot/pricing/); the SNS topics and alarms it reads are priced.
        "AWS::Chatbot::SlackChannelConfiguration",
        "AWS::Chatbot::MicrosoftTeamsChannelConfiguration",
        "AWS::S3::BucketPolicy",
        "AWS::SNS::Subscription",
        "AWS::SNS::TopicInlinePolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::SQS::QueueInlinePolicy",
        "AWS::Scheduler::ScheduleGroup",
        "AWS::Events::Connection",
        "AWS::Events::Archive",
        "AWS::SQS::QueuePolicy",
        "AWS::CodeBuild::ReportGroup",
        "AWS::CodeBuild::SourceCredential",
        "AWS::CertificateManager::Certificate",
        "AWS::SecretsManager::SecretTargetAttachment",
        "AWS::SecretsManager::RotationSchedule",
        "AWS::SecretsManager::ResourcePolicy",
        "AWS::Route53::RecordSet",
        "AWS::Route53::RecordSetGroup",
        "AWS::ServiceDiscovery::Service",
        "AWS::ECR::RegistryPolicy",
        "AWS::WAFv2::WebACLAssociation",
        "AWS::WAFv2::LoggingConfiguration",
    }
)
#: Prefixes of free types (IAM, CloudFormation plumbing).
FREE_PREFIXES: tuple[str, ...] = ("AWS::IAM::", "AWS::CloudFormation::", "AWS::SSO::")

#: Types whose cost is usage only (requests, GB, build minutes, invocations, storage).
USAGE_TYPES: Mapping[str, str] = {
    "AWS::ApiGateway::RestApi": "requests",
    "AWS::ApiGatewayV2::Api": "requests",
    "AWS::Backup::BackupPlan": "backup storage",
    "AWS::Backup::BackupVault": "backup storage",
    "AWS::Budgets::Budget": "first two action-enabled budgets free, then per budget-day",
    "AWS::CloudTrail::Trail": "events beyond the first management trail, storage",
    "AWS::CodeBuild::Project": "build minutes",
    "AWS::CodePipeline::Pipeline": "action execution minutes (V2)",
    "AWS::EC2::FlowLog": "log ingestion",
    "AWS::ECR::Repository": "image storage",
    "AWS::EFS::FileSystem": "storage",
    "AWS::EFS::MountTarget": "EFS storage",
    "AWS::Events::EventBus": "custom events",
    "AWS::Lambda::Function": "invocations, duration",
    "AWS::Lambda::LayerVersion": "storage",
    "AWS::Logs::LogGroup": "ingestion, storage",
    "AWS::S3::Bucket": "storage, requests",
    "AWS::SNS::Topic": "publishes, deliveries",
    "AWS::SQS::Queue": "requests",
    "AWS::StepFunctions::StateMachine": "state transitions",
    "AWS::Scheduler::Schedule": "invocations beyond the free tier",
    "AWS::Events::ApiDestination": "invocations",
    "AWS::ServiceDiscovery::PrivateDnsNamespace": "hosted zone, queries",
    # https://aws.amazon.com/cloud-map/pricing/: registered resources and discovery API calls, not the namespace.
    "AWS::ServiceDiscovery::HttpNamespace": "registered instances, discovery calls",
}


@dataclass(frozen=True)
class Rate:
    """One list price: ``usd`` per ``per`` (``hour`` or ``month``) of ``what``."""

    key: str
    usd: float
    per: str
    what: str


@dataclass(frozen=True)
class PriceTable:
    """A region's list prices and where they come from."""

    region: str
    currency: str
    as_of: str
    source: str
    hours_per_month: float
    rates: Mapping[str, Rate]
    ec2_instance_hourly: Mapping[str, float]
    fargate_spot_discount: float
    usage_based: Mapping[str, str]

    def monthly(self, rate: Rate) -> float:
        """The monthly price of one unit of ``rate``."""
        return rate.usd * self.hours_per_month if rate.per == "hour" else rate.usd


def load_prices(path: Path | str | None = None) -> PriceTable:
    """Load a price table (default: the us-east-1 table shipped with buttress)."""
    data = json.loads(Path(path or DEFAULT_PRICES).read_text())
    rates = {key: Rate(key, float(r["usd"]), str(r["per"]), str(r["what"])) for key, r in data["rates"].items()}
    for rate in rates.values():
        if rate.per not in ("hour", "month"):
            raise ValueError(f"rate {rate.key}: per={rate.per!r} is invalid: 'hour' or 'month'")
    return PriceTable(
        region=data["region"],
        currency=data["currency"],
        as_of=data["as_of"],
        source=data["source"],
        hours_per_month=float(data["hours_per_month"]),
        rates=rates,
        ec2_instance_hourly={k: float(v) for k, v in data.get("ec2_instance_hourly", {}).items()},
        fargate_spot_discount=float(data.get("spot", {}).get("fargate_spot_discount", 0.0)),
        usage_based=dict(data.get("usage_based", {})),
    )
