"""Zappa's ``prebuild_script``: ship bytecode that Lambda can actually use.

Zappa writes every file into the zip dated 1980-01-01, so a normal
(timestamp-checked) ``.pyc`` never matches its source on Lambda: Python
recompiles every module at every cold start, in memory, since the task root is
read-only. That cost about 0.7 s of every cold start (docs/packaging.md has the
measurement and its command). A *hash-checked* ``.pyc`` records a hash of its source
instead of a time, so it stays valid in the zip, and it is still safe: if a
source changes, Python sees the hash differ and compiles it afresh.

This compiles, in place, the virtualenv Zappa packages and the project's own
packages. Files whose ``.pyc`` is already hash-checked against the current
source are skipped, so a second ``zappa update`` costs about a second.
"""

from __future__ import annotations

import importlib.util
import os
import py_compile
import sys
from collections.abc import Iterator
from pathlib import Path

__all__ = ["compile_bytecode", "prebuild"]

PROJECT_PACKAGES = ("project", "lambda_bootstrap")
_CHECKED_HASH_FLAGS = 0b11  # PEP 552: hash-based, check_source


def prebuild() -> None:
    """Entry point named in zappa_settings.json: refuse stray local files, then compile the bytecode."""
    from deploy.package_guard import refuse_untracked_files

    refuse_untracked_files()
    compile_bytecode()


def compile_bytecode() -> None:
    """Runs in Zappa's CLI process, in the project folder."""
    roots = [*_site_packages(_packaged_venv()), *(Path.cwd() / name for name in PROJECT_PACKAGES)]
    compiled = checked = 0
    for source in _python_files(roots):
        checked += 1
        if not _is_current(source):
            py_compile.compile(str(source), doraise=True, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
            compiled += 1
    print(f"prebuild: {compiled} of {checked} modules compiled to hash-checked bytecode", file=sys.stderr)


def _packaged_venv() -> Path:
    """The virtualenv Zappa zips: it resolves it the same way (VIRTUAL_ENV first)."""
    from zappa.core import Zappa

    venv = Zappa.get_current_venv()
    return Path(venv if venv else sys.prefix)


def _site_packages(venv: Path) -> list[Path]:
    return sorted(p for p in venv.glob("lib*/python3*/site-packages") if p.is_dir())


def _python_files(roots: list[Path]) -> Iterator[Path]:
    for root in roots:
        for directory, subdirectories, files in os.walk(root):
            subdirectories[:] = [d for d in subdirectories if d != "__pycache__" and not d.startswith(".")]
            for name in files:
                if name.endswith(".py"):
                    yield Path(directory) / name


def _is_current(source: Path) -> bool:
    cached = Path(importlib.util.cache_from_source(str(source)))
    try:
        header = cached.open("rb").read(16)
    except OSError:
        return False
    if len(header) < 16 or header[:4] != importlib.util.MAGIC_NUMBER:
        return False
    if int.from_bytes(header[4:8], "little") != _CHECKED_HASH_FLAGS:
        return False
    return header[8:16] == importlib.util.source_hash(source.read_bytes())
