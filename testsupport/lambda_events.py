"""Events as Lambda delivers them to Zappa's handler: API Gateway REST (v1) proxy, manage, schedules.

Shapes follow what API Gateway and EventBridge send (see ../shared/NOTES.md);
a Host ending in amazonaws.com makes Zappa put ``/<stage>`` in SCRIPT_NAME, as
on a real deployment without a custom domain.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

__all__ = ["ACCOUNT_ID", "API_HOST", "api_gateway_event", "keep_warm_event", "manage_event", "scheduled_event"]

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
API_ID = "abc123defg"
API_HOST = f"{API_ID}.execute-api.{REGION}.amazonaws.com"


def api_gateway_event(
    method: str,
    path: str,
    *,
    stage: str,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST API proxy-integration event (``/{proxy+}``) for ``method path``."""
    all_headers = {
        "Accept": "application/json",
        "CloudFront-Forwarded-Proto": "https",
        "Host": API_HOST,
        "User-Agent": "pytest-e2e/1.0",
        "X-Amzn-Trace-Id": f"Root=1-{int(time.time()):x}-{uuid.uuid4().hex[:24]}",
        "X-Forwarded-For": "203.0.113.7, 130.176.0.1",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
        **(headers or {}),
    }
    request_id = str(uuid.uuid4())
    now = time.time()
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourceId": "a1b2c3",
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "extendedRequestId": uuid.uuid4().hex[:16],
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "path": f"/{stage}{path}",
            "accountId": ACCOUNT_ID,
            "protocol": "HTTP/1.1",
            "stage": stage,
            "domainPrefix": API_ID,
            "requestTimeEpoch": int(now * 1000),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": "203.0.113.7",
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": all_headers["User-Agent"],
                "user": None,
            },
            "domainName": API_HOST,
            "apiId": API_ID,
        },
        "body": body,
        "isBase64Encoded": False,
    }


def manage_event(command: str) -> dict[str, str]:
    """What ``zappa manage <stage> "<command>"`` sends: split on spaces, then ``call_command``."""
    return {"manage": command}


def scheduled_event(rule_name: str) -> dict[str, Any]:
    """An EventBridge schedule firing rule ``rule_name``; Zappa takes the text after its last ``-``."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{rule_name}"],
        "detail": {},
    }


def keep_warm_event(project: str, stage: str) -> dict[str, Any]:
    """The keep-warm ping Zappa schedules when ``keep_warm`` is on."""
    return scheduled_event(f"{project}-{stage}-zappa-keep-warm-handler.keep_warm_callback")
