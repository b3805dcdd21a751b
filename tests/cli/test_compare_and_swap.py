"""Two writers at once on a secret: nothing is lost. A write becomes current only over the version it read;
otherwise it is re-applied on the other writer's version, judged again, or refused naming the keys both changed."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from lambda_bootstrap_cli.pending import PREFIX, STALE_AFTER
from testsupport.account import FakeAccount
from testsupport.clocks import FakeClock
from testsupport.secrets import put_current

from .conftest import Interleave
from .tooling import BUNDLE, bundle, bundle_text, labels, run, write_env

SECRET = "Sup3r-Secret-Value-1"
THEIRS = "https://their-sentry-value.example"
DATABASE = "shop/prod/database"


def holders(account: FakeAccount, label: str, secret_id: str = BUNDLE) -> list[str]:
    return [version for version, names in labels(account, secret_id).items() if label in names]


def assert_one_current_and_no_pending_label(account: FakeAccount, secret_id: str = BUNDLE) -> None:
    assert len(holders(account, "AWSCURRENT", secret_id)) == 1
    assert not [name for names in labels(account, secret_id).values() for name in names if name.startswith(PREFIX)]


def test_a_write_landing_after_the_read_is_kept_and_this_write_is_reapplied_on_it(
    bundle_project: Path, account: FakeAccount, before_call: Interleave, fake_clock: FakeClock
) -> None:
    """Two operators: A reads, B pushes in full, then A writes. B's key stays, A's lands: both exit 0."""
    account.secret(BUNDLE, {"SECRET_KEY": SECRET})
    mine = write_env(bundle_project, "ALLOWED_HOSTS=mine-hosts-value\n", ".env.a")
    theirs = write_env(bundle_project, f"SENTRY_URL={THEIRS}\n", ".env.b")
    second: dict[str, Any] = {}
    before_call("PutSecretValue", lambda: second.update(r=run("push", "prod", "--from", theirs, "--yes")))

    first = run("push", "prod", "--from", mine, "--yes")

    assert second["r"].code == 0, second["r"].text
    assert first.code == 0, first.text
    assert bundle(account) == {"SECRET_KEY": SECRET, "SENTRY_URL": THEIRS, "ALLOWED_HOSTS": "mine-hosts-value"}
    assert "another writer made version" in first.err and "(SENTRY_URL changed); re-applying" in first.err
    assert_one_current_and_no_pending_label(account)
    account.seeded_values += ["mine-hosts-value", THEIRS]
    account.assert_nothing_leaked(first.text, second["r"].text)


def test_the_same_key_changed_by_both_writers_is_refused_naming_it(
    bundle_project: Path, account: FakeAccount, before_call: Interleave, fake_clock: FakeClock
) -> None:
    account.secret(BUNDLE, {"SECRET_KEY": SECRET, "ALLOWED_HOSTS": "old-hosts-value"})
    mine = write_env(bundle_project, "ALLOWED_HOSTS=mine-hosts-value\nNEW_FLAG=mine-flag-value\n")
    before_call("UpdateSecretVersionStage", lambda: _behind(account, ALLOWED_HOSTS="their-hosts-value"))

    result = run("push", "prod", "--from", mine, "--yes")

    assert result.code == 4, result.text
    assert "CONCURRENT WRITE: " in result.err
    assert "changed the same key(s) differently: ALLOWED_HOSTS." in result.err
    assert "Nothing of this write became current" in result.err
    assert bundle(account) == {"SECRET_KEY": SECRET, "ALLOWED_HOSTS": "their-hosts-value"}  # not NEW_FLAG either
    assert_one_current_and_no_pending_label(account)
    account.seeded_values += ["old-hosts-value", "mine-hosts-value", "their-hosts-value", "mine-flag-value"]
    account.assert_nothing_leaked(result.text)


def test_another_writer_that_removed_a_key_this_write_changes_is_an_overlap_too(
    bundle_project: Path, account: FakeAccount, before_call: Interleave, fake_clock: FakeClock
) -> None:
    account.secret(BUNDLE, {"SECRET_KEY": SECRET, "FEATURE": "old-feature-value"})
    mine = write_env(bundle_project, "FEATURE=new-feature-value\n")
    before_call("PutSecretValue", lambda: run("unset", "prod", "FEATURE", "--yes"))
    result = run("push", "prod", "--from", mine, "--yes")
    assert result.code == 4, result.text
    assert "differently: FEATURE." in result.err
    assert bundle(account) == {"SECRET_KEY": SECRET}


def test_the_same_value_written_by_both_is_no_conflict(
    bundle_project: Path, account: FakeAccount, before_call: Interleave, fake_clock: FakeClock
) -> None:
    account.secret(BUNDLE, {"SECRET_KEY": SECRET})
    mine = write_env(bundle_project, "ALLOWED_HOSTS=same-hosts-value\n")
    before_call("PutSecretValue", lambda: _behind(account, ALLOWED_HOSTS="same-hosts-value"))
    result = run("push", "prod", "--from", mine, "--yes")
    assert result.code == 0, result.text
    assert "already holds this write" in result.err
    assert bundle(account) == {"SECRET_KEY": SECRET, "ALLOWED_HOSTS": "same-hosts-value"}


def test_a_write_reapplied_on_another_version_is_judged_again(
    bundle_project: Path, account: FakeAccount, before_call: Interleave, fake_clock: FakeClock
) -> None:
    """Fine on the version it read, past 64 KB on the version another writer made current: refused."""
    account.secret(BUNDLE, {"SECRET_KEY": SECRET})
    mine = write_env(bundle_project, "CERTIFICATE=" + "c" * 40_000 + "\n")
    before_call("PutSecretValue", lambda: _behind(account, OTHER_CERTIFICATE="o" * 40_000))
    result = run("push", "prod", "--from", mine, "--yes")
    assert result.code == 2, result.text
    assert "bytes of JSON after this write, past Secrets Manager's limit of 65,536 bytes" in result.err
    assert "which another writer made current meanwhile; nothing of this write became current" in result.err
    assert set(bundle(account)) == {"SECRET_KEY", "OTHER_CERTIFICATE"}
    assert_one_current_and_no_pending_label(account)


def test_two_pushes_creating_the_bundle_at_once_both_land(
    bundle_project: Path, account: FakeAccount, before_call: Interleave, fake_clock: FakeClock
) -> None:
    mine = write_env(bundle_project, "ALLOWED_HOSTS=mine-hosts-value\n", ".env.a")
    theirs = write_env(bundle_project, f"SECRET_KEY={SECRET}\n", ".env.b")
    second: dict[str, Any] = {}
    before_call("CreateSecret", lambda: second.update(r=run("push", "prod", "--from", theirs, "--yes")))
    first = run("push", "prod", "--from", mine, "--yes")
    assert second["r"].code == 0, second["r"].text
    assert first.code == 0, first.text
    assert "created by another writer since it was read; re-applying on it" in first.err
    assert bundle(account) == {"SECRET_KEY": SECRET, "ALLOWED_HOSTS": "mine-hosts-value"}
    assert_one_current_and_no_pending_label(account)


def test_a_rotation_of_the_database_secret_during_a_push_is_kept(
    bundle_project: Path, account: FakeAccount, before_call: Interleave, fake_clock: FakeClock
) -> None:
    fields = {"engine": "postgres", "host": "db-host-name", "port": 5432, "username": "app", "password": SECRET}
    account.secret(DATABASE, fields)
    rotated = {**fields, "password": "rotated-Pw-value-1"}
    before_call("PutSecretValue", lambda: put_current(account.secrets, DATABASE, json.dumps(rotated)))
    env = write_env(bundle_project, "host=new-db-host\n")
    result = run("push", "prod", "--from", env, "--secret", "database", "--yes")
    assert result.code == 0, result.text
    assert "(password changed); re-applying" in result.err
    assert bundle(account, DATABASE) == {**rotated, "host": "new-db-host"}
    assert_one_current_and_no_pending_label(account, DATABASE)
    account.seeded_values += ["rotated-Pw-value-1", "new-db-host"]
    account.assert_nothing_leaked(result.text)


def test_a_writer_that_keeps_losing_gives_up_at_its_deadline_with_nothing_current(
    bundle_project: Path, account: FakeAccount, before_call: Interleave, fake_clock: FakeClock
) -> None:
    account.secret(BUNDLE, {"SECRET_KEY": SECRET})
    counter = iter(range(1_000))
    before_call("PutSecretValue", lambda: _behind(account, **{f"OTHER_{next(counter)}": "other-value"}), times=None)
    env = write_env(bundle_project, "ALLOWED_HOSTS=mine-hosts-value\n")
    started = time.monotonic()
    result = run("push", "prod", "--from", env, "--yes", "--timeout", "2")
    assert result.code == 4, result.text
    assert "kept making new versions current until the deadline (2 s); nothing of this write became current" in (
        result.err
    )
    assert "ALLOWED_HOSTS" not in bundle(account)
    assert fake_clock.slept and sum(fake_clock.slept) <= 2  # jittered back-off on the command's clock
    assert time.monotonic() - started < 10  # and none of it slept for real
    assert_one_current_and_no_pending_label(account)


def test_pending_labels_a_dead_writer_left_are_cleared_and_no_other(
    bundle_project: Path, account: FakeAccount, fake_clock: FakeClock
) -> None:
    account.secret(BUNDLE, {"SECRET_KEY": SECRET})
    now = int(time.time())
    stale = f"{PREFIX}{now - int(STALE_AFTER) - 60}-deadbeef"
    fresh = f"{PREFIX}{now}-cafebabe"  # a writer still at work: not ours to touch
    for label in (stale, fresh, "AWSPENDING"):
        account.secrets.put_secret_value(
            SecretId=BUNDLE, SecretString="{}", ClientRequestToken=str(uuid.uuid4()), VersionStages=[label]
        )
    env = write_env(bundle_project, "ALLOWED_HOSTS=mine-hosts-value\n")
    result = run("push", "prod", "--from", env, "--yes")
    assert result.code == 0, result.text
    assert "removed 1 pending label(s) a write that did not finish left behind" in result.err
    left = [name for names in labels(account).values() for name in names]
    assert stale not in left and fresh in left and "AWSPENDING" in left
    assert sorted(left) == sorted(["AWSCURRENT", "AWSPREVIOUS", "AWSPENDING", fresh])
    assert bundle(account) == {"SECRET_KEY": SECRET, "ALLOWED_HOSTS": "mine-hosts-value"}


def test_a_write_never_moves_awscurrent_with_a_plain_put(
    bundle_project: Path, account: FakeAccount, aws_calls, fake_clock: FakeClock
) -> None:
    """The new version is put under a pending label; only the swap makes it current, and the label goes."""
    account.secret(BUNDLE, {"SECRET_KEY": SECRET})
    read = holders(account, "AWSCURRENT")[0]
    env = write_env(bundle_project, "ALLOWED_HOSTS=mine-hosts-value\n")
    assert run("push", "prod", "--from", env, "--yes").code == 0
    assert aws_calls.counts["PutSecretValue"] == 1 and aws_calls.counts["UpdateSecretVersionStage"] == 2
    assert holders(account, "AWSPREVIOUS") == [read]
    assert json.loads(bundle_text(account)) == {"SECRET_KEY": SECRET, "ALLOWED_HOSTS": "mine-hosts-value"}
    assert_one_current_and_no_pending_label(account)


def _behind(account: FakeAccount, **changes: str) -> None:
    """Another operator's write to the bundle, behind the tool's back, as the tool writes."""
    put_current(account.secrets, BUNDLE, json.dumps({**bundle(account), **changes}))
