"""Read the host examples the way their hosts do, and map their paths onto this checkout.

No Docker daemon, no systemd as PID 1 and no Elastic Beanstalk here: the tests
take the command each host would start, exactly as the committed file says it
(the Dockerfile's ENTRYPOINT + CMD, the unit's ExecStart, the Procfile's
``web:`` line), replace the host's paths (``/app``, ``/venv``,
``/opt/coldstart/...``) with this checkout and its virtualenv, and run it.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "ROOT",
    "VENV_BIN",
    "HostCommand",
    "docker_command",
    "dockerfile_instructions",
    "on_this_machine",
    "procfile_command",
    "systemd_command",
    "systemd_unit",
]

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # systemd's default for services


@dataclass
class HostCommand:
    argv: list[str]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)  # what the host file itself sets


def dockerfile_instructions(path: Path = ROOT / "Dockerfile") -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    return [(text.split(None, 1)[0].upper(), text.split(None, 1)[1]) for text in logical]


def docker_command(stage: str) -> HostCommand:
    """ENTRYPOINT + CMD of the final stage, run in WORKDIR with the image's ENV."""
    instructions = dockerfile_instructions()
    final = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    workdir, env, entrypoint, cmd = "/", {}, [], []
    for name, args in instructions[final:]:
        if name == "WORKDIR":
            workdir = args
        elif name == "ENV":
            for key, value in (item.split("=", 1) for item in shlex.split(args)):
                env[key] = value
        elif name == "ENTRYPOINT":
            entrypoint = json.loads(args)
        elif name == "CMD":
            cmd = json.loads(args)
    image_path = "/usr/local/bin:/usr/bin:/bin"  # python:3.11-slim's PATH
    env["PATH"] = env["PATH"].replace("/venv/bin", str(VENV_BIN)).replace("${PATH}", image_path)
    env["STAGE"] = stage  # docker run -e STAGE=prod
    argv = [_on_checkout(arg, workdir) for arg in entrypoint + cmd]
    return HostCommand(argv, Path(_on_checkout(workdir, workdir)), env)


def procfile_command(stage: str) -> HostCommand:
    """The ``web:`` process, run from the bundle's root with the platform's virtualenv on PATH."""
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    web = next(line.split(":", 1)[1] for line in lines if line.startswith("web:"))
    env = {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "STAGE": stage}  # STAGE: an environment property
    return HostCommand(shlex.split(web), ROOT, env)


def systemd_unit(path: Path = ROOT / "deploy/ec2/coldstart.service") -> dict[str, str]:
    """The unit's [Service] settings (one value per key: this unit sets each once)."""
    settings: dict[str, str] = {}
    section = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings[key] = value
    return settings


def on_this_machine(text: str) -> str:
    """The unit's /opt/coldstart paths, mapped onto this checkout and virtualenv."""
    return text.replace("/opt/coldstart/venv/bin", str(VENV_BIN)).replace("/opt/coldstart/app", str(ROOT))


def systemd_command(stage: str) -> HostCommand:
    """ExecStart with ``${STAGE}`` from the environment file, as systemd expands it (one word)."""
    unit = systemd_unit()
    argv = [re.sub(r"\$\{STAGE\}", stage, word) for word in shlex.split(on_this_machine(unit["ExecStart"]))]
    return HostCommand(argv, Path(on_this_machine(unit["WorkingDirectory"])), {"PATH": SYSTEMD_PATH, "STAGE": stage})


def _on_checkout(arg: str, workdir: str) -> str:
    """The image's WORKDIR (where ``COPY . .`` put the code) is this checkout."""
    return str(ROOT) + arg[len(workdir) :] if arg == workdir or arg.startswith(workdir + "/") else arg
