"""The least-privilege policy of a stage's role: what the bootstrap reads, and what the app's settings need.

Derived from the same pointers the bootstrap reads at cold start, so the
policy and the loader cannot disagree about which path or secret a stage
reads. The document is in the form Zappa's ``attach_policy`` file takes.
``attach_policy`` *replaces* Zappa's default inline policy, so the function's
own log group is granted here too. ``secretsmanager:BatchGetSecretValue`` is
not granted: the bootstrap never calls it (its quota is 100 TPS).

Grants are the bootstrap's (``Sid`` starting ``Bootstrap``) or the app's
(``App``): those Zappa's settings call for (``xray_tracing``: X-Ray's two
write actions). The stage's ``extra_permissions`` are the app's too; Zappa
appends them to the policy at deploy, so they are not repeated in the file,
and :func:`expected_statements` (what ``check`` compares a role with) counts
them. With the stage's ``lambda_bootstrap.kms_key`` (a customer-managed key),
``kms:Decrypt`` is granted on that key alone.

``--for ec2`` (an instance profile's role; Elastic Beanstalk's instances too)
and ``--for ecs`` (a task role) read the same sources through ``exec``, so
they get the same read statements and no Lambda log group: their logs go
through the CloudWatch agent or the task's *execution* role, not this role.
``--trust`` prints the role's trust policy instead: who may assume it.
"""

from __future__ import annotations

import json
from typing import Any

from .database import iam_declaration
from .stage import Stage

__all__ = ["HOSTS", "app_grants", "expected_statements", "policy_text", "stage_policy", "trust_policy"]

HOSTS = ("lambda", "ec2", "ecs")
# Who assumes each host's role. Lambda: what Zappa itself creates (its assume_policy.json),
# since API Gateway's integration and the scheduled events use the same role.
_PRINCIPALS: dict[str, list[str]] = {
    "lambda": ["apigateway.amazonaws.com", "lambda.amazonaws.com", "events.amazonaws.com"],
    "ec2": ["ec2.amazonaws.com"],
    "ecs": ["ecs-tasks.amazonaws.com"],
}


def policy_text(stage: Stage, account: str = "*") -> str:
    """The document as the files under deploy/iam/ hold it."""
    return json.dumps(stage_policy(stage, account), indent=4) + "\n"


def trust_policy(stage: Stage, host: str = "lambda", account: str = "*") -> dict[str, Any]:
    """The role's trust policy on ``host``. An ECS task role with a known account is bound to it.

    The condition is AWS's guard against the confused deputy for task roles: only
    ECS acting for this account, in the stage's region, may assume the role.
    """
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": _PRINCIPALS[host]},
        "Action": "sts:AssumeRole",
    }
    if host == "ecs" and account != "*":
        statement["Condition"] = {
            "ArnLike": {"aws:SourceArn": f"arn:{_partition(stage.region)}:ecs:{stage.region}:{account}:*"},
            "StringEquals": {"aws:SourceAccount": account},
        }
    return {"Version": "2012-10-17", "Statement": [statement]}


def stage_policy(stage: Stage, account: str = "*", host: str = "lambda") -> dict[str, Any]:
    region, partition = stage.region, _partition(stage.region)
    settings = stage.bootstrap
    statements: list[dict[str, Any]] = []
    if host == "lambda":
        statements.append(
            {
                "Sid": "FunctionLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:{partition}:logs:{region}:{account}:log-group:/aws/lambda/{stage.function_name}:*",
            }
        )
    via: list[str] = []
    if settings.ssm_path is not None:
        parameter = f"arn:{partition}:ssm:{region}:{account}:parameter/{settings.ssm_path.strip('/')}"
        statements.append(
            {
                "Sid": "BootstrapReadStageParameters",
                "Effect": "Allow",
                "Action": ["ssm:GetParametersByPath", "ssm:GetParameters"],
                "Resource": [parameter, f"{parameter}/*"],
            }
        )
        via.append(f"ssm.{region}.amazonaws.com")
    secret_ids = [*([settings.bundle] if settings.bundle is not None else []), *(s.secret_id for s in settings.secrets)]
    if secret_ids:
        statements.append(
            {
                "Sid": "BootstrapReadStageSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": [_secret_arn(secret_id, partition, region, account) for secret_id in secret_ids],
            }
        )
        via.append(f"secretsmanager.{region}.amazonaws.com")
    iam_database = iam_declaration(stage.environment)
    if iam_database is not None:  # DATABASE_IAM_AUTH: rds-db:connect as the stage's database user, only as it
        statements.append(
            {
                "Sid": "AppConnectAsTheStageDatabaseUser",
                "Effect": "Allow",
                "Action": ["rds-db:connect"],
                "Resource": f"arn:{partition}:rds-db:{region}:{account}:dbuser:"
                f"{iam_database.resource_id}/{iam_database.user}",
            }
        )
    if host == "lambda" and (stage.config.get("vpc_config") or {}).get("SubnetIds"):
        statements.append(
            {
                # What Lambda needs to place the function in its subnets (AWSLambdaVPCAccessExecutionRole's
                # actions). EC2 does not scope these to resources, so "*" is the narrowest there is.
                "Sid": "FunctionAttachToTheStagesVpc",
                "Effect": "Allow",
                "Action": [
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSubnets",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                "Resource": "*",
            }
        )
    statements.append(_decrypt(stage, via, partition, account))
    if host == "lambda":
        statements.extend(app_grants(stage))
    return {"Version": "2012-10-17", "Statement": statements}


def app_grants(stage: Stage) -> list[dict[str, Any]]:
    """What the stage's own Zappa settings call for, beyond the bootstrap (``extra_permissions`` aside)."""
    grants: list[dict[str, Any]] = []
    if stage.config.get("xray_tracing"):
        grants.append(
            {
                # What Zappa's default policy grants for xray_tracing; X-Ray scopes no resource.
                "Sid": "AppXrayTracing",
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": "*",
            }
        )
    return grants


def expected_statements(stage: Stage) -> list[dict[str, Any]]:
    """What the role's inline policy must grant once Zappa has deployed: the file, and ``extra_permissions``."""
    extra = [
        dict(statement) for statement in stage.config.get("extra_permissions") or [] if isinstance(statement, dict)
    ]
    return [*stage_policy(stage)["Statement"], *extra]


def _decrypt(stage: Stage, via: list[str], partition: str, account: str) -> dict[str, Any]:
    """kms:Decrypt only as SSM or Secrets Manager asks, and only with the stage's own key when it has one."""
    statement: dict[str, Any] = {
        "Sid": "BootstrapDecryptThroughTheseServicesOnly",
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": "*",
        "Condition": {"StringEquals": {"kms:ViaService": via}},
    }
    key = stage.options.get("kms_key")
    if key is None:
        return statement
    if key.startswith("arn:"):
        statement["Resource"] = key
    elif key.startswith("alias/"):  # an alias is no Resource for Decrypt: match the key by its alias
        statement["Resource"] = f"arn:{partition}:kms:{stage.region}:{account}:key/*"
        statement["Condition"]["ForAnyValue:StringEquals"] = {"kms:ResourceAliases": key}
    else:  # a key id
        statement["Resource"] = f"arn:{partition}:kms:{stage.region}:{account}:key/{key}"
    return statement


def _secret_arn(secret_id: str, partition: str, region: str, account: str) -> str:
    if secret_id.startswith("arn:"):
        return secret_id  # a full ARN already ends in the random suffix
    # Secrets Manager appends "-" and 6 random characters to every secret's ARN.
    return f"arn:{partition}:secretsmanager:{region}:{account}:secret:{secret_id}-??????"


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
