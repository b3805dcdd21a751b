"""SnapStart: hooks only in an init Lambda snapshots; after each restore, fresh values, clients and randomness.

The hooks run through awslambdaric's own runner (``lambda_runtime_hooks_runner``),
as the runtime runs them. Several environments restored from one snapshot are
modelled by forking one initialised process: each child starts from the parent's
memory, its ``random`` state included (CPython reseeds ``random`` in a forked
child; a restored snapshot does not, so each child puts the parent's state back
first). The end-to-end path, awslambdaric with the Runtime API's restore calls,
is tests/deploy/test_snapstart.py.
"""

from __future__ import annotations

import json
import os
import random
import socket
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import snapshot_restore_py
from awslambdaric import lambda_runtime_hooks_runner as runtime_hooks

from lambda_bootstrap import ConfigurationError, SourceNotFoundError, loader, rds_auth, snapstart
from testsupport.account import FakeAccount
from testsupport.aws_proxy import AwsProxy

BUNDLE = "shop/prod/config"
VALUES = {"SECRET_KEY": "snapshot-secret-key-1", "ALLOWED_HOSTS": "shop.example.com", "HEALTH_TOKEN": "token-one-1"}


@pytest.fixture
def bundle_env(stage_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOOTSTRAP_SSM_PATH")
    monkeypatch.setenv("BOOTSTRAP_BUNDLE", "config")
    monkeypatch.setenv("BOOTSTRAP_REQUIRED", "SECRET_KEY,ALLOWED_HOSTS")


@pytest.fixture
def bundle(account: FakeAccount, bundle_env: None) -> FakeAccount:
    account.secret(BUNDLE, VALUES)
    return account


def rotate(secrets: Any, **changes: str) -> None:
    values = json.loads(secrets.get_secret_value(SecretId=BUNDLE)["SecretString"])
    secrets.put_secret_value(SecretId=BUNDLE, SecretString=json.dumps({**values, **changes}))


def test_an_init_lambda_does_not_snapshot_registers_nothing(bundle: FakeAccount, snapstart_init: None) -> None:
    os.environ.pop("AWS_LAMBDA_INITIALIZATION_TYPE")  # on-demand: the init serves this environment only
    loader.default().load()
    assert snapshot_restore_py.get_before_snapshot() == []
    assert snapshot_restore_py.get_after_restore() == []


def test_a_rotated_value_reaches_the_restored_environment(bundle: FakeAccount, snapstart_init: None) -> None:
    bootstrap = loader.default()
    bootstrap.load()
    seen: list[list[str]] = []
    snapstart.on_change(seen.append)
    runtime_hooks.run_before_snapshot()
    assert bootstrap.clients._clients == {}  # type: ignore[attr-defined]  # no client, pool or credential in the snapshot

    rotate(bundle.secrets, HEALTH_TOKEN="token-two-2")
    runtime_hooks.run_after_restore()

    assert os.environ["HEALTH_TOKEN"] == "token-two-2"
    assert seen == [["HEALTH_TOKEN"]]


def test_an_unchanged_configuration_rebuilds_nothing(bundle: FakeAccount, snapstart_init: None) -> None:
    loader.default().load()
    seen: list[list[str]] = []
    snapstart.on_change(seen.append)
    runtime_hooks.run_after_restore()
    assert seen == []


def test_a_change_nothing_can_apply_fails_the_restore(bundle: FakeAccount, snapstart_init: None) -> None:
    loader.default().load()
    rotate(bundle.secrets, SECRET_KEY="rotated-secret-key-2")
    with pytest.raises(ConfigurationError) as stopped:
        runtime_hooks.run_after_restore()
    assert stopped.value.keys == ("SECRET_KEY",)
    assert "roll the stage" in str(stopped.value)
    bundle.assert_nothing_leaked(str(stopped.value))


def test_a_restore_that_cannot_fetch_fails_closed_naming_the_secret(bundle: FakeAccount, snapstart_init: None) -> None:
    loader.default().load()
    bundle.secrets.delete_secret(SecretId=BUNDLE, ForceDeleteWithoutRecovery=True)
    with pytest.raises(SourceNotFoundError) as stopped:
        runtime_hooks.run_after_restore()
    assert f"secretsmanager:{BUNDLE}" in str(stopped.value)
    assert os.environ["HEALTH_TOKEN"] == VALUES["HEALTH_TOKEN"]  # nothing applied: Lambda discards the environment
    bundle.assert_nothing_leaked(str(stopped.value))


def test_a_required_key_gone_since_the_snapshot_fails_the_restore(bundle: FakeAccount, snapstart_init: None) -> None:
    loader.default().load()
    snapstart.on_change(lambda changed: None)
    values = dict(VALUES)
    del values["SECRET_KEY"]
    bundle.secrets.put_secret_value(SecretId=BUNDLE, SecretString=json.dumps(values))
    with pytest.raises(ConfigurationError) as stopped:
        runtime_hooks.run_after_restore()
    assert "SECRET_KEY" in str(stopped.value)


def test_iam_database_tokens_are_never_in_the_snapshot(
    bundle: FakeAccount, snapstart_init: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed: list[rds_auth.IamAuthTarget] = []
    sign = rds_auth._sign

    def counting(target: rds_auth.IamAuthTarget) -> str:
        signed.append(target)
        return sign(target)

    monkeypatch.setattr(rds_auth, "_sign", counting)
    loader.default().load()
    target = rds_auth.IamAuthTarget("app.cluster-abc.eu-west-1.rds.amazonaws.com", 5432, "app_user", "eu-west-1")
    rds_auth.auth_token(target)
    runtime_hooks.run_before_snapshot()
    runtime_hooks.run_after_restore()
    rds_auth.auth_token(target)
    assert signed == [target, target]  # minted again in the restored environment, not reused from the snapshot


# --- several environments restored from one snapshot: one initialised process, forked ---


def _socket_inodes() -> set[int]:
    """The sockets this process holds open, by inode (a forked child shares its parent's)."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        target = os.readlink(fd) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:[") : -1]))
    return inodes


def _in_restored_environments(parent_random: Any, restore: Callable[[], None], count: int = 3) -> list[dict[str, Any]]:
    """Fork ``count`` children from this process; each restores, draws, fetches, and reports what it used."""
    results = []
    for _ in range(count):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the restored environment
            os.close(read_end)
            try:
                report = _restored_environment(parent_random, restore)
            except BaseException:
                report = {"error": traceback.format_exc()}
            finally:
                os.write(write_end, json.dumps(report).encode())
                os._exit(0)
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            report = json.loads(pipe.read())
        os.waitpid(pid, 0)
        assert "error" not in report, report["error"]
        results.append(report)
    return results


def _restored_environment(parent_random: Any, restore: Callable[[], None]) -> dict[str, Any]:
    random.setstate(parent_random)  # a snapshot's memory: the same state in every environment
    used: set[int] = set()
    sendall = socket.socket.sendall

    def recording(self: socket.socket, *args: Any, **kwargs: Any) -> Any:
        used.add(os.fstat(self.fileno()).st_ino)
        return sendall(self, *args, **kwargs)

    socket.socket.sendall = recording  # type: ignore[method-assign,assignment]
    restore()
    draws = [random.random() for _ in range(4)]
    loader.default().refresh("HEALTH_TOKEN", max_age=0)  # a call of the restored environment
    return {"draws": draws, "used": sorted(used), "token": os.environ.get("HEALTH_TOKEN")}


@pytest.fixture
def served_bundle(moto_endpoint: str, bundle_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The bundle behind a keep-alive endpoint (moto's own server closes every connection; AWS keeps them)."""
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name=BUNDLE, SecretString=json.dumps(VALUES))
    with AwsProxy(moto_endpoint) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        yield secrets


def test_without_the_hooks_every_environment_shares_the_snapshot(served_bundle: Any) -> None:
    """The hazard the hooks exist for, shown by the same model: one random stream, the parent's socket reused."""
    loader.default().load()
    inherited = _socket_inodes()
    children = _in_restored_environments(random.getstate(), restore=lambda: None)
    assert len({json.dumps(child["draws"]) for child in children}) == 1
    assert all(set(child["used"]) & inherited for child in children)


def test_environments_restored_from_one_snapshot_draw_apart_and_share_no_socket(
    served_bundle: Any, snapstart_init: None
) -> None:
    loader.default().load()
    snapstart.on_change(lambda changed: None)
    runtime_hooks.run_before_snapshot()
    rotate(served_bundle, HEALTH_TOKEN="token-two-2")
    inherited = _socket_inodes()

    children = _in_restored_environments(random.getstate(), restore=runtime_hooks.run_after_restore)

    assert len({json.dumps(child["draws"]) for child in children}) == len(children)
    for child in children:
        assert child["used"], "the child made its own call"
        assert not set(child["used"]) & inherited
        assert child["token"] == "token-two-2"
