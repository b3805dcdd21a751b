"""clients.py: an https client loads its CA bundle once, whatever the number of connections; it still verifies."""

from __future__ import annotations

import boto3
import certifi
import pytest
from botocore.exceptions import SSLError

from lambda_bootstrap.clients import Clients
from lambda_bootstrap.loader import Bootstrap
from testsupport.aws_proxy import AwsProxy

SECRETS = ("app/s0", "app/s1", "app/s2")


def _seed(moto_endpoint: str) -> None:
    secrets = boto3.client("secretsmanager", endpoint_url=moto_endpoint)
    secrets.create_secret(Name="app/bundle", SecretString='{"A": "1"}')
    for number, secret_id in enumerate(SECRETS):
        secrets.create_secret(Name=secret_id, SecretString=f"value-{number}")


def test_a_load_over_https_loads_the_ca_bundle_once_for_all_its_connections(
    moto_endpoint: str, tls_proxy: AwsProxy, bundle_loads: list[object]
) -> None:
    _seed(moto_endpoint)
    environ = {
        "BOOTSTRAP_BUNDLE": "app/bundle",
        "BOOTSTRAP_SECRETS": ",".join(f"S{n}={secret_id}" for n, secret_id in enumerate(SECRETS)),
    }
    report = Bootstrap(Clients(), environ=environ).load()
    assert report.aws_calls == 4
    assert (environ["A"], environ["S0"], environ["S2"]) == ("1", "value-0", "value-2")
    assert tls_proxy.stats.connections >= 2  # the calls ran together, each on a connection of its own
    assert bundle_loads == [tls_proxy.ca_bundle]


def test_a_certificate_outside_the_bundle_is_still_refused(
    moto_endpoint: str, tls_proxy: AwsProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(moto_endpoint)
    monkeypatch.setenv("AWS_CA_BUNDLE", certifi.where())  # the public roots only: the proxy's certificate is not there
    client = Clients()("secretsmanager")
    for _ in range(2):  # the connection that found the bundle loaded, and the next one
        with pytest.raises(SSLError, match="CERTIFICATE_VERIFY_FAILED"):
            client.get_secret_value(SecretId=SECRETS[0])


def test_a_plain_http_client_loads_no_bundle(moto_endpoint: str, bundle_loads: list[object]) -> None:
    _seed(moto_endpoint)
    Clients()("secretsmanager").get_secret_value(SecretId=SECRETS[0])
    assert bundle_loads == []
