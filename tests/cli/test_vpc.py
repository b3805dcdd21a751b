"""``check``'s vpc row, against moto's EC2: a NAT route or interface endpoints, else what is missing by name."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from testsupport.account import FakeAccount

from .tooling import check_rows, run


@dataclass
class Network:
    vpc: str
    subnet: str
    function_group: str
    endpoint_group: str


@pytest.fixture
def network(project: Path, account: FakeAccount) -> Network:
    """A VPC with one private subnet (no route out) and two security groups; stage prod placed in it."""
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    function_group = ec2.create_security_group(GroupName="fn", Description="function", VpcId=vpc)["GroupId"]
    endpoint_group = ec2.create_security_group(GroupName="vpce", Description="endpoints", VpcId=vpc)["GroupId"]
    settings = json.loads((project / "zappa_settings.json").read_text())
    settings["prod"]["vpc_config"] = {"SubnetIds": [subnet], "SecurityGroupIds": [function_group]}
    (project / "zappa_settings.json").write_text(json.dumps(settings))
    return Network(vpc, subnet, function_group, endpoint_group)


def vpc_row(*extra: str) -> tuple[str, str]:
    result = run("check", "prod", *extra)
    assert result.code in {0, 1}, result.text
    return check_rows(result.out)["vpc"], result.out


def endpoint(network: Network, service: str, *, private_dns: bool = True) -> None:
    boto3.client("ec2").create_vpc_endpoint(
        VpcEndpointType="Interface",
        VpcId=network.vpc,
        ServiceName=f"com.amazonaws.us-east-1.{service}",
        SubnetIds=[network.subnet],
        SecurityGroupIds=[network.endpoint_group],
        PrivateDnsEnabled=private_dns,
    )


def admit_https_from_the_function(network: Network) -> None:
    boto3.client("ec2").authorize_security_group_ingress(
        GroupId=network.endpoint_group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "UserIdGroupPairs": [{"GroupId": network.function_group}],
            }
        ],
    )


def test_a_stage_outside_a_vpc_skips(project: Path, account: FakeAccount) -> None:
    assert vpc_row()[0] == "SKIP"


def test_a_private_subnet_with_neither_nat_nor_endpoints_fails_naming_both_services(network: Network) -> None:
    status, out = vpc_row()
    assert status == "FAIL"
    assert f"{network.subnet}: no route to a NAT gateway, and {network.vpc} has no interface endpoint for " in out
    assert "com.amazonaws.us-east-1.ssm" in out and "com.amazonaws.us-east-1.secretsmanager" in out


def test_a_route_to_a_nat_gateway_passes(network: Network) -> None:
    ec2 = boto3.client("ec2")
    public = ec2.create_subnet(VpcId=network.vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    table = ec2.create_route_table(VpcId=network.vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=table, SubnetId=network.subnet)
    status, out = vpc_row()
    assert status == "PASS", out
    assert "every subnet (1) routes 0.0.0.0/0 to a NAT gateway" in out


def test_interface_endpoints_with_private_dns_and_an_open_443_pass(network: Network) -> None:
    endpoint(network, "ssm")
    endpoint(network, "secretsmanager")
    status, out = vpc_row()
    assert status == "FAIL"
    assert "admit no TCP 443 from the function's groups" in out
    admit_https_from_the_function(network)
    status, out = vpc_row()
    assert status == "PASS", out
    assert "reach ssm and secretsmanager through interface endpoints" in out


def test_an_endpoint_without_private_dns_and_a_missing_one_are_named(network: Network) -> None:
    endpoint(network, "ssm", private_dns=False)
    admit_https_from_the_function(network)
    status, out = vpc_row()
    assert status == "FAIL"
    assert "com.amazonaws.us-east-1.ssm endpoint (vpce-" in out and "private DNS disabled" in out
    assert f"{network.vpc} has no interface endpoint for com.amazonaws.us-east-1.secretsmanager" in out


def test_subnets_and_groups_that_do_not_exist_are_named(project: Path, account: FakeAccount) -> None:
    settings = json.loads((project / "zappa_settings.json").read_text())
    settings["prod"]["vpc_config"] = {"SubnetIds": ["subnet-0000000000000000a"], "SecurityGroupIds": ["sg-00000000a"]}
    (project / "zappa_settings.json").write_text(json.dumps(settings))
    status, out = vpc_row()
    assert status == "FAIL"
    assert "subnet subnet-0000000000000000a (vpc_config.SubnetIds) does not exist in us-east-1" in out
    assert "security group sg-00000000a (vpc_config.SecurityGroupIds) does not exist" in out


def test_an_endpoint_group_admitting_the_vpcs_range_on_443_passes(network: Network) -> None:
    endpoint(network, "ssm")
    endpoint(network, "secretsmanager")
    boto3.client("ec2").authorize_security_group_ingress(
        GroupId=network.endpoint_group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}],
    )
    assert vpc_row()[0] == "PASS"


def test_the_example_vpc_stage_is_checked_and_its_role_may_attach_to_the_vpc(account: FakeAccount) -> None:
    from lambda_bootstrap_cli.policy import stage_policy
    from lambda_bootstrap_cli.stage import load_stage

    settings = str(Path(__file__).resolve().parents[2] / "zappa_settings.json")
    result = run("check", "prod-vpc", "--settings", settings)
    assert check_rows(result.out)["vpc"] == "FAIL"
    assert "subnet subnet-0a1b2c3d4e5f60001 (vpc_config.SubnetIds) does not exist" in result.out
    assert "typed value(s)" in result.out or "values" in check_rows(result.out)
    statements = {s["Sid"]: s for s in stage_policy(load_stage("prod-vpc", settings))["Statement"]}
    assert "ec2:CreateNetworkInterface" in statements["FunctionAttachToTheStagesVpc"]["Action"]
    assert "FunctionAttachToTheStagesVpc" not in {
        s["Sid"] for s in stage_policy(load_stage("prod", settings))["Statement"]
    }
