"""The fixed-cost preview on small hand-written templates (pure: no synthesis)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from buttress.tools.assembly import write_assembly
from buttress.tools.cost import (
    BEGIN,
    DEFAULT_PRICES,
    END,
    PriceTable,
    StackCost,
    compare,
    estimate_assembly,
    estimate_template,
    load_prices,
    main,
    render_compare,
    render_markdown,
    render_template_change,
    render_text,
    update_block,
)
from tests.harness import SynthResult

HOURS = 730


@pytest.fixture(scope="module")
def prices() -> PriceTable:
    return load_prices()


def rate(prices: PriceTable, key: str) -> float:
    return prices.monthly(prices.rates[key])


def template(**resources: dict[str, Any]) -> dict[str, Any]:
    return {"Resources": resources}


def res(type_: str, **props: Any) -> dict[str, Any]:
    return {"Type": type_, "Properties": props}


def subnets(n: int) -> list[dict[str, str]]:
    return [{"Ref": f"Subnet{i}"} for i in range(n)]


def test_price_table_is_dated_and_sourced(prices: PriceTable) -> None:
    assert prices.region == "us-east-1"
    assert prices.as_of and "verify" in prices.source.lower()
    assert prices.hours_per_month == HOURS
    assert prices.rates["nat_gateway"].usd == pytest.approx(0.045)


def test_bad_rate_unit_is_rejected(tmp_path: Path) -> None:
    data = json.loads(DEFAULT_PRICES.read_text())
    data["rates"]["nat_gateway"]["per"] = "day"
    path = tmp_path / "p.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="per='day'"):
        load_prices(path)


def test_nat_gateways_eips_and_interface_endpoints_per_az(prices: PriceTable) -> None:
    cost = estimate_template(
        template(
            Nat1=res("AWS::EC2::NatGateway"),
            Nat2=res("AWS::EC2::NatGateway"),
            Eip1=res("AWS::EC2::EIP"),
            Ecr=res("AWS::EC2::VPCEndpoint", VpcEndpointType="Interface", SubnetIds=subnets(3)),
            S3=res("AWS::EC2::VPCEndpoint", VpcEndpointType="Gateway"),
            S3Default=res("AWS::EC2::VPCEndpoint"),  # CloudFormation's default type is Gateway
            Vpc=res("AWS::EC2::VPC"),
        ),
        prices,
    )
    expected = 2 * rate(prices, "nat_gateway") + rate(prices, "public_ipv4") + 3 * rate(prices, "interface_endpoint_az")
    assert cost.monthly == pytest.approx(expected)
    assert cost.monthly == pytest.approx(2 * 32.85 + 3.65 + 3 * 7.30)
    assert cost.free["AWS::EC2::VPCEndpoint (Gateway)"] == 2
    assert cost.not_priced == []


def test_interface_endpoint_with_token_subnets_assumes_two_azs_and_says_so(prices: PriceTable) -> None:
    cost = estimate_template(
        template(E=res("AWS::EC2::VPCEndpoint", VpcEndpointType="Interface", SubnetIds={"Ref": "Subnets"})), prices
    )
    assert cost.monthly == pytest.approx(2 * rate(prices, "interface_endpoint_az"))
    assert any("SubnetIds is not a literal list: assumed 2" in n for n in cost.notes())


def test_load_balancers_and_their_public_addresses(prices: PriceTable) -> None:
    cost = estimate_template(
        template(
            Public=res("AWS::ElasticLoadBalancingV2::LoadBalancer", Subnets=subnets(2)),
            Internal=res("AWS::ElasticLoadBalancingV2::LoadBalancer", Scheme="internal", Subnets=subnets(2)),
            Nlb=res("AWS::ElasticLoadBalancingV2::LoadBalancer", Type="network", Scheme="internal"),
            NoV4=res(
                "AWS::ElasticLoadBalancingV2::LoadBalancer",
                IpAddressType="dualstack-without-public-ipv4",
                Subnets=subnets(3),
            ),
        ),
        prices,
    )
    expected = 3 * rate(prices, "alb") + rate(prices, "nlb") + 2 * rate(prices, "public_ipv4")
    assert cost.monthly == pytest.approx(expected)


def fargate_template(**service_props: Any) -> dict[str, Any]:
    task_props = service_props.pop("task", {"Cpu": "512", "Memory": "1024"})
    return template(
        Task=res("AWS::ECS::TaskDefinition", **task_props),
        Service=res("AWS::ECS::Service", TaskDefinition={"Ref": "Task"}, **service_props),
    )


def test_fargate_service_at_desired_count_and_size(prices: PriceTable) -> None:
    cost = estimate_template(fargate_template(LaunchType="FARGATE", DesiredCount=3), prices)
    per_task = 0.5 * rate(prices, "fargate_linux_x86_64_vcpu") + 1 * rate(prices, "fargate_linux_x86_64_gb")
    assert cost.monthly == pytest.approx(3 * per_task)
    assert per_task == pytest.approx(0.5 * 0.04048 * HOURS + 0.004445 * HOURS)


def test_fargate_arm64_is_cheaper_and_spot_is_discounted(prices: PriceTable) -> None:
    arm = {"Cpu": "1024", "Memory": "2048", "RuntimePlatform": {"CpuArchitecture": "ARM64"}}
    on_demand = estimate_template(fargate_template(LaunchType="FARGATE", DesiredCount=2, task=arm), prices)
    arm_task = rate(prices, "fargate_linux_arm64_vcpu") + 2 * rate(prices, "fargate_linux_arm64_gb")
    assert on_demand.monthly == pytest.approx(2 * arm_task)

    strategy = [
        {"CapacityProvider": "FARGATE", "Base": 1, "Weight": 1},
        {"CapacityProvider": "FARGATE_SPOT", "Weight": 3},
    ]
    mixed = estimate_template(fargate_template(CapacityProviderStrategy=strategy, DesiredCount=5, task=arm), prices)
    # Base 1 on FARGATE, the other 4 split 1:3 -> 2 on FARGATE, 3 on FARGATE_SPOT.
    spot = 1 - prices.fargate_spot_discount
    assert mixed.monthly == pytest.approx(2 * arm_task + 3 * arm_task * spot)
    assert any("Spot" in n for n in mixed.notes())


def test_fargate_defaults_public_ip_storage_and_scaling_note(prices: PriceTable) -> None:
    tpl = fargate_template(
        LaunchType="FARGATE",
        NetworkConfiguration={"AwsvpcConfiguration": {"AssignPublicIp": "ENABLED"}},
        task={"Cpu": "256", "Memory": "512", "EphemeralStorage": {"SizeInGiB": 50}},
    )
    tpl["Resources"]["Scaling"] = res(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        MinCapacity=1,
        MaxCapacity=4,
        ResourceId={"Fn::Join": ["", ["service/", {"Fn::GetAtt": ["Service", "Name"]}]]},
    )
    cost = estimate_template(tpl, prices)
    task = 0.25 * rate(prices, "fargate_linux_x86_64_vcpu") + 0.5 * rate(prices, "fargate_linux_x86_64_gb")
    storage = 30 * rate(prices, "fargate_ephemeral_storage_gb")
    assert cost.monthly == pytest.approx(task + storage + rate(prices, "public_ipv4"))
    assert "auto scaling between 1 and 4 tasks: 1 counted" in " | ".join(cost.notes())
    no_scaling = estimate_template(fargate_template(LaunchType="FARGATE"), prices)
    assert "DesiredCount not set: assumed 1" in " | ".join(no_scaling.notes())


def test_auto_scaling_minimum_raises_the_task_count(prices: PriceTable) -> None:
    """CDK omits DesiredCount under auto scaling; the scalable target's minimum is what runs."""
    task = 0.5 * rate(prices, "fargate_linux_x86_64_vcpu") + rate(prices, "fargate_linux_x86_64_gb")
    for desired, expected in ((None, 3), (1, 3), (5, 5)):
        props: dict[str, Any] = {"LaunchType": "FARGATE"}
        if desired is not None:
            props["DesiredCount"] = desired
        tpl = fargate_template(**props)
        tpl["Resources"]["Scaling"] = res(
            "AWS::ApplicationAutoScaling::ScalableTarget",
            MinCapacity=3,
            MaxCapacity=8,
            ResourceId={"Fn::Join": ["", ["service/", {"Fn::GetAtt": ["Service", "Name"]}]]},
        )
        cost = estimate_template(tpl, prices)
        assert cost.monthly == pytest.approx(expected * task), desired
        assert f"auto scaling between 3 and 8 tasks: {expected} counted" in cost.notes()[0]


