"""IAM database tokens: signed locally from the stage's host, port, user and region; reused, then renewed.

Two clocks are injected: botocore's signing time (the token's X-Amz-Date) and
the module's monotonic clock that decides when a cached token is too old.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from lambda_bootstrap import rds_auth
from lambda_bootstrap.errors import ConfigurationError
from lambda_bootstrap.rds_auth import IamAuthTarget, RdsEndpoint, auth_token, iam_auth_target, rds_endpoint
from testsupport.clocks import SigningClocks

HOST = "shop-db.c9akciq32xyz.us-east-1.rds.amazonaws.com"
PROXY = "shop-proxy.proxy-c9akciq32xyz.us-east-1.rds.amazonaws.com"
ENVIRON = {"AWS_REGION": "us-east-1"}


def parts(token: str) -> tuple[str, dict[str, str]]:
    url = urlsplit("https://" + token)
    return f"{url.hostname}:{url.port}", {k: v[0] for k, v in parse_qs(url.query).items()}


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        (HOST, RdsEndpoint("instance", "us-east-1")),
        (PROXY, RdsEndpoint("proxy", "us-east-1")),
        ("reader.endpoint.proxy-abc123.eu-west-1.rds.amazonaws.com", RdsEndpoint("proxy", "eu-west-1")),
        ("shop.cluster-abc123.eu-central-1.rds.amazonaws.com", RdsEndpoint("cluster", "eu-central-1")),
        ("shop.cluster-ro-abc123.eu-central-1.rds.amazonaws.com", RdsEndpoint("cluster", "eu-central-1")),
        ("shop.abc123.cn-north-1.rds.amazonaws.com.cn", RdsEndpoint("instance", "cn-north-1")),
        ("SHOP-DB.C9AKCIQ32XYZ.US-EAST-1.RDS.AMAZONAWS.COM.", RdsEndpoint("instance", "us-east-1")),
        ("127.0.0.1", None),
        ("localhost", None),
        ("db.internal.example", None),
        ("abc123.us-east-1.rds.amazonaws.com", None),  # no name label
        ("shop.abc123.us-east-1.rds.amazonaws.com.attacker.example", None),
        ("shop.abc123.not_a_region.rds.amazonaws.com", None),
        ("", None),
    ],
)
def test_endpoints_are_told_apart_by_their_name(host: str, expected: RdsEndpoint | None) -> None:
    assert rds_endpoint(host) == expected


def test_the_token_is_signed_locally_for_the_stage_host_port_user_and_region(clocks: SigningClocks, aws_calls) -> None:
    token = auth_token(iam_auth_target(PROXY, "5432", "app_user", ENVIRON))

    where, query = parts(token)
    assert where == f"{PROXY}:5432"
    assert query["Action"] == "connect"
    assert query["DBUser"] == "app_user"
    assert query["X-Amz-Credential"] == "testing/20261125/us-east-1/rds-db/aws4_request"
    assert query["X-Amz-Date"] == "20261125T120000Z"
    assert query["X-Amz-Expires"] == "900"
    assert len(query["X-Amz-Signature"]) == 64
    # boto3's own call, made independently, gives the same token: nothing hand-rolled.
    independent = boto3.client("rds", region_name="us-east-1").generate_db_auth_token(PROXY, 5432, "app_user")
    assert token == independent
    assert aws_calls.total == 0  # signing is local: no request leaves the process


def test_a_token_is_reused_inside_its_reuse_window_and_renewed_after(clocks: SigningClocks) -> None:
    target = iam_auth_target(HOST, 5432, "app_user", ENVIRON)
    first = auth_token(target)

    clocks.advance(rds_auth.TOKEN_REUSE - 1)
    assert auth_token(target) == first  # still at least 5 minutes from its 15-minute expiry

    clocks.advance(2)
    renewed = auth_token(target)
    assert renewed != first
    assert parts(renewed)[1]["X-Amz-Date"] == "20261125T121001Z"
    assert rds_auth.TOKEN_REUSE < rds_auth.TOKEN_LIFETIME


def test_another_user_port_or_host_gets_its_own_token(clocks: SigningClocks) -> None:
    tokens = {
        auth_token(iam_auth_target(HOST, 5432, "app_user", ENVIRON)),
        auth_token(iam_auth_target(HOST, 5432, "other_user", ENVIRON)),
        auth_token(iam_auth_target(HOST, 6432, "app_user", ENVIRON)),
        auth_token(iam_auth_target(PROXY, 5432, "app_user", ENVIRON)),
    }
    assert len(tokens) == 4


def test_neither_the_token_nor_its_signature_reaches_a_log_even_at_debug(
    clocks: SigningClocks, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        token = auth_token(iam_auth_target(HOST, 5432, "app_user", ENVIRON))
    signature = parts(token)[1]["X-Amz-Signature"]
    assert signature not in caplog.text
    assert "X-Amz-Credential" not in caplog.text  # botocore's canonical request is dropped too
    assert "app_user" not in repr(iam_auth_target(HOST, 5432, "app_user", ENVIRON))


@pytest.mark.parametrize(
    ("host", "environ", "names"),
    [
        (HOST, {}, ["DATABASE_IAM_AUTH", "AWS_REGION"]),
        (HOST, {"AWS_REGION": " "}, ["DATABASE_IAM_AUTH", "AWS_REGION"]),
        ("db.internal.example", ENVIRON, ["DATABASE_IAM_AUTH", "DATABASE_URL's host", "RDS Proxy"]),
        ("127.0.0.1", ENVIRON, ["DATABASE_URL's host"]),
        (HOST, {"AWS_REGION": "eu-west-1"}, ["DATABASE_URL's host", "another region than AWS_REGION"]),
    ],
)
def test_iam_auth_without_a_region_or_an_rds_host_names_the_key_never_the_value(
    host: str, environ: dict[str, str], names: list[str]
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        iam_auth_target(host, 5432, "app_user", environ)
    message = str(raised.value)
    for name in names:
        assert name in message
    for value in (host, "app_user", "c9akciq32xyz"):
        assert value not in message


def test_a_url_without_a_user_or_with_a_bad_port_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="names no user"):
        iam_auth_target(HOST, 5432, "", ENVIRON)
    with pytest.raises(ConfigurationError, match="port is not a number"):
        iam_auth_target(HOST, "five", "app_user", ENVIRON)
    assert iam_auth_target(HOST, None, "app_user", ENVIRON) == IamAuthTarget(HOST, 5432, "app_user", "us-east-1")
