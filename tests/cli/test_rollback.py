"""``rollback``: an earlier version made current again, by compare-and-swap, judged first as any write."""

from __future__ import annotations

import json
from pathlib import Path

import boto3

from lambda_bootstrap_cli.commands.roll import VERSION_VARIABLE
from testsupport.account import FakeAccount
from testsupport.clocks import FakeClock
from testsupport.secrets import put_current
from testsupport.stage import deploy_function, seed_stage

from .conftest import Interleave
from .tooling import BUNDLE, bundle, labels, run, write_env

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = str(ROOT / "zappa_settings.json")
FIRST = {"SECRET_KEY": "first-secret-value-1", "ALLOWED_HOSTS": "hosts-value-1"}
SECOND = {"SECRET_KEY": "second-secret-value-2", "ALLOWED_HOSTS": "hosts-value-1", "FLAG": "flag-value-2"}


def holder(account: FakeAccount, label: str, secret_id: str = BUNDLE) -> str:
    return next(version for version, names in labels(account, secret_id).items() if label in names)


def two_pushes(project: Path, account: FakeAccount) -> tuple[str, str]:
    """The bundle pushed twice; the two versions' ids."""
    versions = []
    for number, values in enumerate((FIRST, SECOND)):
        env = write_env(project, "".join(f"{k}={v}\n" for k, v in values.items()), f".env.{number}")
        done = run("push", "prod", "--from", env, "--yes")
        assert done.code == 0, done.text
        versions.append(holder(account, "AWSCURRENT"))
    account.seeded_values += [*FIRST.values(), *SECOND.values()]
    return versions[0], versions[1]


def test_rollback_and_back_again_is_a_round_trip(bundle_project: Path, account: FakeAccount) -> None:
    first, second = two_pushes(bundle_project, account)
    dry = run("rollback", "prod", "--dry-run")
    assert dry.code == 0, dry.text
    assert f"against version {first}:" in dry.out and "- FLAG" in dry.out and "~ SECRET_KEY" in dry.out
    assert "dry run: nothing written" in dry.out and bundle(account) == SECOND

    back = run("rollback", "prod", "--yes")  # to AWSPREVIOUS: the first push
    assert back.code == 0, back.text
    assert f"made version {first} current in secretsmanager:{BUNDLE} (it was {second})" in back.err
    assert bundle(account) == FIRST
    assert holder(account, "AWSCURRENT") == first and holder(account, "AWSPREVIOUS") == second

    forth = run("rollback", "prod", "--to", second, "--yes")
    assert forth.code == 0, forth.text
    assert bundle(account) == SECOND and holder(account, "AWSCURRENT") == second
    history = run("history", "prod")
    assert history.code == 0 and history.out.count(" version(s) kept") == 1
    assert f"{second}" in history.out and "[AWSCURRENT]" in history.out
    nothing = run("rollback", "prod", "--to", second, "--yes")
    assert nothing.code == 0 and "nothing to roll back" in nothing.out
    account.assert_nothing_leaked(dry.text, back.text, forth.text, history.text, nothing.text)


def test_a_poisoned_earlier_version_is_refused_and_nothing_changes(bundle_project: Path, account: FakeAccount) -> None:
    account.secret(BUNDLE, {**FIRST, "LD_PRELOAD": "/tmp/evil.so"})  # written behind the tool's back
    repaired = run("unset", "prod", "LD_PRELOAD", "--yes")
    assert repaired.code == 0, repaired.text
    before = holder(account, "AWSCURRENT")
    refused = run("rollback", "prod", "--yes")
    assert refused.code == 2, refused.text
    assert "refused: " in refused.err and "LD_PRELOAD" in refused.err and "reserved" in refused.err
    assert holder(account, "AWSCURRENT") == before and bundle(account) == FIRST
    account.seeded_values += [*FIRST.values(), "/tmp/evil.so"]
    account.assert_nothing_leaked(refused.text)


def test_a_write_landing_before_the_rollbacks_swap_stops_it(
    bundle_project: Path, account: FakeAccount, before_call: Interleave, fake_clock: FakeClock
) -> None:
    first, second = two_pushes(bundle_project, account)
    third = {**SECOND, "LATE": "late-value-3"}
    before_call("UpdateSecretVersionStage", lambda: put_current(account.secrets, BUNDLE, json.dumps(third)))
    result = run("rollback", "prod", "--to", first, "--yes")
    assert result.code == 4, result.text
    assert f"after this rollback read version {second}; nothing rolled back" in result.err
    assert bundle(account) == third


def test_rollback_needs_a_version_and_a_terminal_or_yes(bundle_project: Path, account: FakeAccount, aws_calls) -> None:
    account.secret(BUNDLE, FIRST)
    none = run("rollback", "prod", "--yes")
    assert none.code == 2 and "has no AWSPREVIOUS version: name one with --to (history lists them)" in none.err
    aws_calls.reset()
    unconfirmed = run("rollback", "prod")
    assert unconfirmed.code == 2 and "pass --yes" in unconfirmed.err
    assert aws_calls.total == 0
    unknown = run("rollback", "prod", "--to", "00000000-0000-0000-0000-000000000000", "--yes")
    assert unknown.code == 2, unknown.text
    assert bundle(account) == FIRST


def test_rollback_roll_makes_the_function_load_the_earlier_version(account: FakeAccount, tmp_path: Path) -> None:
    seed_stage("coldstart", "prod", "postgres://app:Db-Pa55word-xyz@db.internal.example:5432/coldstart")
    deploy_function("coldstart-prod", alias="snapstart")  # prod as Zappa deploys it: SnapStart, an alias
    env = write_env(tmp_path, "DJANGO_LOG_LEVEL=WARNING\n")
    assert run("push", "prod", "--from", str(tmp_path / env), "--settings", SETTINGS, "--yes").code == 0
    result = run("rollback", "prod", "--settings", SETTINGS, "--yes", "--roll")
    assert result.code == 0, result.text
    assert "DJANGO_LOG_LEVEL" not in bundle(account, "coldstart/prod/config")
    variables = boto3.client("lambda").get_function_configuration(FunctionName="coldstart-prod")
    assert VERSION_VARIABLE in variables["Environment"]["Variables"]