def test_fargate_from_cluster_default_strategy_and_ec2_services(prices: PriceTable) -> None:
    tpl = fargate_template(Cluster={"Ref": "Cluster"}, DesiredCount=2)
    tpl["Resources"]["Assoc"] = res(
        "AWS::ECS::ClusterCapacityProviderAssociations",
        Cluster={"Ref": "Cluster"},
        DefaultCapacityProviderStrategy=[{"CapacityProvider": "FARGATE_SPOT", "Weight": 1}],
    )
    cost = estimate_template(tpl, prices)
    task = 0.5 * rate(prices, "fargate_linux_x86_64_vcpu") + rate(prices, "fargate_linux_x86_64_gb")
    assert cost.monthly == pytest.approx(2 * task * (1 - prices.fargate_spot_discount))

    ec2 = estimate_template(fargate_template(LaunchType="EC2", DesiredCount=2), prices)
    assert ec2.monthly == 0
    assert ec2.usage_based["AWS::ECS::Service (EC2/external launch type)"] == 1


def test_fargate_service_with_task_definition_elsewhere_is_listed_not_guessed(prices: PriceTable) -> None:
    cost = estimate_template(
        template(S=res("AWS::ECS::Service", LaunchType="FARGATE", TaskDefinition="arn:aws:ecs:task/x:1")), prices
    )
    assert cost.monthly == 0
    assert cost.not_priced == [("S", "AWS::ECS::Service", "task definition not in this template: size unknown")]


