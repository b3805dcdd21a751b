"""``manifest``: the names under the stage's path, in the form the cold start's manifest reader takes."""

from __future__ import annotations

import json
from pathlib import Path

import lambda_bootstrap
from testsupport.account import FakeAccount

from .tooling import run


def use_manifest(project: Path, file: str) -> None:
    settings = json.loads((project / "zappa_settings.json").read_text(encoding="utf-8"))
    settings["prod"]["environment_variables"]["BOOTSTRAP_SSM_MANIFEST"] = file
    (project / "zappa_settings.json").write_text(json.dumps(settings), encoding="utf-8")


def test_manifest_lists_relative_names_and_the_bootstrap_loads_by_it(
    project: Path, account: FakeAccount, monkeypatch
) -> None:
    account.parameters({"SECRET_KEY": "manifest-secret-value", "db/host": "manifest-db-host", "ALLOWED_HOSTS": "x.y"})
    printed = run("manifest", "prod")
    assert printed.code == 0, printed.err
    assert json.loads(printed.out) == ["ALLOWED_HOSTS", "SECRET_KEY", "db/host"]

    use_manifest(project, "deploy/ssm-manifest.json")
    written = run("manifest", "prod")
    assert written.code == 0, written.err
    assert json.loads((project / "deploy/ssm-manifest.json").read_text(encoding="utf-8")) == json.loads(printed.out)
    assert "wrote 3 name(s)" in written.err

    monkeypatch.setenv("PROJECT", "shop")
    monkeypatch.setenv("STAGE", "prod")
    monkeypatch.setenv("BOOTSTRAP_SSM_PATH", "/{app}/{stage}/")
    monkeypatch.setenv("BOOTSTRAP_SSM_MANIFEST", str(project / "deploy/ssm-manifest.json"))
    report = lambda_bootstrap.load()
    assert sorted(report.sources) == ["ALLOWED_HOSTS", "DB_HOST", "SECRET_KEY"]
    account.assert_nothing_leaked(printed.err, written.out, written.err)


def test_check_fails_when_the_manifest_and_the_path_disagree(project: Path, account: FakeAccount) -> None:
    account.parameters({"SECRET_KEY": "manifest-secret-value", "ALLOWED_HOSTS": "x.y"})
    account.secret("shop/prod/database", {"password": "pw-value-long"})
    use_manifest(project, "manifest.json")
    assert run("manifest", "prod").code == 0
    account.parameters({"LATE_KEY": "added-after-manifest"})
    result = run("check", "prod")
    assert result.code == 1
    assert "in SSM but not in the manifest (never loaded; regenerate it" in result.out
    assert "LATE_KEY" in result.out


def test_an_empty_path_is_an_error(project: Path, account: FakeAccount) -> None:
    result = run("manifest", "prod", "--output", "names.json")
    assert result.code == 2
    assert "no parameters under ssm:/shop/prod/" in result.err
    assert not (project / "names.json").exists()
