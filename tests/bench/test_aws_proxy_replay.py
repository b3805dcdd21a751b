"""testsupport/aws_proxy.py's ``replay``: a request seen before is answered from memory, errors never are."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from testsupport.aws_proxy import AwsProxy


def _value(endpoint: str, name: str) -> str:
    return boto3.client("ssm", endpoint_url=endpoint).get_parameter(Name=name)["Parameter"]["Value"]


def test_replay_answers_a_repeated_request_without_asking_moto(moto_endpoint: str) -> None:
    moto = boto3.client("ssm", endpoint_url=moto_endpoint)
    moto.put_parameter(Name="/r/x", Value="first", Type="String")
    with AwsProxy(moto_endpoint, replay=True) as replaying, AwsProxy(moto_endpoint) as plain:
        assert _value(replaying.url, "/r/x") == "first"
        moto.put_parameter(Name="/r/x", Value="second", Type="String", Overwrite=True)
        assert _value(replaying.url, "/r/x") == "first"  # moto was not asked again
        assert _value(plain.url, "/r/x") == "second"
        assert replaying.stats.requests["AmazonSSM.GetParameter"] == 2  # both still counted


def test_replay_never_keeps_an_error(moto_endpoint: str) -> None:
    with AwsProxy(moto_endpoint, replay=True) as proxy:
        with pytest.raises(ClientError, match="ParameterNotFound"):
            _value(proxy.url, "/r/later")
        boto3.client("ssm", endpoint_url=moto_endpoint).put_parameter(Name="/r/later", Value="now", Type="String")
        assert _value(proxy.url, "/r/later") == "now"
