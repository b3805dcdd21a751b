"""check's hygiene rows: a secret's age and rotation (WARN), keys unique to a stage, the KMS key of each secret."""

from __future__ import annotations

import json
import time
from pathlib import Path

import boto3
import pytest

from testsupport.account import FakeAccount
from testsupport.stage import STRONG_SECRET_KEY, seed_stage, update_bundle

from .tooling import BUNDLE, check_rows, run, use_stages, write_env

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = str(ROOT / "zappa_settings.json")
DATABASE_URL = "postgres://app:Db-Pa55word-xyz@db.internal.example:5432/coldstart"
STAGING_KEY = "staging-" + "Qm7&" * 13
TOKEN = "health-token-" + "Zk4%" * 8


@pytest.fixture
def seeded(account: FakeAccount) -> FakeAccount:
    seed_stage("coldstart", "prod", DATABASE_URL)
    account.seeded_values += [STRONG_SECRET_KEY, "Db-Pa55word-xyz", DATABASE_URL, STAGING_KEY, TOKEN]
    return account


def test_a_secret_unchanged_past_the_threshold_is_a_warning_that_does_not_fail(
    account: FakeAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as past:
        now = time.time()
        past.setattr(time, "time", lambda: now - 100 * 86_400)  # moto dates the writes by the clock
        seed_stage("coldstart", "prod", DATABASE_URL)
    account.secrets.rotate_secret(
        SecretId="coldstart/prod/database", RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False
    )
    result = run("check", "prod", "--settings", SETTINGS)
    assert result.code == 0, result.text  # a warning is advice
    assert check_rows(result.out)["age"] == "WARN"
    assert "unchanged for more than 90 days: secretsmanager:coldstart/prod/config" in result.out
    assert "secretsmanager:coldstart/prod/config: last changed 100 day(s) ago, no rotation configured" in result.out
    assert "secretsmanager:coldstart/prod/database: " in result.out and "rotated every 30 days" in result.out
    assert "result: PASS (1 warning(s): age)" in result.out
    longer = run("check", "prod", "--settings", SETTINGS, "--max-age-days", "365")
    assert check_rows(longer.out)["age"] == "PASS" and "every secret changed within 365 days" in longer.out


def test_a_key_another_stage_holds_too_fails_unique_without_showing_it(seeded: FakeAccount) -> None:
    seed_stage("coldstart", "staging", DATABASE_URL)  # the same SECRET_KEY as prod: a copy-paste slip
    same = run("check", "prod", "--settings", SETTINGS)
    assert same.code == 1, same.text
    assert check_rows(same.out)["unique"] == "FAIL"
    assert "not unique to stage prod: SECRET_KEY (the same as stage staging's)" in same.out
    assert "stage dev: not in AWS yet: skipped" in same.out
    seeded.assert_nothing_leaked(same.text)

    update_bundle("coldstart", "staging", {"SECRET_KEY": STAGING_KEY, "HEALTH_TOKEN": TOKEN})
    update_bundle("coldstart", "prod", {"HEALTH_TOKEN": TOKEN})  # a key the schema marks unique=True
    token = run("check", "prod", "--settings", SETTINGS)
    assert check_rows(token.out)["unique"] == "FAIL"
    assert "not unique to stage prod: HEALTH_TOKEN (the same as stage staging's)" in token.out
    assert "SECRET_KEY (the same" not in token.out
    update_bundle("coldstart", "prod", {"HEALTH_TOKEN": None})
    differ = run("check", "prod", "--settings", SETTINGS)
    assert differ.code == 0, differ.text
    assert check_rows(differ.out)["unique"] == "PASS"
    assert "SECRET_KEY differ(s) from stage(s) staging (compared in memory)" in differ.out
    seeded.assert_nothing_leaked(token.text, differ.text)


def test_another_stage_that_cannot_be_read_fails_unique(seeded: FakeAccount, aws_calls) -> None:
    """The operator may read prod, not staging: uniqueness unproven is not uniqueness."""
    from botocore.exceptions import ClientError

    seed_stage("coldstart", "staging", DATABASE_URL)
    update_bundle("coldstart", "staging", {"SECRET_KEY": STAGING_KEY})

    def deny_staging(answer: dict[str, object]) -> dict[str, object]:
        if str(answer.get("Name", "")).startswith("coldstart/staging/"):
            error = {"Error": {"Code": "AccessDeniedException", "Message": "no"}, "ResponseMetadata": {}}
            raise ClientError(error, "GetSecretValue")
        return answer

    aws_calls.rewrite("GetSecretValue", deny_staging)
    result = run("check", "prod", "--settings", SETTINGS)
    assert result.code == 1, result.text
    assert check_rows(result.out)["unique"] == "FAIL"
    assert "uniqueness not proven" in result.out
    assert "stage staging: cannot be compared: access denied reading secretsmanager:coldstart/staging/" in result.out
    seeded.assert_nothing_leaked(result.text)


@pytest.fixture
def kms_stage(bundle_project: Path, account: FakeAccount) -> str:
    """The bundle stage declaring a customer-managed key (an alias), which exists in KMS."""
    kms = boto3.client("kms")
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/shop-prod", TargetKeyId=key["KeyId"])
    stages = json.loads((bundle_project / "zappa_settings.json").read_text())
    stages["prod"]["lambda_bootstrap"] = {"kms_key": "alias/shop-prod"}
    use_stages(bundle_project, stages)
    return str(key["Arn"])


def test_a_secret_under_another_key_fails_encryption_and_push_moves_it(kms_stage: str, account: FakeAccount) -> None:
    account.secret(BUNDLE, {"SECRET_KEY": "bundle-secret-value"})  # created with AWS's managed key
    before = run("check", "prod")
    assert check_rows(before.out)["encryption"] == "FAIL"
    assert (
        f"secretsmanager:{BUNDLE} is encrypted with alias/aws/secretsmanager, not the stage's kms_key alias/shop-prod"
        in before.out
    )

    env = write_env(Path.cwd(), "ALLOWED_HOSTS=example.com\n")
    pushed = run("push", "prod", "--from", env, "--yes")
    assert pushed.code == 0, pushed.text
    assert "encrypted with alias/aws/secretsmanager, not the stage's kms_key alias/shop-prod: switching it" in (
        pushed.err
    )
    assert account.secrets.describe_secret(SecretId=BUNDLE)["KmsKeyId"] == "alias/shop-prod"
    after = run("check", "prod")
    assert check_rows(after.out)["encryption"] == "PASS"
    assert "every secret uses the stage's kms_key alias/shop-prod" in after.out
    account.assert_nothing_leaked(before.text, pushed.text, after.text)


def test_a_first_push_creates_the_secret_with_the_stages_key_named_any_way(
    kms_stage: str, account: FakeAccount
) -> None:
    env = write_env(Path.cwd(), "password=a-database-password\n")
    created = run("push", "prod", "--from", env, "--secret", "database", "--yes")
    assert created.code == 0, created.text
    assert "encrypted with the stage's kms_key alias/shop-prod" in created.err
    assert account.secrets.describe_secret(SecretId="shop/prod/database")["KmsKeyId"] == "alias/shop-prod"
    stages = json.loads(Path("zappa_settings.json").read_text())
    stages["prod"]["lambda_bootstrap"] = {"kms_key": kms_stage}  # the same key by its ARN: KMS says so
    use_stages(Path.cwd(), stages)
    result = run("check", "prod")
    assert check_rows(result.out)["encryption"] == "PASS", result.out