def test_token_desired_count_is_flagged(prices: PriceTable) -> None:
    cost = estimate_template(fargate_template(LaunchType="FARGATE", DesiredCount={"Ref": "Count"}), prices)
    assert any('DesiredCount is not a literal ({"Ref": "Count"}): assumed 1' in n for n in cost.notes())


def test_keys_dashboards_alarms_secrets(prices: PriceTable) -> None:
    metric = {"MetricStat": {"Metric": {"MetricName": "X"}, "Period": 300, "Stat": "Sum"}}
    cost = estimate_template(
        template(
            Key=res("AWS::KMS::Key"),
            Alias=res("AWS::KMS::Alias"),
            Dash=res("AWS::CloudWatch::Dashboard"),
            Alarm=res("AWS::CloudWatch::Alarm", Period=300),
            Fast=res("AWS::CloudWatch::Alarm", Period=10),
            Math=res(
                "AWS::CloudWatch::Alarm",
                Metrics=[{"Id": "m1", **metric}, {"Id": "m2", **metric}, {"Id": "e", "Expression": "m1+m2"}],
            ),
            Composite=res("AWS::CloudWatch::CompositeAlarm"),
            Secret=res("AWS::SecretsManager::Secret"),
        ),
        prices,
    )
    expected = (
        rate(prices, "kms_key")
        + rate(prices, "cloudwatch_dashboard")
        + 3 * rate(prices, "cloudwatch_alarm_metric")  # one plain alarm + a two-metric math alarm
        + rate(prices, "cloudwatch_alarm_metric_high_resolution")
        + rate(prices, "cloudwatch_composite_alarm")
        + rate(prices, "secretsmanager_secret")
    )
    assert cost.monthly == pytest.approx(expected)
    assert cost.monthly == pytest.approx(1 + 3 + 0.3 + 0.3 + 0.5 + 0.4)


