"""``diff <stage> --against .env.<stage>``: which keys differ between a file and AWS, by name.

Exit status 1 when anything differs (added, changed or only in AWS), 0 when
equal: usable as a CI gate before ``zappa update``.
"""

from __future__ import annotations

from .aws import Aws
from .console import Console
from .dotenv import read_dotenv
from .plan import compare
from .stage import load_stage
from .target import choose_target

__all__ = ["diff"]


def diff(
    stage_name: str,
    dotenv: str,
    *,
    secret: str | None = None,
    ssm: bool = False,
    settings_file: str | None = None,
    console: Console,
) -> int:
    stage = load_stage(stage_name, settings_file)
    target = choose_target(stage, secret, ssm)
    desired = target.desired(read_dotenv(dotenv), dotenv)
    plan = compare(target.label, target.current(Aws(stage.region, stage.bootstrap.max_attempts)), desired)
    for line in plan.lines(dotenv, prune=None):
        console.say(line)
    return 1 if plan.differs else 0
