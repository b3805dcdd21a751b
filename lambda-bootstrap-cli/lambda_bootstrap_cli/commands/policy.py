"""``policy <stage> [--for lambda|ec2|ecs] [--trust]``: print the least-privilege policy of a stage's role.

The document is what ``attach_policy`` names (``init`` writes it there); it
says on stderr which grants are the bootstrap's and which the app's
(:mod:`..policy`). ``--for ec2`` (an instance profile's role; Elastic
Beanstalk's instances too) and ``--for ecs`` (a task role) read the same
sources through ``exec``, so they get the same read statements and no Lambda
log group. ``--trust`` prints the role's trust policy instead: who may assume it.
"""

from __future__ import annotations

import argparse
import json

from ..console import Console
from ..policy import HOSTS, stage_policy, trust_policy
from ..stage import load_stage
from .shared import Commands

__all__ = ["register"]


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("policy", parents=[common], help="print the stage's least-privilege IAM policy")
    parser.add_argument(
        "--account", default="*", type=_account, help="the 12-digit AWS account id to put in ARNs (default: *)"
    )
    parser.add_argument("--for", dest="host", choices=HOSTS, default="lambda", help="the role's host")
    parser.add_argument("--trust", action="store_true", help="print the role's trust policy instead")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    stage = load_stage(args.stage, args.settings)
    if args.trust:
        document = trust_policy(stage, args.host, args.account)
    else:
        document = stage_policy(stage, args.account, args.host)
        sids = [str(statement.get("Sid", "")) for statement in document["Statement"]]
        console.note(f"the bootstrap's grants: {', '.join(s for s in sids if s.startswith('Bootstrap')) or 'none'}")
        console.note(f"the function's own: {', '.join(s for s in sids if s.startswith('Function')) or 'none'}")
        app = [s for s in sids if s.startswith("App")]
        extra = len(stage.config.get("extra_permissions") or [])
        if extra:
            app.append(f"{extra} extra_permissions statement(s) (Zappa adds them at deploy; not repeated here)")
        console.note(f"the app's: {', '.join(app) or 'none'}")
    console.out.write(json.dumps(document, indent=4) + "\n")
    return 0


def _account(value: str) -> str:
    if value == "*" or (len(value) == 12 and value.isdigit()):
        return value
    raise argparse.ArgumentTypeError("an AWS account id is 12 digits (or * for any)")
