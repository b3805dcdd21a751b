"""Can a function in a VPC reach SSM and Secrets Manager? Asked of EC2's API, for ``check``'s ``vpc`` row.

A Lambda function with ``vpc_config`` has no route to the internet of its
own: from its subnets, the cold start reaches SSM and Secrets Manager only
through a NAT gateway (a route ``0.0.0.0/0`` to ``nat-...`` in the subnet's
route table) or through interface VPC endpoints for those services with
private DNS enabled (so the usual host names resolve to them) whose security
groups admit the function's on TCP 443. Without one or the other, every cold
start waits out the bootstrap's deadline and fails. This names what is
missing, per subnet and per service.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .aws import Aws
from .stage import Stage

__all__ = ["Reachability", "reachability"]

HTTPS = 443


@dataclass
class Reachability:
    applies: bool
    summary: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def reachability(stage: Stage, aws: Aws) -> Reachability:
    vpc_config = stage.config.get("vpc_config") or {}
    subnet_ids = [str(s) for s in vpc_config.get("SubnetIds") or []]
    group_ids = [str(g) for g in vpc_config.get("SecurityGroupIds") or []]
    if not subnet_ids:
        return Reachability(False, "no vpc_config: the function reaches AWS's public endpoints directly")
    services = _services(stage)
    ec2 = aws.client("ec2")
    result = Reachability(True, "")
    subnets = _describe(aws, ec2.describe_subnets, "Subnets", "subnet-id", subnet_ids, "ec2:DescribeSubnets")
    groups = _describe(
        aws, ec2.describe_security_groups, "SecurityGroups", "group-id", group_ids, "ec2:DescribeSecurityGroups"
    )
    for missing in sorted(set(subnet_ids) - {s["SubnetId"] for s in subnets}):
        result.problems.append(f"subnet {missing} (vpc_config.SubnetIds) does not exist in {stage.region}")
    for missing in sorted(set(group_ids) - {g["GroupId"] for g in groups}):
        result.problems.append(f"security group {missing} (vpc_config.SecurityGroupIds) does not exist")
    if not subnets:
        result.summary = "the function's subnets cannot be found"
        return result
    without_nat = [s for s in subnets if _nat_route(aws, ec2, s) is None]
    if not without_nat:
        result.summary = f"every subnet ({len(subnets)}) routes 0.0.0.0/0 to a NAT gateway"
        return result
    for vpc_id in sorted({s["VpcId"] for s in without_nat}):
        cidrs = [s["CidrBlock"] for s in without_nat if s["VpcId"] == vpc_id]
        names = ", ".join(s["SubnetId"] for s in without_nat if s["VpcId"] == vpc_id)
        for service in services:
            problem = _endpoint_problem(aws, ec2, stage.region, vpc_id, service, group_ids, cidrs)
            if problem:
                result.problems.append(f"{names}: no route to a NAT gateway, and {problem}")
    reached = " and ".join(services)
    result.summary = (
        f"{len(without_nat)} subnet(s) without a NAT route reach {reached} through interface endpoints"
        if not result.problems
        else f"the function cannot reach {reached} from {len(without_nat)} of its subnet(s)"
    )
    return result


def _services(stage: Stage) -> list[str]:
    settings = stage.bootstrap
    services = ["ssm"] if settings.ssm_path is not None else []
    if settings.secrets or settings.bundle:
        services.append("secretsmanager")
    return services


def _describe(aws: Aws, operation: Any, key: str, name: str, ids: list[str], action: str) -> list[dict[str, Any]]:
    """By filter, not by id: an unknown id is then a missing row to name, not an error that stops the check."""
    if not ids:
        return []
    filters = [{"Name": name, "Values": ids}]
    answer = aws.call(lambda: operation(Filters=filters), resource=", ".join(ids), action=action)
    return list(answer.get(key, []))


def _nat_route(aws: Aws, ec2: Any, subnet: dict[str, Any]) -> str | None:
    subnet_id, vpc_id = subnet["SubnetId"], subnet["VpcId"]
    tables = aws.call(
        lambda: ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]),
        resource=subnet_id,
        action="ec2:DescribeRouteTables",
    )["RouteTables"]
    if not tables:  # no explicit association: the VPC's main route table applies
        main = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
        tables = aws.call(
            lambda: ec2.describe_route_tables(Filters=main), resource=vpc_id, action="ec2:DescribeRouteTables"
        )["RouteTables"]
    for table in tables:
        for route in table.get("Routes", []):
            default = route.get("DestinationCidrBlock") == "0.0.0.0/0"
            if default and route.get("NatGatewayId") and route.get("State", "active") == "active":
                return str(route["NatGatewayId"])
    return None


def _endpoint_problem(
    aws: Aws, ec2: Any, region: str, vpc_id: str, service: str, group_ids: list[str], cidrs: list[str]
) -> str | None:
    service_name = f"com.amazonaws.{region}.{service}"
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "service-name", "Values": [service_name]}]
    endpoints = aws.call(
        lambda: ec2.describe_vpc_endpoints(Filters=filters), resource=vpc_id, action="ec2:DescribeVpcEndpoints"
    )["VpcEndpoints"]
    endpoints = [e for e in endpoints if str(e.get("State", "available")).lower() not in {"deleted", "deleting"}]
    interface = [e for e in endpoints if e.get("VpcEndpointType") == "Interface"]
    if not interface:
        return f"{vpc_id} has no interface endpoint for {service_name}"
    private = [e for e in interface if e.get("PrivateDnsEnabled")]
    if not private:
        ids = ", ".join(e["VpcEndpointId"] for e in interface)
        return f"the {service_name} endpoint ({ids}) has private DNS disabled: the service's name does not reach it"
    for endpoint in private:
        endpoint_groups = [g["GroupId"] for g in endpoint.get("Groups", [])]
        if _admits_https(aws, ec2, endpoint_groups, group_ids, cidrs):
            return None
    ids = ", ".join(e["VpcEndpointId"] for e in private)
    return (
        f"the security groups of the {service_name} endpoint ({ids}) admit no TCP {HTTPS} from the function's "
        f"groups ({', '.join(group_ids) or 'none'}) or subnets"
    )


def _admits_https(aws: Aws, ec2: Any, endpoint_groups: list[str], sources: list[str], cidrs: list[str]) -> bool:
    if not endpoint_groups:
        return False
    groups = aws.call(
        lambda: ec2.describe_security_groups(GroupIds=endpoint_groups),
        resource=", ".join(endpoint_groups),
        action="ec2:DescribeSecurityGroups",
    )["SecurityGroups"]
    for group in groups:
        for rule in group.get("IpPermissions", []):
            if not _covers_https(rule):
                continue
            if {pair.get("GroupId") for pair in rule.get("UserIdGroupPairs", [])} & set(sources):
                return True
            if _all_inside((r.get("CidrIp", "") for r in rule.get("IpRanges", [])), cidrs):
                return True
    return False


def _covers_https(rule: dict[str, Any]) -> bool:
    protocol = str(rule.get("IpProtocol", ""))
    if protocol == "-1":
        return True
    return protocol in {"tcp", "6"} and int(rule.get("FromPort", 0)) <= HTTPS <= int(rule.get("ToPort", -1))


def _all_inside(ranges: Iterable[str], cidrs: list[str]) -> bool:
    """Every subnet of the function lies inside one of the rule's ranges."""
    networks = [ipaddress.IPv4Network(r, strict=False) for r in ranges if r]  # IpRanges: IPv4 only
    return bool(networks) and all(
        any(ipaddress.IPv4Network(c, strict=False).subnet_of(n) for n in networks) for c in cidrs
    )
