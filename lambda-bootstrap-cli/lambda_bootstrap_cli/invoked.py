"""Which qualifier of a stage's function its traffic reaches: ``$LATEST``, an alias, or a version.

A roll that changes ``$LATEST`` while API Gateway invokes an alias changes
nothing anyone sees: a SnapStart stage is invoked through Zappa's ``snapstart``
alias, provisioned concurrency through ``provisioned-concurrency``, and any
stage through ``apigateway_lambda_qualifier`` or an alias wired by hand.
So the qualifiers are read from what is deployed, in this order:

1. ``--qualifier`` (a team whose traffic arrives some other way names it);
2. the stage's REST API (Zappa's: named after the function): the function
   ARN in each method's integration URI, qualifier included;
3. without a REST API (``apigateway_enabled: false``, an HTTP API, a load
   balancer), the qualifier Zappa would wire from the stage's settings.

``$LATEST`` is always rolled as well: scheduled events, keep-warm and
``zappa manage``/``invoke`` call the bare function name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .aws import Aws
from .stage import Stage

__all__ = ["LATEST", "Invoked", "invoked_qualifiers"]

LATEST = "$LATEST"
SNAPSTART_ALIAS = "snapstart"  # Zappa's names (zappa/core.py) for the aliases it manages
PROVISIONED_CONCURRENCY_ALIAS = "provisioned-concurrency"
_INTEGRATION = re.compile(r":function:(?P<name>[^:/]+)(?::(?P<qualifier>[^:/]+))?/invocations$")


@dataclass(frozen=True)
class Invoked:
    """The qualifiers the stage's traffic reaches (``$LATEST`` included), and how they were found."""

    qualifiers: tuple[str, ...]
    found_by: str


def invoked_qualifiers(stage: Stage, aws: Aws, explicit: str | None = None) -> Invoked:
    if explicit:
        return Invoked(_with_latest({explicit}), "--qualifier")
    from_api = _rest_api_qualifiers(stage, aws)
    if from_api is not None:
        return Invoked(_with_latest(from_api), f"REST API {stage.function_name}'s integrations")
    configured = _configured_qualifier(stage.config)
    return Invoked(_with_latest({configured} if configured else set()), "the stage's settings (no REST API found)")


def _with_latest(qualifiers: set[str]) -> tuple[str, ...]:
    return (LATEST, *sorted(qualifiers - {LATEST}))


def _configured_qualifier(config: dict[str, Any]) -> str | None:
    """The qualifier Zappa wires API Gateway to (zappa/cli.py, load_settings), from a stage's settings."""
    explicit = config.get("apigateway_lambda_qualifier")
    if isinstance(explicit, str) and explicit:
        return explicit
    if str(config.get("snap_start") or "None") != "None":
        return SNAPSTART_ALIAS
    if config.get("provisioned_concurrency") is not None:
        return PROVISIONED_CONCURRENCY_ALIAS
    return None


def _rest_api_qualifiers(stage: Stage, aws: Aws) -> set[str] | None:
    """The qualifiers in the integrations of the REST API named after the function; None if there is none."""
    client = aws.client("apigateway")
    name = stage.function_name

    def apis() -> list[dict[str, Any]]:
        return [api for page in client.get_paginator("get_rest_apis").paginate() for api in page.get("items", [])]

    every = aws.call(apis, resource="API Gateway REST APIs", action="apigateway:GET")
    found = [api for api in every if api.get("name") == name]
    if not found:
        return None
    qualifiers: set[str] = set()
    for api in found:

        def resources(api_id: str = api["id"]) -> list[dict[str, Any]]:
            pages = client.get_paginator("get_resources").paginate(restApiId=api_id, embed=["methods"])
            return [item for page in pages for item in page.get("items", [])]

        for resource in aws.call(resources, resource=f"REST API {name}", action="apigateway:GET"):
            for method in (resource.get("resourceMethods") or {}).values():
                uri = str((method.get("methodIntegration") or {}).get("uri") or "")
                match = _INTEGRATION.search(uri)
                if match and match["name"] == name:
                    qualifiers.add(match["qualifier"] or LATEST)
    return qualifiers
