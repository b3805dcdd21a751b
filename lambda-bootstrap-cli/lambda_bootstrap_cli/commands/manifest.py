"""``manifest <stage>``: the JSON list of parameter names under the stage's path.

For ``BOOTSTRAP_SSM_MANIFEST``: with the names known in advance the cold start
fetches them with concurrent ``GetParameters`` calls instead of sequential
``GetParametersByPath`` pages. Names are not secret; values are read only
because ``GetParametersByPath`` returns them, and are dropped at once.
Written to ``--output``, else to the stage's ``BOOTSTRAP_SSM_MANIFEST`` file,
else to stdout (``--output -`` forces stdout).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..aws import Aws
from ..console import Console
from ..errors import ToolError
from ..stage import load_stage
from .shared import Commands

__all__ = ["manifest", "register"]


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("manifest", parents=[common], help="write the stage's SSM parameter names")
    parser.add_argument("--output", metavar="PATH", help="file to write ('-': stdout; default: BOOTSTRAP_SSM_MANIFEST)")
    parser.set_defaults(
        run=lambda args, console: manifest(args.stage, output=args.output, settings_file=args.settings, console=console)
    )


def manifest(stage_name: str, *, output: str | None = None, settings_file: str | None = None, console: Console) -> int:
    stage = load_stage(stage_name, settings_file)
    path = stage.bootstrap.ssm_path
    if path is None:
        raise ToolError(f"stage {stage.name!r} has no BOOTSTRAP_SSM_PATH: there is nothing to list")
    parameters = Aws(stage.region, stage.bootstrap.max_attempts).ssm_parameters(path)
    if not parameters:
        raise ToolError(f"no parameters under ssm:{path}: push them first (an empty manifest cannot load)")
    names = sorted(p.name[len(path) :] for p in parameters.values())
    text = json.dumps(names, indent=2) + "\n"
    destination = output or stage.bootstrap.ssm_manifest or "-"
    if destination == "-":
        console.out.write(text)
        return 0
    # --output is relative to where the command runs; the setting, like at cold start, to the project folder.
    file = Path(output) if output is not None else stage.path(destination)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text, encoding="utf-8")
    console.note(f"wrote {len(names)} name(s) under ssm:{path} to {file}")
    return 0
