"""The one place Zappa needs help to run against moto's server (a moto gap, not project behaviour).

``zappa update`` always calls ``Zappa.delete_lambda_function_url``, which lists
the function's URL configs; moto 5.2.5 has no ListFunctionUrlConfigs route and
answers 404. AWS answers an empty list for a function with no URL, so a 404 on
that one operation is read as "no function URL"; every other error still raises.
"""

from __future__ import annotations

from typing import Any

import pytest

__all__ = ["tolerate_moto_missing_function_url_api"]


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
