"""``policy <stage>``: the least-privilege policy of a stage's Lambda role.

Derived from the same pointers the bootstrap reads at cold start, so the
policy and the loader cannot disagree about which path or secret a stage
reads. The document is in the form Zappa's ``attach_policy`` file takes.
``attach_policy`` *replaces* Zappa's default inline policy, so the function's
own log group is granted here too. ``secretsmanager:BatchGetSecretValue`` is
not granted: the bootstrap never calls it (its quota is 100 TPS).
"""

from __future__ import annotations

import json
from typing import Any

from .console import Console
from .stage import Stage, load_stage

__all__ = ["policy", "policy_text", "stage_policy"]


def policy(stage_name: str, *, account: str = "*", settings_file: str | None = None, console: Console) -> int:
    console.out.write(policy_text(load_stage(stage_name, settings_file), account))
    return 0


def policy_text(stage: Stage, account: str = "*") -> str:
    """The document as the files under deploy/iam/ hold it."""
    return json.dumps(stage_policy(stage, account), indent=4) + "\n"


def stage_policy(stage: Stage, account: str = "*") -> dict[str, Any]:
    region, partition = stage.region, _partition(stage.region)
    settings = stage.bootstrap
    statements: list[dict[str, Any]] = [
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"arn:{partition}:logs:{region}:{account}:log-group:/aws/lambda/{stage.function_name}:*",
        }
    ]
    via: list[str] = []
    if settings.ssm_path is not None:
        parameter = f"arn:{partition}:ssm:{region}:{account}:parameter/{settings.ssm_path.strip('/')}"
        statements.append(
            {
                "Sid": "ReadStageParameters",
                "Effect": "Allow",
                "Action": ["ssm:GetParametersByPath", "ssm:GetParameters"],
                "Resource": [parameter, f"{parameter}/*"],
            }
        )
        via.append(f"ssm.{region}.amazonaws.com")
    if settings.secrets:
        statements.append(
            {
                "Sid": "ReadStageSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": [_secret_arn(s.secret_id, partition, region, account) for s in settings.secrets],
            }
        )
        via.append(f"secretsmanager.{region}.amazonaws.com")
    if (stage.config.get("vpc_config") or {}).get("SubnetIds"):
        statements.append(
            {
                # What Lambda needs to place the function in its subnets (AWSLambdaVPCAccessExecutionRole's
                # actions). EC2 does not scope these to resources, so "*" is the narrowest there is.
                "Sid": "AttachToTheStagesVpc",
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
    statements.append(
        {
            "Sid": "DecryptThroughTheseServicesOnly",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": via}},
        }
    )
    return {"Version": "2012-10-17", "Statement": statements}


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
