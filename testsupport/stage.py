"""Seeding a whole stage (SSM path and the RDS-style database secret), as an operator would."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import boto3

from testsupport.secrets import current_text, put_current

STRONG_SECRET_KEY = "stage-" + "x9Q!v" * 12


def database_secret(database_url: str) -> dict[str, Any]:
    """The RDS-style secret (what RDS-managed rotation writes) for a PostgreSQL URL."""
    url = urlsplit(database_url)
    return {
        "engine": "postgres",
        "host": url.hostname,
        "port": url.port or 5432,
        "username": url.username,
        "password": url.password,
        "dbname": url.path.lstrip("/"),
    }


def seed_stage(
    app: str,
    stage: str,
    database_url: str,
    parameters: dict[str, str] | None = None,
    endpoint: str | None = None,
    *,
    layout: str = "bundle",
) -> dict[str, str]:
    """Put a stage's configuration and its database secret into (moto's) AWS; returns the configuration.

    ``layout`` "bundle" (the project's default: one secret ``{app}/{stage}/config``) or
    "ssm" (one SecureString parameter per key under ``/{app}/{stage}/``).
    """
    values = {"SECRET_KEY": STRONG_SECRET_KEY, "ALLOWED_HOSTS": "testserver,localhost", **(parameters or {})}
    secrets = boto3.client("secretsmanager", endpoint_url=endpoint)
    if layout == "bundle":
        secrets.create_secret(Name=f"{app}/{stage}/config", SecretString=json.dumps(values))
    else:
        ssm = boto3.client("ssm", endpoint_url=endpoint)
        for key, value in values.items():
            ssm.put_parameter(Name=f"/{app}/{stage}/{key}", Value=value, Type="SecureString", Overwrite=True)
    secrets.create_secret(Name=f"{app}/{stage}/database", SecretString=json.dumps(database_secret(database_url)))
    return values


def update_bundle(app: str, stage: str, changes: dict[str, str | None], endpoint: str | None = None) -> None:
    """Set (or, for None, remove) keys of the stage's bundle, behind the tool's back, as another writer would."""
    secrets = boto3.client("secretsmanager", endpoint_url=endpoint)
    secret_id = f"{app}/{stage}/config"
    values = json.loads(current_text(secrets, secret_id))
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    put_current(secrets, secret_id, json.dumps(values))


def deploy_function(
    name: str, variables: dict[str, str] | None = None, endpoint: str | None = None, *, alias: str | None = None
) -> None:
    """A Lambda function as Zappa leaves it (its own variables, none of the values), for roll to update.

    With ``alias``, as Zappa leaves a SnapStart stage: a published version, and the alias API Gateway
    invokes pointing at it. moto stores it (and ignores SnapStart); nothing runs it.
    """
    import io
    import zipfile

    role = boto3.client("iam", endpoint_url=endpoint).create_role(
        RoleName=f"{name}-role", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as package:
        package.writestr("handler.py", "def lambda_handler(event, context):\n    return {}\n")
    aws_lambda = boto3.client("lambda", endpoint_url=endpoint)
    aws_lambda.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=role,
        Handler="handler.lambda_handler",
        Code={"ZipFile": archive.getvalue()},
        Environment={"Variables": dict(variables or {})},
        SnapStart={"ApplyOn": "PublishedVersions" if alias else "None"},
    )
    if alias:
        version = aws_lambda.publish_version(FunctionName=name)["Version"]
        aws_lambda.create_alias(FunctionName=name, Name=alias, FunctionVersion=version)
