"""Where moto 5.2.5 answers what AWS never would, the answer AWS gives, in the test process only.

Each bridge covers one operation and one moto answer; anything else still raises.

- ``zappa update`` always calls ``Zappa.delete_lambda_function_url``, which lists
  the function's URL configs; moto has no ListFunctionUrlConfigs route and
  answers 404. AWS answers an empty list for a function with no URL, so a 404 on
  that one operation is read as "no function URL".
- moto has no provisioned-concurrency routes (GetProvisionedConcurrencyConfig
  answers 404 "Not yet implemented"). AWS answers
  ProvisionedConcurrencyConfigNotFoundException for a qualifier without any,
  and the config for one with some: :class:`ProvisionedConcurrency` answers
  both, from what the test provisions. Only the read is bridged: nothing here
  pretends to provision anything.
"""

from __future__ import annotations

from typing import Any

import pytest

__all__ = ["ProvisionedConcurrency", "tolerate_moto_missing_function_url_api"]


def tolerate_moto_missing_function_url_api(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError
    from zappa.core import Zappa

    original = Zappa.delete_lambda_function_url

    def delete_lambda_function_url(self: Zappa, function_name: str) -> Any:
        try:
            return original(self, function_name)
        except ClientError as exc:
            not_routed = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404
            if exc.operation_name == "ListFunctionUrlConfigs" and not_routed:
                return None
            raise

    monkeypatch.setattr(Zappa, "delete_lambda_function_url", delete_lambda_function_url)


class ProvisionedConcurrency:
    """AWS's answers to GetProvisionedConcurrencyConfig, by (function, qualifier); none provisioned by default."""

    OPERATION = "GetProvisionedConcurrencyConfig"

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from botocore.client import BaseClient

        self.provisioned: dict[tuple[str, str], int] = {}
        self.bridged = True  # False: moto's own answer (a 404 that is no AWS error), as its server gives it
        original = BaseClient._make_api_call

        def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            if operation != self.OPERATION or not self.bridged:
                return original(client, operation, params)
            return self._answer(params["FunctionName"], params["Qualifier"])

        monkeypatch.setattr(BaseClient, "_make_api_call", make_api_call)

    def _answer(self, function: str, qualifier: str) -> dict[str, Any]:
        from botocore.exceptions import ClientError

        count = self.provisioned.get((function, qualifier))
        if count is None:
            error = {
                "Code": "ProvisionedConcurrencyConfigNotFoundException",
                "Message": "No Provisioned Concurrency Config found for this function",
            }
            raise ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": 404}}, self.OPERATION)
        return {
            "RequestedProvisionedConcurrentExecutions": count,
            "AllocatedProvisionedConcurrentExecutions": count,
            "Status": "READY",
        }