def test_instances_asg_and_unknown_instance_type(prices: PriceTable) -> None:
    cost = estimate_template(
        template(
            Box=res("AWS::EC2::Instance", InstanceType="t3.micro"),
            Odd=res("AWS::EC2::Instance", InstanceType="x9.huge"),
            Lt=res("AWS::EC2::LaunchTemplate", LaunchTemplateData={"InstanceType": "t4g.small"}),
            Asg=res(
                "AWS::AutoScaling::AutoScalingGroup",
                MinSize="2",
                MaxSize="4",
                LaunchTemplate={"LaunchTemplateId": {"Ref": "Lt"}},
            ),
        ),
        prices,
    )
    assert cost.monthly == pytest.approx((0.0104 + 2 * 0.0168) * HOURS)
    assert cost.not_priced == [("Odd", "AWS::EC2::Instance", "instance type 'x9.huge' not in the price table")]


def test_provisioned_concurrency_dynamodb_and_kinesis(prices: PriceTable) -> None:
    cost = estimate_template(
        template(
            Fn=res("AWS::Lambda::Function", MemorySize=1024, Architectures=["arm64"]),
            Live=res(
                "AWS::Lambda::Alias",
                FunctionName={"Ref": "Fn"},
                ProvisionedConcurrencyConfig={"ProvisionedConcurrentExecutions": 2},
            ),
            Table=res("AWS::DynamoDB::Table", ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 1}),
            OnDemand=res("AWS::DynamoDB::Table", BillingMode="PAY_PER_REQUEST"),
            Stream=res("AWS::Kinesis::Stream", ShardCount=2),
        ),
        prices,
    )
    expected = (
        2 * rate(prices, "lambda_provisioned_arm64_gb")
        + 10 * rate(prices, "dynamodb_rcu")
        + rate(prices, "dynamodb_wcu")
        + 2 * rate(prices, "kinesis_shard")
    )
    assert cost.monthly == pytest.approx(expected)
    assert cost.usage_based["AWS::DynamoDB::Table"] == 1


def test_unknown_types_cost_nothing_and_are_listed(prices: PriceTable) -> None:
    cost = estimate_template(
        template(
            Db=res("AWS::RDS::DBInstance", DBInstanceClass="db.t4g.micro"),
            Fn=res("AWS::Lambda::Function"),
            Role=res("AWS::IAM::Role"),
            Custom={"Type": "Custom::Thing"},
            Nat={"Type": "AWS::EC2::NatGateway", "Condition": "WantNat"},
        ),
        prices,
    )
    assert cost.monthly == pytest.approx(rate(prices, "nat_gateway"))
    assert cost.not_priced == [("Db", "AWS::RDS::DBInstance", "type not in the price table")]
    assert cost.usage_based == {"AWS::Lambda::Function": 1}
    assert cost.free == {"AWS::IAM::Role": 1, "Custom::Thing": 1}
    assert "Nat: only if condition WantNat holds" in cost.notes()
    text = render_text([cost], prices)
    assert "NOT PRICED Db (AWS::RDS::DBInstance)" in text
    assert "usage-based only (not in the total): AWS::Lambda::Function x1" in text
    assert estimate_template({}, prices).monthly == 0


def test_render_and_compare(prices: PriceTable) -> None:
    nat = estimate_template(template(N=res("AWS::EC2::NatGateway")), prices, name="A")
    empty = StackCost("A")
    text = render_text([nat, StackCost("B")], prices)
    assert "A: $32.85/month fixed" in text
    assert "All stacks: $32.85/month fixed" in text
    assert "as of 2026-03" in text
    markdown = render_markdown([nat], prices)
    assert "| A | 32.85 | 1 x NAT gateway $32.85 | - |" in markdown
    [(name, before, after)] = compare([empty], [nat])
    assert (name, before) == ("A", 0.0)
    assert after == pytest.approx(32.85)
    assert compare([nat], [nat]) == []
    assert "A: $0.00 -> $32.85 (+$32.85/month)" in render_compare(compare([empty], [nat]))
    assert render_compare([]) == "Fixed monthly cost: no change."


