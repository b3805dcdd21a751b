"""Loading a stage's SSM path: pagination, decryption, manifest batching."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import lambda_bootstrap
from lambda_bootstrap import ConfigurationError, SourceNotFoundError
from testsupport.account import PATH, FakeAccount


def test_loads_every_parameter_past_one_page_decrypted(account: FakeAccount, stage_env: None, aws_calls) -> None:
    values = {f"KEY_{i:02d}": f"secure-value-{i:02d}" for i in range(23)}
    account.parameters(values)
    account.parameter(PATH + "db/host", "db.internal", kind="String")
    account.parameter(PATH + "db/replicas", "r1,r2,r3", kind="StringList")
    aws_calls.reset()

    report = lambda_bootstrap.load()

    for key, value in values.items():
        assert os.environ[key] == value  # decrypted, not "kms:alias/aws/ssm:..."
    assert os.environ["DB_HOST"] == "db.internal"
    assert os.environ["DB_REPLICAS"] == "r1,r2,r3"
    assert aws_calls.counts["GetParametersByPath"] == 3  # 25 parameters, 10 a page
    assert report.aws_calls == 3
    assert report.keys_by_source()[f"ssm:{PATH}"] == sorted([*values, "DB_HOST", "DB_REPLICAS"])


def test_parameters_outside_the_path_are_not_loaded(account: FakeAccount, stage_env: None) -> None:
    account.parameters({"SECRET_KEY": "prod-secret-key"})
    account.parameter("/shop/staging/SECRET_KEY", "staging-secret-key")
    account.parameter("/shop/prod-other/LEAK", "other-value")
    lambda_bootstrap.load()
    assert os.environ["SECRET_KEY"] == "prod-secret-key"
    assert "LEAK" not in os.environ


def test_a_path_with_no_parameters_is_an_error(account: FakeAccount, stage_env: None) -> None:
    account.parameter("/shop/staging/SECRET_KEY", "staging-secret-key")
    with pytest.raises(SourceNotFoundError, match="no parameters under ssm:/shop/prod/"):
        lambda_bootstrap.load()


def test_a_name_that_cannot_be_a_key_fails_naming_it(account: FakeAccount, stage_env: None) -> None:
    account.parameters({"GOOD": "good-value", "bad-name": "bad-value"})
    with pytest.raises(ConfigurationError, match="/shop/prod/bad-name"):
        lambda_bootstrap.load()
    assert "GOOD" not in os.environ  # all or nothing


def test_two_names_on_one_key_fail_naming_both(account: FakeAccount, stage_env: None) -> None:
    account.parameters({"db/host": "one-value", "DB_HOST": "two-value"})
    with pytest.raises(ConfigurationError) as raised:
        lambda_bootstrap.load()
    assert "/shop/prod/db/host" in str(raised.value) and "/shop/prod/DB_HOST" in str(raised.value)


def write_manifest(directory: Path, names: list[str]) -> str:
    manifest = directory / "prod.ssm.json"
    manifest.write_text(json.dumps(names))
    return str(manifest)


def test_manifest_fetches_batches_of_ten_concurrently(
    account: FakeAccount, stage_env: None, aws_calls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = {f"KEY_{i:02d}": f"value-{i:02d}" for i in range(25)}
    account.parameters(values)
    monkeypatch.setenv("BOOTSTRAP_SSM_MANIFEST", write_manifest(tmp_path, list(values)))
    aws_calls.reset()

    lambda_bootstrap.load()

    assert all(os.environ[k] == v for k, v in values.items())
    assert dict(aws_calls.counts) == {"GetParameters": 3}


def test_manifest_names_missing_from_ssm_fail_naming_them(
    account: FakeAccount, stage_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    account.parameters({"SECRET_KEY": "value-one"})
    monkeypatch.setenv("BOOTSTRAP_SSM_MANIFEST", write_manifest(tmp_path, ["SECRET_KEY", "API_TOKEN"]))
    with pytest.raises(SourceNotFoundError, match="/shop/prod/API_TOKEN"):
        lambda_bootstrap.load()
    assert "SECRET_KEY" not in os.environ


def test_manifest_path_is_relative_to_the_lambda_task_root(
    account: FakeAccount, stage_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    account.parameters({"SECRET_KEY": "value-one"})
    write_manifest(tmp_path, ["SECRET_KEY"])
    monkeypatch.setenv("LAMBDA_TASK_ROOT", str(tmp_path))
    monkeypatch.setenv("BOOTSTRAP_SSM_MANIFEST", "prod.ssm.json")
    lambda_bootstrap.load()
    assert os.environ["SECRET_KEY"] == "value-one"


@pytest.mark.parametrize("content", ["not json", "[]", '{"a": 1}', '["ok", 3]'])
def test_a_bad_manifest_is_a_configuration_error(
    account: FakeAccount, stage_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str
) -> None:
    manifest = tmp_path / "m.json"
    manifest.write_text(content)
    monkeypatch.setenv("BOOTSTRAP_SSM_MANIFEST", str(manifest))
    with pytest.raises(lambda_bootstrap.ConfigurationError, match="BOOTSTRAP_SSM_MANIFEST"):
        lambda_bootstrap.load()
