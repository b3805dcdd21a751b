"""``init <stage>``: set a Zappa stage up for the bootstrap, in its zappa_settings.json and a policy file.

It adds, to the stage's own object in zappa_settings.json:

- the pointers the cold start reads, in ``environment_variables`` (default: the
  bundle ``BOOTSTRAP_BUNDLE=config``, that is ``<project>/<stage>/config``;
  ``--secrets``, ``--required`` and ``--reserved`` add the others);
- ``lambda_bootstrap.schema`` when ``--schema package.module:Keys`` names the
  project's declared keys;
- ``attach_policy``, naming a policy file it writes (``deploy/iam/<stage>.json``
  unless the stage already names one): the least privilege of ``policy``.

What is already set is kept; running it again changes nothing. It edits only
what it can edit safely: a stage that inherits ``environment_variables``
through ``extends`` would lose the parent's variables if it got its own (Zappa
merges stages shallowly), and a YAML or TOML settings file is not rewritten;
then it prints exactly what to paste where, and exits 1. ``--dry-run`` prints
the changes and writes nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from lambda_bootstrap import settings as pointers
from lambda_bootstrap.settings import read_settings

from ..console import Console
from ..policy import policy_text
from ..stage import TOOL_OPTIONS, Stage, lambda_environment, load_stage
from .shared import Commands

__all__ = ["init", "register"]

DEFAULT_BUNDLE = "config"
POLICY_FOLDER = "deploy/iam"


def register(commands: Commands, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "init", parents=[common], help="add the bootstrap's pointers, schema and policy file to a Zappa stage"
    )
    parser.add_argument(
        "--bundle", default=DEFAULT_BUNDLE, metavar="NAME", help=f"the bundle secret (default: {DEFAULT_BUNDLE})"
    )
    parser.add_argument("--secrets", metavar="NAME[,NAME]", help="more secrets (BOOTSTRAP_SECRETS), e.g. database")
    parser.add_argument("--required", metavar="KEY[,KEY]", help="keys a cold start must find (BOOTSTRAP_REQUIRED)")
    parser.add_argument(
        "--reserved", metavar="KEY[,KEY]", help="keys only zappa_settings.json may set (BOOTSTRAP_RESERVED)"
    )
    parser.add_argument("--schema", metavar="MODULE:CLASS", help="the project's declared keys, e.g. app.schema:Keys")
    parser.add_argument("--account", default="*", help="the AWS account id for the policy's ARNs (default: *)")
    parser.add_argument("--dry-run", action="store_true", help="print the changes; write nothing")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, console: Console) -> int:
    wanted = {pointers.BUNDLE: args.bundle}
    for name, value in ((pointers.SECRETS, args.secrets), (pointers.REQUIRED, args.required)):
        if value:
            wanted[name] = value
    if args.reserved:
        wanted[pointers.RESERVED] = args.reserved
    return init(
        args.stage,
        wanted,
        schema=args.schema,
        account=args.account,
        dry_run=args.dry_run,
        settings_file=args.settings,
        console=console,
    )


def init(
    stage_name: str,
    wanted: dict[str, str],
    *,
    schema: str | None = None,
    account: str = "*",
    dry_run: bool = False,
    settings_file: str | None = None,
    console: Console,
) -> int:
    stage = load_stage(stage_name, settings_file, need_source=False)
    file = stage.settings_file
    text = file.read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text) if file.suffix == ".json" else {}
    own: dict[str, Any] = document.get(stage_name, {})
    changes: list[str] = []
    paste: list[str] = []

    inherited = "environment_variables" not in own and bool(stage.config.get("environment_variables"))
    declared = stage.bootstrap.configured
    missing = {} if declared else dict(wanted)
    if declared:
        console.say(f"  {stage_name}: already declares its sources ({', '.join(stage.bootstrap.source_labels)}): kept")
    if missing:
        if inherited or file.suffix != ".json":
            paste.append(f'"environment_variables" of stage "{stage_name}": add {json.dumps(missing)}')
        else:
            own.setdefault("environment_variables", {}).update(missing)
            changes.append(f"environment_variables: + {', '.join(f'{k}={v}' for k, v in missing.items())}")
    if schema and stage.options.get("schema") != schema:
        if file.suffix != ".json" or (TOOL_OPTIONS not in own and stage.config.get(TOOL_OPTIONS)):
            paste.append(f'"{TOOL_OPTIONS}" of stage "{stage_name}": set "schema": "{schema}"')
        else:
            own.setdefault(TOOL_OPTIONS, {})["schema"] = schema
            changes.append(f"{TOOL_OPTIONS}.schema = {schema}")

    policy_file, policy_change = _policy_file(stage, own, file)
    if policy_change is not None:
        if file.suffix == ".json":
            own["attach_policy"] = policy_change
            changes.append(f"attach_policy = {policy_change}")
        else:
            paste.append(f'stage "{stage_name}": set "attach_policy": "{policy_change}"')

    planned = _stage_after(stage, own) if file.suffix == ".json" else stage
    document_policy = policy_text(planned, account) if planned.bootstrap.configured else None
    for line in changes:
        console.say(f"  {file.name}: {line}")
    if document_policy is not None and policy_file is not None:
        shown = policy_file.relative_to(stage.root) if policy_file.is_relative_to(stage.root) else policy_file
        console.say(f"  {shown}: the stage's least-privilege policy (lambda-bootstrap policy)")
    if dry_run:
        console.say("dry run: nothing written")
    else:
        if changes:
            file.write_text(_dumps(document, text), encoding="utf-8")
        if document_policy is not None and policy_file is not None:
            policy_file.parent.mkdir(parents=True, exist_ok=True)
            policy_file.write_text(document_policy, encoding="utf-8")
    if paste:
        console.note(f"not edited (it cannot be done safely here); paste into {file}:")
        for line in paste:
            console.note(f"  {line}")
        if inherited:
            console.note(
                f"  (stage {stage_name!r} inherits environment_variables through extends; Zappa merges shallowly, "
                "so put the pointers where they are inherited from, or copy the inherited ones too)"
            )
        return 1
    console.say(
        f"next: lambda-bootstrap push {stage_name} --from .env.{stage_name}, then lambda-bootstrap check {stage_name}"
    )
    return 0


def _policy_file(stage: Stage, own: dict[str, Any], file: Path) -> tuple[Path | None, str | None]:
    """Where the policy goes, and the ``attach_policy`` to set (None: already set, or Zappa does not manage it)."""
    if stage.config.get("manage_roles", True) is False:
        return None, None  # role_arn's role: `lambda-bootstrap policy` prints what to attach to it
    current = stage.config.get("attach_policy")
    if current:
        return stage.path(str(current)), None
    relative = f"{POLICY_FOLDER}/{stage.name}.json"
    return stage.root / relative, relative


def _stage_after(stage: Stage, own: dict[str, Any]) -> Stage:
    """The stage as it reads once ``own`` (its object in the file) is written."""
    config = {**stage.config, **own}
    return dataclasses.replace(
        stage, config=config, bootstrap=read_settings(lambda_environment(config, stage.project_name, stage.name))
    )


def _dumps(document: dict[str, Any], original: str) -> str:
    """JSON in the file's own indentation (2 or 4 spaces, or tabs), ending as it did."""
    match = re.search(r"\n([ \t]+)\S", original)
    indent: str | int = match.group(1) if match else 4
    text = json.dumps(document, indent=indent, ensure_ascii=False)
    return text + "\n" if original.endswith("\n") else text
