"""AWS's per-account, per-region request quotas for what a cold start calls: the one table of them.

Sources: the AWS Systems Manager and AWS Secrets Manager endpoints-and-quotas
pages. SSM's default throughput is shared by GetParameter, GetParameters and
GetParametersByPath (and, per the current API reference, PutParameter); the
paid "higher throughput" setting raises GetParameter(s) but gives
GetParametersByPath a quota of its own. ``check``'s burst row (:mod:`.burst`)
and the test harness's token buckets read these numbers.
"""

from __future__ import annotations

__all__ = [
    "BATCH_GET_SECRET_VALUE_TPS",
    "GET_SECRET_VALUE_TPS",
    "SSM_HIGHER_BY_PATH_TPS",
    "SSM_HIGHER_GET_PARAMETERS_TPS",
    "SSM_TPS",
]

SSM_TPS = 40.0  # shared by GetParameter, GetParameters and GetParametersByPath
SSM_HIGHER_GET_PARAMETERS_TPS = 3_000.0  # with "higher throughput": GetParameter and GetParameters
SSM_HIGHER_BY_PATH_TPS = 100.0  # with "higher throughput": GetParametersByPath alone
GET_SECRET_VALUE_TPS = 10_000.0
BATCH_GET_SECRET_VALUE_TPS = 100.0  # not adjustable: why the bootstrap never batches
