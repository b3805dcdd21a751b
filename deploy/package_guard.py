"""Refuse to package a file git does not track: a local secret must never ride along in the zip.

Zappa zips the project folder minus its ``exclude`` patterns: a block list. A
file an operator leaves in the folder (``.env~``, ``.envrc``, ``prod.env``,
``secrets.json.bak``, ``.aws/credentials``) is packaged, and uploaded, unless a
pattern happens to name it. This guard turns the block list into an allow
list for the project's own files: before Zappa zips, every file in the folder
that git does not track (untracked or ignored) must be excluded by a pattern
of ``zappa_settings.json`` or of Zappa itself, or packaging stops, naming the
files (names only; their contents are never read).

Outside a git checkout (a copy of the project, as the tests make) there is
nothing to compare with: the guard says so and lets the build go on. In a
checkout where git will not answer (another user's files: "dubious
ownership"), it stops: it cannot prove the package holds nothing local. Only
the patterns every stage excludes count, as the guard cannot know which stage
Zappa is packaging.
"""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["UntrackedFilesError", "refuse_untracked_files", "untracked_packaged_files"]

SHOWN = 20


class UntrackedFilesError(SystemExit):
    """Raised from Zappa's prebuild step: Zappa stops, and nothing is packaged or uploaded."""


def refuse_untracked_files(folder: Path | None = None) -> None:
    folder = folder or Path.cwd()
    found = untracked_packaged_files(folder)
    if found is None:
        print("package guard: not a git checkout, so untracked files cannot be told apart; skipped", file=sys.stderr)
        return
    if found:
        listed = ", ".join(found[:SHOWN]) + (f" and {len(found) - SHOWN} more" if len(found) > SHOWN else "")
        raise UntrackedFilesError(
            f"refusing to package: {len(found)} file(s) git does not track would go into the zip: {listed}. "
            "Delete them, or add a pattern for them to `exclude` in zappa_settings.json"
        )


def untracked_packaged_files(folder: Path) -> list[str] | None:
    """Files git does not track that Zappa would zip; None outside a git checkout."""
    if not (folder / ".git").exists():
        return None
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--others"],  # noqa: S607 - git from PATH, as Zappa's users run it
            cwd=folder,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        said = (getattr(exc, "stderr", b"") or b"").decode("utf-8", "replace").strip().splitlines()
        raise UntrackedFilesError(
            "refusing to package: this is a git checkout but git cannot list its untracked files "
            f"({said[0] if said else type(exc).__name__}), so nothing proves the package holds no local file"
        ) from None
    patterns = _exclude_patterns(folder)
    paths = [p for p in listing.decode("utf-8", "surrogateescape").split("\0") if p]
    return sorted(p for p in paths if not _excluded(p, patterns) and not _bytecode(p))


def _exclude_patterns(folder: Path) -> list[str]:
    """Zappa's own patterns, and those that every stage (its ``extends`` resolved by Zappa itself) excludes."""
    from zappa.cli import ZappaCLI
    from zappa.core import ZIP_EXCLUDES

    try:
        stages = json.loads((folder / "zappa_settings.json").read_text(encoding="utf-8"))
        excludes = [set(map(str, _stage_config(ZappaCLI, stages, name).get("exclude") or ())) for name in stages]
    except Exception:  # no readable settings (Zappa itself will say why): Zappa's own patterns only
        excludes = []
    common = set.intersection(*excludes) if excludes else set()
    return [*ZIP_EXCLUDES, *sorted(common)]


def _stage_config(cli_class: Any, stages: dict[str, Any], name: str) -> dict[str, Any]:
    """A stage's settings with ``extends`` resolved by Zappa's own code (ZappaCLI.stage_config)."""
    cli = cli_class()
    cli.zappa_settings, cli.api_stage = stages, name
    return dict(cli.stage_config)


def _bytecode(path: str) -> bool:
    """Python's own cache (prebuild compiles it on purpose, docs/packaging.md): generated, never a local secret."""
    parts = path.split("/")
    return len(parts) >= 2 and parts[-2] == "__pycache__" and parts[-1].endswith(".pyc")


def _excluded(path: str, patterns: Iterable[str]) -> bool:
    """As shutil.ignore_patterns, which Zappa uses: any part of the path matching any pattern."""
    parts = path.split("/")
    return any(fnmatch.fnmatch(part, pattern) for part in parts for pattern in patterns)
