"""testsupport/aws_proxy.py's ``throttle``: AWS's token buckets in front of moto, one per quota."""

from __future__ import annotations

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from testsupport.aws_proxy import AwsProxy
from testsupport.token_bucket import DEFAULT_QUOTAS

NO_RETRIES = Config(retries={"total_max_attempts": 1})


def _outcomes(calls: list[object]) -> list[str]:
    outcomes = []
    for call in calls:
        try:
            call()  # type: ignore[operator]
            outcomes.append("ok")
        except ClientError as error:
            outcomes.append(error.response["Error"]["Code"])
    return outcomes


def test_an_empty_bucket_answers_throttling_and_ssm_operations_share_one(moto_endpoint: str) -> None:
    boto3.client("ssm").put_parameter(Name="/t/a", Value="1", Type="String")
    quotas = DEFAULT_QUOTAS.scaled("SSM 3 TPS", ssm=3.0)
    with AwsProxy(moto_endpoint, throttle=quotas) as proxy:
        ssm = boto3.client("ssm", endpoint_url=proxy.url, config=NO_RETRIES)
        outcomes = _outcomes(
            [
                lambda: ssm.get_parameter(Name="/t/a"),
                lambda: ssm.get_parameters(Names=["/t/a"]),
                lambda: ssm.get_parameters_by_path(Path="/t/"),
                lambda: ssm.get_parameter(Name="/t/a"),
            ]
        )
        assert outcomes == ["ok", "ok", "ok", "ThrottlingException"]
        assert proxy.stats.throttled == {"AmazonSSM.GetParameter": 1}
        proxy.reset_buckets()
        assert _outcomes([lambda: ssm.get_parameter(Name="/t/a")]) == ["ok"]


def test_another_service_draws_from_its_own_bucket(moto_endpoint: str) -> None:
    boto3.client("secretsmanager").create_secret(Name="t/s", SecretString="x")
    quotas = DEFAULT_QUOTAS.scaled("SSM 1 TPS", ssm=1.0)
    with AwsProxy(moto_endpoint, throttle=quotas) as proxy:
        ssm = boto3.client("ssm", endpoint_url=proxy.url, config=NO_RETRIES)
        secrets = boto3.client("secretsmanager", endpoint_url=proxy.url, config=NO_RETRIES)
        outcomes = _outcomes([lambda: ssm.get_parameters(Names=["/t/x"]), lambda: ssm.get_parameters(Names=["/t/x"])])
        assert outcomes == ["ok", "ThrottlingException"]  # SSM's only token went to the first call
        assert proxy.stats.throttled == {"AmazonSSM.GetParameters": 1}
        assert secrets.get_secret_value(SecretId="t/s")["SecretString"] == "x"
        assert proxy.stats.mean_seconds > 0
