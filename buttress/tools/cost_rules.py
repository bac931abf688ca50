"""The estimator behind :mod:`buttress.tools.cost`: one template's resources priced line by line.

Pure: a template dict and a :class:`~buttress.tools.prices.PriceTable` in, a :class:`StackCost` out
(which rate each resource type bills at, and every assumption made); no CDK import, no AWS call.
Rendering is :mod:`buttress.tools.cost_report`, the command line :mod:`buttress.tools.cost`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buttress.tools.assembly import read_assembly
from buttress.tools.prices import (
    FREE_PREFIXES,
    FREE_TYPES,
    USAGE_TYPES,
    PriceTable,
    Rate,
    load_prices,
)

Template = Mapping[str, Any]
Resource = Mapping[str, Any]


@dataclass(frozen=True)
class CostLine:
    """``quantity`` units of ``rate`` for one resource, with the assumptions made."""

    logical_id: str
    resource_type: str
    rate: Rate
    quantity: float
    monthly: float
    notes: tuple[str, ...] = ()


@dataclass
class StackCost:
    """The fixed monthly cost of one template, and what it leaves out."""

    name: str
    lines: list[CostLine] = field(default_factory=list)
    usage_based: Counter[str] = field(default_factory=Counter)
    free: Counter[str] = field(default_factory=Counter)
    not_priced: list[tuple[str, str, str]] = field(default_factory=list)
    """(logical id, type, reason) of resources with a cost this table cannot compute."""

    @property
    def monthly(self) -> float:
        return sum(line.monthly for line in self.lines)

    def by_rate(self) -> list[tuple[Rate, float, float, int]]:
        """(rate, total quantity, monthly, resources) per rate, most expensive first."""
        groups: dict[str, tuple[Rate, float, float, int]] = {}
        for line in self.lines:
            rate, qty, monthly, n = groups.get(line.rate.key, (line.rate, 0.0, 0.0, 0))
            groups[line.rate.key] = (rate, qty + line.quantity, monthly + line.monthly, n + 1)
        return sorted(groups.values(), key=lambda g: (-g[2], g[0].key))

    def notes(self) -> list[str]:
        """Every assumption, ``logical id: note``, once."""
        seen: dict[str, None] = {}
        for line in self.lines:
            for note in line.notes:
                seen.setdefault(f"{line.logical_id}: {note}", None)
        return list(seen)


def _is_literal_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def _literal(value: Any) -> float | None:
    """``value`` as a number when it is a literal one, else None (a token, a missing prop)."""
    return float(value) if _is_literal_number(value) else None


def _ref_target(value: Any) -> str | None:
    """The logical id a ``Ref`` or ``Fn::GetAtt`` points at, else None."""
    if isinstance(value, Mapping):
        if "Ref" in value and isinstance(value["Ref"], str):
            return value["Ref"]
        att = value.get("Fn::GetAtt")
        if isinstance(att, list) and att and isinstance(att[0], str):
            return att[0]
        if isinstance(att, str):
            return att.split(".", 1)[0]
    return None


class _Estimator:
    def __init__(self, name: str, template: Template, prices: PriceTable) -> None:
        self.resources: Mapping[str, Resource] = template.get("Resources", {}) or {}
        self.prices = prices
        self.result = StackCost(name)

    # -- helpers -----------------------------------------------------------------------------
    def props(self, resource: Resource) -> Mapping[str, Any]:
        props = resource.get("Properties", {})
        return props if isinstance(props, Mapping) else {}

    def add(self, logical_id: str, resource: Resource, rate_key: str, quantity: float, *notes: str) -> None:
        if quantity <= 0:
            return
        rate = self.prices.rates[rate_key]
        all_notes = list(notes)
        if "Condition" in resource:
            all_notes.append(f"only if condition {resource['Condition']} holds")
        monthly = self.prices.monthly(rate) * quantity
        self.result.lines.append(
            CostLine(logical_id, str(resource.get("Type")), rate, quantity, monthly, tuple(all_notes))
        )

    def number(self, value: Any, default: float, what: str, notes: list[str]) -> float:
        if value is None:
            notes.append(f"{what} not set: assumed {default:g}")
            return default
        if _is_literal_number(value):
            return float(value)
        notes.append(f"{what} is not a literal ({json.dumps(value)[:60]}): assumed {default:g}")
        return default

    def count_list(self, value: Any, default: int, what: str, notes: list[str]) -> int:
        if isinstance(value, list):
            return len(value)
        notes.append(f"{what} is not a literal list: assumed {default}")
        return default

    def not_priced(self, logical_id: str, resource: Resource, reason: str) -> None:
        self.result.not_priced.append((logical_id, str(resource.get("Type")), reason))

    # -- resource types ----------------------------------------------------------------------
    def run(self) -> StackCost:
        for logical_id, resource in sorted(self.resources.items()):
            type_ = str(resource.get("Type", ""))
            handler = getattr(self, "_" + type_.replace("::", "_").replace("-", "_"), None)
            if handler is not None:
                handler(logical_id, resource)
            elif type_ in USAGE_TYPES:
                self.result.usage_based[type_] += 1
            elif type_ in FREE_TYPES or type_.startswith(FREE_PREFIXES) or type_.startswith("Custom::"):
                self.result.free[type_] += 1
            else:
                self.not_priced(logical_id, resource, "type not in the price table")
        return self.result

    def _AWS_EC2_NatGateway(self, logical_id: str, resource: Resource) -> None:
        notes = [f"plus {self.prices.usage_based['nat_gateway']}"] if "nat_gateway" in self.prices.usage_based else []
        self.add(logical_id, resource, "nat_gateway", 1, *notes)

    def _AWS_EC2_EIP(self, logical_id: str, resource: Resource) -> None:
        self.add(logical_id, resource, "public_ipv4", 1)

    def _AWS_EC2_VPCEndpoint(self, logical_id: str, resource: Resource) -> None:
        props = self.props(resource)
        kind = props.get("VpcEndpointType", "Gateway")
        if kind == "Gateway":
            self.result.free[str(resource["Type"]) + " (Gateway)"] += 1
        elif kind == "Interface":
            notes: list[str] = []
            azs = self.count_list(props.get("SubnetIds"), 2, "SubnetIds", notes)
            if "interface_endpoint_az" in self.prices.usage_based:
                notes.append(f"plus {self.prices.usage_based['interface_endpoint_az']}")
            self.add(logical_id, resource, "interface_endpoint_az", azs, *notes)
        elif kind == "GatewayLoadBalancer":
            self.add(logical_id, resource, "gwlb_endpoint", 1)
        else:
            self.not_priced(logical_id, resource, f"VpcEndpointType {kind!r} not in the price table")

    def _AWS_ElasticLoadBalancingV2_LoadBalancer(self, logical_id: str, resource: Resource) -> None:
        props = self.props(resource)
        kind = props.get("Type", "application")
        rate = {"application": "alb", "network": "nlb", "gateway": "gwlb"}.get(kind)
        if rate is None:
            self.not_priced(logical_id, resource, f"load balancer Type {kind!r} not in the price table")
            return
        notes = [f"plus {self.prices.usage_based[rate]}"] if rate in self.prices.usage_based else []
        self.add(logical_id, resource, rate, 1, *notes)
        internet_facing = props.get("Scheme", "internet-facing") == "internet-facing"
        no_ipv4 = props.get("IpAddressType") == "dualstack-without-public-ipv4"
        if kind != "gateway" and internet_facing and not no_ipv4:
            ip_notes: list[str] = ["at least one public IPv4 address per AZ; more as the load balancer scales"]
            if "SubnetMappings" in props:
                azs = self.count_list(props["SubnetMappings"], 2, "SubnetMappings", ip_notes)
            else:
                azs = self.count_list(props.get("Subnets"), 2, "Subnets", ip_notes)
            self.add(logical_id, resource, "public_ipv4", azs, *ip_notes)

    def _AWS_ElasticLoadBalancing_LoadBalancer(self, logical_id: str, resource: Resource) -> None:
        self.add(logical_id, resource, "clb", 1)

    def _AWS_ECS_Service(self, logical_id: str, resource: Resource) -> None:
        props = self.props(resource)
        notes: list[str] = []
        desired = self._desired_tasks(logical_id, props, notes)
        providers = self._capacity_split(props, desired, notes)
        if providers is None:
            self.result.usage_based["AWS::ECS::Service (EC2/external launch type)"] += 1
            return
        task = self.resources.get(_ref_target(props.get("TaskDefinition")) or "", None)
        if task is None or task.get("Type") != "AWS::ECS::TaskDefinition":
            self.not_priced(logical_id, resource, "task definition not in this template: size unknown")
            return
        self._fargate_tasks(logical_id, resource, self.props(task), providers, notes)
        network = (props.get("NetworkConfiguration") or {}).get("AwsvpcConfiguration") or {}
        if network.get("AssignPublicIp") == "ENABLED":
            self.add(logical_id, resource, "public_ipv4", desired, "AssignPublicIp ENABLED: one per task")

    def _desired_tasks(self, logical_id: str, props: Mapping[str, Any], notes: list[str]) -> float:
        """Tasks a service runs while idle: DesiredCount, raised to the auto-scaling minimum."""
        scaling = self._scaling(logical_id)
        if scaling is not None and props.get("DesiredCount") is None and _literal(scaling[0]) is not None:
            # CDK leaves DesiredCount out under auto scaling, which then holds it at MinCapacity or more.
            desired = float(scaling[0])
        else:
            desired = self.number(props.get("DesiredCount"), 1, "DesiredCount", notes)
        if scaling is not None:
            minimum = _literal(scaling[0])
            if minimum is not None and minimum > desired:
                desired = minimum
            notes.append(f"auto scaling between {scaling[0]} and {scaling[1]} tasks: {desired:g} counted")
        return desired

    def _fargate_tasks(
        self,
        logical_id: str,
        resource: Resource,
        task_props: Mapping[str, Any],
        providers: Mapping[str, float],
        notes: list[str],
    ) -> None:
        """vCPU, memory and extra ephemeral storage of the service's tasks, per capacity provider."""
        vcpu = self.number(task_props.get("Cpu"), 256, "task Cpu", notes) / 1024
        memory_gb = self.number(task_props.get("Memory"), 512, "task Memory", notes) / 1024
        platform = task_props.get("RuntimePlatform") or {}
        arch = str(platform.get("CpuArchitecture", "X86_64")).lower()
        os_family = str(platform.get("OperatingSystemFamily", "LINUX"))
        prefix = f"fargate_{'linux' if os_family == 'LINUX' else 'windows'}_{arch}"
        if f"{prefix}_vcpu" not in self.prices.rates:
            self.not_priced(logical_id, resource, f"Fargate {os_family}/{arch} not in the price table")
            return
        storage = (task_props.get("EphemeralStorage") or {}).get("SizeInGiB")
        extra_storage = max(0.0, (_literal(storage) or 0.0) - 20)
        for provider, tasks in providers.items():
            if tasks <= 0:
                continue
            factor = 1.0
            line_notes = [*notes, f"{tasks:g} task(s) of {vcpu:g} vCPU / {memory_gb:g} GB on {provider}"]
            if provider == "FARGATE_SPOT":
                factor = 1 - self.prices.fargate_spot_discount
                line_notes.append(f"Spot: {self.prices.fargate_spot_discount:.0%} off On-Demand assumed")
            self.add(logical_id, resource, f"{prefix}_vcpu", tasks * vcpu * factor, *line_notes)
            self.add(logical_id, resource, f"{prefix}_gb", tasks * memory_gb * factor, *line_notes)
            self.add(logical_id, resource, "fargate_ephemeral_storage_gb", tasks * extra_storage * factor, *line_notes)

    def _capacity_split(self, props: Mapping[str, Any], desired: float, notes: list[str]) -> dict[str, float] | None:
        """Tasks per Fargate capacity provider, or None when the service does not run on Fargate."""
        strategy = props.get("CapacityProviderStrategy")
        if not strategy and props.get("LaunchType") is None:
            strategy = self._cluster_default_strategy(props.get("Cluster"))
            if strategy:
                notes.append("capacity providers from the cluster's default strategy")
        if not strategy:
            return {"FARGATE": desired} if props.get("LaunchType") == "FARGATE" else None
        if not isinstance(strategy, list):
            notes.append("CapacityProviderStrategy is not a literal list: assumed FARGATE")
            return {"FARGATE": desired}
        weights = {str(s.get("CapacityProvider")): float(s.get("Weight", 0) or 0) for s in strategy}
        if not set(weights) <= {"FARGATE", "FARGATE_SPOT"}:
            return None
        # ECS places each provider's Base first, then splits the rest by Weight.
        bases = {str(s.get("CapacityProvider")): float(s.get("Base", 0) or 0) for s in strategy}
        placed = {provider: min(base, desired) for provider, base in bases.items()}
        rest = max(0.0, desired - sum(placed.values()))
        total = sum(weights.values()) or 1.0
        return {provider: placed[provider] + rest * weight / total for provider, weight in weights.items()}

    def _cluster_default_strategy(self, cluster: Any) -> Any:
        target = _ref_target(cluster)
        if target is None:
            return None
        for resource in self.resources.values():
            props = self.props(resource)
            associations = resource.get("Type") == "AWS::ECS::ClusterCapacityProviderAssociations"
            if associations and _ref_target(props.get("Cluster")) == target:
                return props.get("DefaultCapacityProviderStrategy")
        found = self.resources.get(target)
        return self.props(found).get("DefaultCapacityProviderStrategy") if found else None

    def _scaling(self, service_id: str) -> tuple[Any, Any] | None:
        """(MinCapacity, MaxCapacity) of the scalable target of a service in this template, if any."""
        for resource in self.resources.values():
            if resource.get("Type") != "AWS::ApplicationAutoScaling::ScalableTarget":
                continue
            props = self.props(resource)
            if f'"{service_id}"' in json.dumps(props.get("ResourceId")):
                return props.get("MinCapacity"), props.get("MaxCapacity")
        return None

    def _AWS_EC2_Instance(self, logical_id: str, resource: Resource) -> None:
        self._instances(logical_id, resource, self.props(resource).get("InstanceType", "m1.small"), 1, [])

    def _AWS_AutoScaling_AutoScalingGroup(self, logical_id: str, resource: Resource) -> None:
        props = self.props(resource)
        notes: list[str] = []
        count = props.get("DesiredCapacity", props.get("MinSize"))
        number = self.number(count, 1, "DesiredCapacity/MinSize", notes)
        template_ref = (props.get("LaunchTemplate") or {}).get("LaunchTemplateId")
        launch = self.resources.get(_ref_target(template_ref) or "")
        instance_type: Any = None
        if launch is not None:
            instance_type = (self.props(launch).get("LaunchTemplateData") or {}).get("InstanceType")
        config = self.resources.get(_ref_target(props.get("LaunchConfigurationName")) or "")
        if config is not None:
            instance_type = self.props(config).get("InstanceType")
        if instance_type is None:
            self.not_priced(logical_id, resource, "instance type not found in this template")
            return
        self._instances(logical_id, resource, instance_type, number, notes)

    def _instances(
        self, logical_id: str, resource: Resource, instance_type: Any, count: float, notes: list[str]
    ) -> None:
        hourly = self.prices.ec2_instance_hourly.get(str(instance_type))
        if hourly is None:
            self.not_priced(logical_id, resource, f"instance type {instance_type!r} not in the price table")
            return
        rate = Rate(f"ec2_{instance_type}", hourly, "hour", f"EC2 {instance_type} (Linux On-Demand)")
        monthly = self.prices.monthly(rate) * count
        all_notes = (*notes, "EBS volumes not included")
        self.result.lines.append(CostLine(logical_id, str(resource["Type"]), rate, count, monthly, all_notes))

    def _AWS_CodeBuild_Fleet(self, logical_id: str, resource: Resource) -> None:
        props = self.props(resource)
        notes = ["a reserved-capacity fleet bills for every instance, idle or not"]
        count = self.number(props.get("BaseCapacity"), 1, "BaseCapacity", notes)
        if "ScalingConfiguration" in props:
            notes.append("priced at BaseCapacity; scaling adds instances up to MaxCapacity")
        rate = f"codebuild_fleet_{str(props.get('ComputeType', '')).lower()}"
        if rate not in self.prices.rates:
            self.not_priced(logical_id, resource, f"ComputeType {props.get('ComputeType')!r} not in the price table")
            return
        self.add(logical_id, resource, rate, count, *notes)

    def _AWS_KMS_Key(self, logical_id: str, resource: Resource) -> None:
        notes = [f"plus {self.prices.usage_based['kms_key']}"] if "kms_key" in self.prices.usage_based else []
        self.add(logical_id, resource, "kms_key", 1, *notes)

    _AWS_KMS_ReplicaKey = _AWS_KMS_Key

    def _AWS_CloudWatch_Dashboard(self, logical_id: str, resource: Resource) -> None:
        self.add(logical_id, resource, "cloudwatch_dashboard", 1)

    def _AWS_CloudWatch_CompositeAlarm(self, logical_id: str, resource: Resource) -> None:
        self.add(logical_id, resource, "cloudwatch_composite_alarm", 1)

    def _AWS_CloudWatch_Alarm(self, logical_id: str, resource: Resource) -> None:
        props = self.props(resource)
        metrics = props.get("Metrics")
        notes: list[str] = []
        high_res = False
        if isinstance(metrics, list):
            # A metric-math alarm is billed per metric it reads, not per expression.
            stats = [m for m in metrics if isinstance(m, Mapping) and "MetricStat" in m]
            count = max(1, len(stats))
            anomaly = any("ANOMALY_DETECTION_BAND" in json.dumps(m.get("Expression", "")) for m in metrics)
            if anomaly:
                count = 3 * count
                notes.append("anomaly detection: billed as three metrics")
            periods = [m["MetricStat"].get("Period") for m in stats]
            high_res = any((_literal(p) or 60) < 60 for p in periods)
            if count > 1:
                notes.append(f"{count} metrics")
        else:
            count = 1
            period = props.get("Period")
            high_res = (_literal(period) or 60) < 60
        rate = "cloudwatch_alarm_metric_high_resolution" if high_res else "cloudwatch_alarm_metric"
        self.add(logical_id, resource, rate, count, *notes)

    def _AWS_SecretsManager_Secret(self, logical_id: str, resource: Resource) -> None:
        self.add(logical_id, resource, "secretsmanager_secret", 1)

    def _AWS_Route53_HostedZone(self, logical_id: str, resource: Resource) -> None:
        self.add(logical_id, resource, "route53_hosted_zone", 1)

    def _AWS_SSM_Parameter(self, logical_id: str, resource: Resource) -> None:
        if self.props(resource).get("Tier") == "Advanced":
            self.add(logical_id, resource, "ssm_advanced_parameter", 1)
        else:
            self.result.free[str(resource["Type"]) + " (Standard)"] += 1

    def _AWS_WAFv2_WebACL(self, logical_id: str, resource: Resource) -> None:
        notes = (
            [f"plus {self.prices.usage_based['wafv2_web_acl']}"] if "wafv2_web_acl" in self.prices.usage_based else []
        )
        rules = self.count_list(self.props(resource).get("Rules", []), 0, "Rules", notes)
        self.add(logical_id, resource, "wafv2_web_acl", 1, *notes)
        self.add(logical_id, resource, "wafv2_rule", rules, *notes)

    def _AWS_EC2_VPNConnection(self, logical_id: str, resource: Resource) -> None:
        self.add(logical_id, resource, "vpn_connection", 1)

    def _AWS_EC2_TransitGatewayAttachment(self, logical_id: str, resource: Resource) -> None:
        self.add(logical_id, resource, "transit_gateway_attachment", 1)

    _AWS_EC2_TransitGatewayVpcAttachment = _AWS_EC2_TransitGatewayAttachment

    def _AWS_Route53Resolver_ResolverEndpoint(self, logical_id: str, resource: Resource) -> None:
        notes: list[str] = []
        enis = self.count_list(self.props(resource).get("IpAddresses"), 2, "IpAddresses", notes)
        self.add(logical_id, resource, "resolver_endpoint_eni", enis, *notes)

    def _AWS_NetworkFirewall_Firewall(self, logical_id: str, resource: Resource) -> None:
        notes: list[str] = []
        azs = self.count_list(self.props(resource).get("SubnetMappings"), 2, "SubnetMappings", notes)
        self.add(logical_id, resource, "network_firewall_endpoint", azs, *notes)

    def _AWS_EKS_Cluster(self, logical_id: str, resource: Resource) -> None:
        self.add(logical_id, resource, "eks_cluster", 1, "nodes are priced separately")

    def _AWS_Kinesis_Stream(self, logical_id: str, resource: Resource) -> None:
        props = self.props(resource)
        if (props.get("StreamModeDetails") or {}).get("StreamMode") == "ON_DEMAND":
            self.add(logical_id, resource, "kinesis_on_demand_stream", 1, "plus per-GB ingest and retrieval")
            return
        notes: list[str] = []
        shards = self.number(props.get("ShardCount"), 1, "ShardCount", notes)
        self.add(logical_id, resource, "kinesis_shard", shards, *notes)

    def _AWS_DynamoDB_Table(self, logical_id: str, resource: Resource) -> None:
        props = self.props(resource)
        if props.get("BillingMode", "PROVISIONED") != "PROVISIONED":
            self.result.usage_based[str(resource["Type"])] += 1
            return
        throughputs = [props.get("ProvisionedThroughput") or {}]
        throughputs += [(g or {}).get("ProvisionedThroughput") or {} for g in props.get("GlobalSecondaryIndexes") or []]
        notes: list[str] = []
        rcu = sum(self.number(t.get("ReadCapacityUnits"), 5, "ReadCapacityUnits", notes) for t in throughputs)
        wcu = sum(self.number(t.get("WriteCapacityUnits"), 5, "WriteCapacityUnits", notes) for t in throughputs)
        self.add(logical_id, resource, "dynamodb_rcu", rcu, *notes, "auto scaling may change it")
        self.add(logical_id, resource, "dynamodb_wcu", wcu, *notes, "auto scaling may change it")

    def _lambda_provisioned(self, logical_id: str, resource: Resource) -> None:
        props = self.props(resource)
        config = props.get("ProvisionedConcurrencyConfig")
        self.result.usage_based[str(resource["Type"])] += 1
        if not config:
            return
        notes: list[str] = []
        units = self.number(config.get("ProvisionedConcurrentExecutions"), 1, "ProvisionedConcurrentExecutions", notes)
        function = self.resources.get(_ref_target(props.get("FunctionName")) or "")
        memory = 128.0
        arch = "x86_64"
        if function is not None:
            fprops = self.props(function)
            memory = self.number(fprops.get("MemorySize"), 128, "function MemorySize", notes)
            archs = fprops.get("Architectures")
            arch = archs[0] if isinstance(archs, list) and archs else "x86_64"
        else:
            notes.append("function not in this template: 128 MB x86_64 assumed")
        self.add(logical_id, resource, f"lambda_provisioned_{arch}_gb", units * memory / 1024, *notes)

    _AWS_Lambda_Alias = _lambda_provisioned
    _AWS_Lambda_Version = _lambda_provisioned


def estimate_template(template: Template, prices: PriceTable | None = None, *, name: str = "template") -> StackCost:
    """The fixed monthly cost of one CloudFormation template (a dict, as synthesized)."""
    return _Estimator(name, template, prices or load_prices()).run()


def estimate_assembly(
    outdir: Path | str, prices: PriceTable | None = None, *, label: str = "cloud assembly"
) -> list[StackCost]:
    """One :class:`StackCost` per stack of a cloud assembly, by stack name.

    Raises :class:`buttress.tools.assembly.AssemblyError` (naming ``label``) for an unusable folder.
    """
    table = prices or load_prices()
    templates = read_assembly(outdir, label=label).templates()
    return [estimate_template(t, table, name=n) for n, t in templates.items()]
