"""The stage's Lambda runtime on this machine: its Python, and AWS's runtime client built for it.

A packaged zip is run as Lambda runs it: by an interpreter of the stage's
runtime (``python3.13``), never by the test's own. ``bin/test`` finds one, or
provisions one (``bin/python3.13``), and passes it as ``LAMBDA_RUNTIME_PYTHON``;
the search here is deploy/runtime_package.py's own. The runtime interface
client (awslambdaric, a compiled extension) is installed for that runtime's
Python and architecture once per machine, beside the test virtualenv.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
from pathlib import Path

from deploy.runtime_package import Target, install_for, runtime_python

__all__ = ["RUNTIME", "runtime_client_directory", "the_runtime_python"]

ROOT = Path(__file__).resolve().parents[1]
_STAGE = json.loads((ROOT / "zappa_settings.json").read_text(encoding="utf-8"))["prod"]
RUNTIME = Target(_STAGE["runtime"], _STAGE.get("architecture", "x86_64"))


@functools.cache
def the_runtime_python() -> Path:
    """The interpreter of the stage's runtime (LAMBDA_RUNTIME_PYTHON, else found on this machine)."""
    return runtime_python(RUNTIME)


@functools.cache
def runtime_client_directory() -> Path:
    """awslambdaric (the version the tests pin) and its dependencies, as the runtime's wheels."""
    version = importlib.metadata.version("awslambdaric")
    folder = ROOT / ".venv" / "lambda-runtime" / f"{RUNTIME.runtime}-{RUNTIME.machine}-awslambdaric-{version}"
    done = folder / ".installed"
    if not done.is_file():
        installed = install_for(RUNTIME, [f"awslambdaric=={version}"], folder, dependencies=True)
        if installed.returncode != 0:
            raise RuntimeError(f"cannot install awslambdaric for {RUNTIME.runtime}: {installed.stderr[-1500:]}")
        done.write_text(version)
    return folder
