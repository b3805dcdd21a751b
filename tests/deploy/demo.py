"""bin/demo: a stage's whole life cycle against moto's server, no AWS account, each step printed.

push, policy, check, package, deploy, a cold start, status, update, push
--roll and a second cold start, undeploy, then what undeploy leaves behind and
how it is removed, for a throwaway stage ``demo`` of a copy of the project. It
reuses the end-to-end tests' own pieces (packaging.py, testsupport/lambda_runtime.py,
lambda_events.py, and the one moto gap in testsupport/moto_gaps.py) so the demo and the
tests cannot drift apart; tests/deploy/test_demo.py runs it in CI.

Every AWS client here talks to moto: fake credentials and AWS_ENDPOINT_URL
are set before anything else, whatever the caller's environment holds.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from testsupport.aws_env import FAKE_AWS
from testsupport.moto_server import moto_server

__all__ = ["DemoError", "main"]

STAGE = "demo"
APP = "coldstart"
FUNCTION = f"{APP}-{STAGE}"


class DemoError(RuntimeError):
    """A step did not do what it should: the demo stops there."""


class _Steps:
    def __init__(self) -> None:
        self.number = 0
        self.started = time.monotonic()

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        self.number += 1
        print(f"\n=== {self.number}. {title}", flush=True)
        began = time.monotonic()
        yield
        print(f"--- {self.number}. done in {time.monotonic() - began:.1f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bin/demo", description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, help="folder for the project copy and the zip (default: a temp dir)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="coldstart-demo-") as scratch, pytest.MonkeyPatch.context() as patch:
        workspace = (args.workspace or Path(scratch)).resolve()
        workspace.mkdir(parents=True, exist_ok=True)
        try:
            run_demo(workspace, patch)
        except DemoError as exc:
            print(f"\ndemo FAILED: {exc}", file=sys.stderr)
            return 1
    return 0


def run_demo(workspace: Path, patch: pytest.MonkeyPatch) -> None:
    for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        patch.delenv(key, raising=False)
    for key, value in FAKE_AWS.items():
        patch.setenv(key, value)
    with moto_server() as endpoint:
        patch.setenv("AWS_ENDPOINT_URL", endpoint)
        print(f"moto's server on {endpoint}: every AWS call below goes there")
        _life_cycle(workspace, endpoint, patch, _Steps())


def _life_cycle(workspace: Path, endpoint: str, patch: pytest.MonkeyPatch, steps: _Steps) -> None:
    import boto3

    from lambda_bootstrap_cli.commands.roll import VERSION_VARIABLE
    from lambda_bootstrap_cli.policy import policy_text
    from lambda_bootstrap_cli.stage import load_stage
    from tests.deploy.packaging import (
        RUNTIME_VENV,
        build_package,
        copy_project,
        prepare_zappa_in_process,
        run_zappa,
        write_test_settings,
    )
    from testsupport.lambda_events import API_HOST

    if not (RUNTIME_VENV / "bin" / "python").exists():
        raise DemoError(f"{RUNTIME_VENV} is missing: bin/demo builds it from requirements.txt")
    secret_key, password = secrets.token_urlsafe(40), secrets.token_urlsafe(24)
    health_token = secrets.token_urlsafe(32)  # /health/ shows its details only to this bearer token

    with steps.step("a copy of the project, with a stage 'demo' (extends staging)"):
        project = copy_project(workspace / "project")
        settings_file = project / "zappa_settings.json"
        document = json.loads(settings_file.read_text())
        document[STAGE] = {"extends": "staging", "attach_policy": f"deploy/iam/{STAGE}.json"}
        settings_file.write_text(json.dumps(document, indent=4))
        write_test_settings(settings_file, settings_file)  # touch/use_precompiled_packages off: no internet
        prepare_zappa_in_process(patch, project, endpoint, workspace / "zappa-tmp")
        print(f"project copy: {project}")

    with steps.step("push the stage's values (its bundle) and its database secret (Secrets Manager)"):
        # ALLOWED_HOSTS must hold the API Gateway host, known only after the first deploy; here it is
        # the host of the events below. The database is not reachable in the demo (health says so).
        _write(
            project / ".env.demo", f"SECRET_KEY={secret_key}\nALLOWED_HOSTS={API_HOST}\nHEALTH_TOKEN={health_token}\n"
        )
        database = {
            "engine": "postgres",
            "host": "db.demo.invalid",
            "port": "5432",
            "username": "app",
            "password": password,
            "dbname": APP,
        }
        _write(project / ".env.demo.database", "".join(f"{k}={v}\n" for k, v in database.items()))
        _cli("push", STAGE, "--from", ".env.demo", "--yes")
        _cli("push", STAGE, "--from", ".env.demo.database", "--secret", "database", "--yes")

    with steps.step("the stage's least-privilege policy, written where attach_policy points"):
        (project / "deploy" / "iam" / f"{STAGE}.json").write_text(policy_text(load_stage(STAGE)))
        print(f"deploy/iam/{STAGE}.json written (lambda-bootstrap policy {STAGE})")

    with steps.step("check: sources, required keys, value types, policy, role, vpc"):
        _cli("check", STAGE)

    package = workspace / f"{FUNCTION}.zip"
    with steps.step("zappa package (the runtime venv only; no value in the zip)"):
        build_package(project, settings_file, STAGE, package, endpoint)
        print(f"{package.name}: {package.stat().st_size / 1e6:.1f} MB")
        _assert_absent(package.read_bytes(), secret_key, password, health_token)

    with steps.step("zappa deploy (it packages again: with -z Zappa would skip creating the role)"):
        print("(moto answers AddPermission 200 where Zappa expects 201: Zappa logs an ERROR; the grant exists)")
        run_zappa("deploy", STAGE, settings_file)
        _cli("check", STAGE)  # now the role exists: its inline policy is checked too

    task = _unzip(package, workspace / "task")
    with steps.step("a cold start: a new container runs Zappa's handler; the bootstrap loads the stage"):
        _cold_start(task, endpoint, health_token, expect_hsts="3600")

    with steps.step("zappa status"):
        run_zappa("status", STAGE, settings_file)

    with steps.step("zappa update (moto has no ListFunctionUrlConfigs: bridged in testsupport/moto_gaps.py)"):
        run_zappa("update", STAGE, settings_file, "--zip", str(package))

    with steps.step("push a changed value with --roll: the function's configuration gets a new version"):
        lambda_client = boto3.client("lambda")
        _write(
            project / ".env.demo",
            f"SECRET_KEY={secret_key}\nALLOWED_HOSTS={API_HOST}\nHEALTH_TOKEN={health_token}\nSECURE_HSTS_SECONDS=60\n",
        )
        _cli("push", STAGE, "--from", ".env.demo", "--yes", "--roll")
        variables = lambda_client.get_function_configuration(FunctionName=FUNCTION)["Environment"]["Variables"]
        print(f"function environment now: {sorted(variables)}; {VERSION_VARIABLE}={variables[VERSION_VARIABLE]}")

    with steps.step("a cold start after the roll reads the new value"):
        _cold_start(task, endpoint, health_token, expect_hsts="60")

    with steps.step("zappa undeploy"):
        run_zappa("undeploy", STAGE, settings_file, "-y")

    with steps.step("what undeploy leaves behind, and removing it"):
        _leftovers(load_stage(STAGE))

    print(f"\ndemo: all {steps.number} steps passed in {time.monotonic() - steps.started:.0f} s")


def _cli(*argv: str) -> None:
    from lambda_bootstrap_cli import main as cli

    print(f"$ lambda-bootstrap {' '.join(argv)}", flush=True)
    code = cli(list(argv))
    if code != 0:
        raise DemoError(f"`lambda-bootstrap {' '.join(argv)}` exited {code}")


def _write(file: Path, text: str) -> None:
    file.write_text(text, encoding="utf-8")
    file.chmod(0o600)


def _unzip(package: Path, task_root: Path) -> Path:
    from testsupport.lambda_runtime import unzip_package

    return unzip_package(package, task_root)


def _cold_start(task_root: Path, endpoint: str, health_token: str, *, expect_hsts: str) -> None:
    import boto3

    from testsupport.lambda_events import api_gateway_event
    from testsupport.lambda_runtime import LambdaFunction

    configuration = boto3.client("lambda").get_function_configuration(FunctionName=FUNCTION)
    function = LambdaFunction(
        task_root=task_root,
        name=FUNCTION,
        region=os.environ["AWS_REGION"],
        memory_mb=int(configuration["MemorySize"]),
        timeout_seconds=int(configuration["Timeout"]),
        variables=dict(configuration["Environment"]["Variables"]),
        handler=str(configuration["Handler"]),  # what Zappa deployed: the stage's lambda_handler
    )
    authorized = {"Authorization": f"Bearer {health_token}"}  # the details; the public answer is only up/down
    event = api_gateway_event("GET", "/health/", stage=STAGE, headers=authorized)
    run = function.cold_start([event], endpoint=endpoint)
    if run.init_error is not None:
        raise DemoError(f"the cold start failed: {run.init_error.get('errorType')}\n{run.output}")
    [invocation] = run.invocations
    if invocation.error is not None:
        raise DemoError(f"GET /health/ failed: {invocation.error.get('errorType')}\n{run.output}")
    response = invocation.response
    body = json.loads(response["body"])
    print(f"init phase AWS calls: {run.init_calls}")
    print(f"GET /health/ -> {response['statusCode']} (503: the demo has no database; {body['database']})")
    print(f"config keys by source: {body['config']}")
    hsts = response["headers"].get("Strict-Transport-Security", "")
    print(f"Strict-Transport-Security: {hsts}")
    if f"max-age={expect_hsts}" not in hsts:
        raise DemoError(f"expected max-age={expect_hsts} from SECURE_HSTS_SECONDS, got {hsts!r}")


def _leftovers(stage: Any) -> None:
    import boto3

    ssm, secretsmanager, iam = boto3.client("ssm"), boto3.client("secretsmanager"), boto3.client("iam")
    path = stage.bootstrap.ssm_path  # None for a stage whose values are in its bundle (the default layout)
    names = (
        [
            p["Name"]
            for page in ssm.get_paginator("describe_parameters").paginate(
                ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": [path.rstrip("/")]}]
            )
            for p in page["Parameters"]
        ]
        if path
        else []
    )
    bundle = [stage.bootstrap.bundle] if stage.bootstrap.bundle else []
    secret_ids = [*bundle, *(s.secret_id for s in stage.bootstrap.secrets)]
    role = stage.role_name
    print(f"left: {len(names)} SSM parameter(s) under {path}, secret(s) {', '.join(secret_ids)}, IAM role {role}")
    removals: list[tuple[str, Callable[[], Any]]] = [
        *(
            [(f"aws ssm delete-parameters --names {' '.join(names)}", lambda: ssm.delete_parameters(Names=names))]
            if names
            else []
        ),
        *(
            (
                f"aws secretsmanager delete-secret --secret-id {secret_id} --force-delete-without-recovery",
                lambda secret_id=secret_id: secretsmanager.delete_secret(
                    SecretId=secret_id, ForceDeleteWithoutRecovery=True
                ),
            )
            for secret_id in secret_ids
        ),
    ]
    for policy_name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        removals.append(
            (
                f"aws iam delete-role-policy --role-name {role} --policy-name {policy_name}",
                lambda name=policy_name: iam.delete_role_policy(RoleName=role, PolicyName=name),  # type: ignore[misc]
            )
        )
    for attached in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        arn = attached["PolicyArn"]
        removals.append(
            (
                f"aws iam detach-role-policy --role-name {role} --policy-arn {arn}",
                lambda arn=arn: iam.detach_role_policy(RoleName=role, PolicyArn=arn),  # type: ignore[misc]
            )
        )
    removals.append((f"aws iam delete-role --role-name {role}", lambda: iam.delete_role(RoleName=role)))
    for command, remove in removals:
        print(f"$ {command}")
        remove()
    left = ssm.describe_parameters()["Parameters"]
    if left or secretsmanager.list_secrets()["SecretList"]:
        raise DemoError("something was left after the removals")
    print("nothing of the stage is left (the S3 bucket of packages stays: it is shared by the stages)")


def _assert_absent(content: bytes, *values: str) -> None:
    if any(value.encode() in content for value in values):
        raise DemoError("a pushed value is in the package")


if __name__ == "__main__":
    sys.exit(main())