def test_script_reads_an_assembly_compares_and_updates_a_readme(
    tmp_path: Path, prices: PriceTable, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    write_assembly(old, {"Net": template(N=res("AWS::EC2::NatGateway"))})
    write_assembly(new, {"Net": template(N=res("AWS::EC2::NatGateway"), K=res("AWS::KMS::Key"))})
    assert [c.name for c in estimate_assembly(new, prices)] == ["Net"]
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{BEGIN}\nold table\n{END}\nrest\n")

    assert main([str(new), "--baseline", str(old), "--update-readme", str(readme)]) == 0
    out = capsys.readouterr().out
    assert "Net: $33.85/month fixed" in out
    assert "Net: $32.85 -> $33.85 (+$1.00/month)" in out
    updated = readme.read_text()
    assert "old table" not in updated and "| Net | 33.85 |" in updated and updated.endswith(f"{END}\nrest\n")

    assert main([str(tmp_path / "missing")]) == 2
    assert f"CDK_OUT {tmp_path / 'missing'}: no such directory" in capsys.readouterr().err
    assert main([str(new), "--baseline", str(tmp_path)]) == 2
    assert f"--baseline {tmp_path}: not a cloud assembly" in capsys.readouterr().err
    assert main([str(new), "--update-readme", str(tmp_path / "nope.md")]) == 2
    assert "--update-readme" in capsys.readouterr().err
    with pytest.raises(ValueError, match="markers"):
        update_block("no markers", "x")


def test_console_script_prints_the_table(synth: SynthResult) -> None:
    """``python -m buttress.tools.cost CDK_OUT`` (the ``buttress-cost`` entry point) prints every stack."""
    out = subprocess.run(
        [sys.executable, "-m", "buttress.tools.cost", str(synth.outdir)], capture_output=True, text=True, check=True
    ).stdout
    assert "ButtressNetwork: $131.40/month fixed" in out and "All stacks:" in out


def test_example_stacks_are_fully_priced(synth: SynthResult, prices: PriceTable) -> None:
    """Every resource type of the example app is priced, usage-based or free: none is unknown.

    A new type needs an entry in buttress/tools/prices.py (FREE_TYPES, USAGE_TYPES) or a handler in
    buttress/tools/cost.py.
    """
    costs = {name: estimate_template(t, prices, name=name) for name, t in synth.templates.items()}
    assert {name: c.not_priced for name, c in costs.items() if c.not_priced} == {}
    network = costs["ButtressNetwork"]
    # Two NAT gateways with their EIPs, four interface endpoints in two AZs each.
    assert network.monthly == pytest.approx(
        2 * rate(prices, "nat_gateway") + 2 * rate(prices, "public_ipv4") + 8 * rate(prices, "interface_endpoint_az")
    )


def test_template_change_for_make_diff(prices: PriceTable) -> None:
    before = template(N=res("AWS::EC2::NatGateway"), K=res("AWS::KMS::Key"))
    after = template(N=res("AWS::EC2::NatGateway"), M=res("AWS::EC2::NatGateway"), Db=res("AWS::RDS::DBInstance"))
    text = render_template_change("Net", before, after, prices)
    assert text.splitlines() == [
        "Net fixed monthly cost: $33.85 -> $65.70 (+$31.85)",
        "  KMS customer managed key: 1 -> 0 (-$1.00/month)",
        "  NAT gateway: 1 -> 2 (+$32.85/month)",
        "  newly not priced: AWS::RDS::DBInstance",
    ]
    assert render_template_change("Gone", before, {}, prices).startswith(
        "Gone fixed monthly cost: $33.85 -> $0.00 (-$33.85)"
    )
