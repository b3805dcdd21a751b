"""One cold bootstrap in a fresh process: ``python -m bench.child VARIANT [--warm]``.

The parent gives the cell (names only) in ``BENCH_SPEC`` and the bootstrap's
pointers in the environment, and points boto3 at the delaying proxy with
``AWS_ENDPOINT_URL``. boto3 is imported *before* the clock starts, as Zappa's
handler has already imported it when the settings module runs; everything
after it counts: the variant's own imports, client creation, every AWS call,
exporting into ``os.environ``. Before the clock starts, one full garbage
collection: importing boto3 leaves the process's first full collection due
(its objects are all still pending), and whichever variant allocates enough
to trigger it paid a pass over everything boto3 built (7 to 35 ms, seen
landing inside the bootstrap's 21 calls at K=20 but not inside the lower
bound's one call). Starting every variant from a settled collector, with
collection still on, charges each one only with what its own allocations
trigger. (In Lambda the pass lands wherever the init's imports put it;
lambda_bootstrap.zappa_handler keeps collection off for the whole init.)
Prints one JSON line: seconds, keys loaded (the
parent checks that every variant loaded everything), AWS calls, and with
``--warm`` what a warm invocation costs: microseconds per call (the best of
five ``timeit`` repeats) and AWS calls.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
import timeit
from collections.abc import Callable
from typing import Any

import boto3  # before the clock starts: Zappa's handler has imported it already

from testsupport.aws_calls import AwsCalls

__all__ = ["VARIANTS", "main"]

Variant = Callable[[dict[str, Any]], tuple[int, Callable[[], object]]]


def bootstrap(spec: dict[str, Any]) -> tuple[int, Callable[[], object]]:
    """(a) ``lambda_bootstrap.load()``; bundle, manifest or path depends on the environment."""
    import lambda_bootstrap

    report = lambda_bootstrap.load()
    return len(report.sources), lambda_bootstrap.load  # a warm call: the cached report, no AWS call


def naive(spec: dict[str, Any]) -> tuple[int, Callable[[], object]]:
    """(b) One ``get_parameter`` / ``get_secret_value`` per value, one after another."""
    loaded = 0
    ssm = boto3.client("ssm")
    for name in spec["parameters"]:
        value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        os.environ[name[len(spec["ssm_path"]) :].replace("/", "_").upper()] = value
        loaded += 1
    secrets = boto3.client("secretsmanager")
    for secret in spec["secrets"]:
        text = secrets.get_secret_value(SecretId=secret["secret_id"])["SecretString"]
        if secret["is_json"]:
            for field, value in json.loads(text).items():
                os.environ[f"{secret['prefix']}_{field.upper()}"] = str(value)
                loaded += 1
        else:
            os.environ[secret["prefix"]] = text
            loaded += 1
    return loaded, lambda: None  # module-level code: a warm invocation runs none of it


def powertools(spec: dict[str, Any]) -> tuple[int, Callable[[], object]]:
    """(c) Powertools' ``get_parameters`` by path (recursive, decrypted) plus ``get_secret`` per secret."""
    from aws_lambda_powertools.utilities import parameters

    def fetch() -> dict[str, str]:
        values = parameters.get_parameters(spec["ssm_path"], decrypt=True, recursive=True)
        env = {name.replace("/", "_").upper(): value for name, value in values.items()}
        for secret in spec["secrets"]:
            if secret["is_json"]:
                fields = parameters.get_secret(secret["secret_id"], transform="json")
                env.update({f"{secret['prefix']}_{k.upper()}": str(v) for k, v in fields.items()})
            else:
                env[secret["prefix"]] = parameters.get_secret(secret["secret_id"])
        return env

    values = fetch()
    os.environ.update(values)
    # The same calls in a warm handler: answered from Powertools' cache, which 3.x keeps 300 s by default
    # (DEFAULT_MAX_AGE_SECS, or POWERTOOLS_PARAMETERS_MAX_AGE).
    return len(values), fetch


def floor(spec: dict[str, Any]) -> tuple[int, Callable[[], object]]:
    """(d) The SSM layouts' lower bound: the first SSM client and one round trip (one GetParameters of 10 names)."""
    ssm = boto3.client("ssm")
    response = ssm.get_parameters(Names=spec["parameters"][:10], WithDecryption=True)
    return len(response["Parameters"]), lambda: None


def floor_secrets(spec: dict[str, Any]) -> tuple[int, Callable[[], object]]:
    """(d) The bundle layout's lower bound: the first Secrets Manager client and one GetSecretValue."""
    secrets = boto3.client("secretsmanager")
    text = secrets.get_secret_value(SecretId=spec["bundle"])["SecretString"]
    return len(json.loads(text)), lambda: None


VARIANTS: dict[str, Variant] = {
    "bootstrap": bootstrap,
    "naive": naive,
    "powertools": powertools,
    "floor": floor,
    "floor_secrets": floor_secrets,
}


def main(argv: list[str]) -> None:
    variant, warm = argv[0], "--warm" in argv[1:]
    spec = json.loads(os.environ["BENCH_SPEC"])
    calls = AwsCalls()
    calls.install()
    gc.collect()  # the full pass boto3's import left due: no variant's cost (module docstring)
    started = time.perf_counter()
    keys, warm_call = VARIANTS[variant](spec)
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {"seconds": seconds, "keys": keys, "calls": calls.total}
    if warm:
        calls.reset()
        timer = timeit.Timer(warm_call)
        number, _ = timer.autorange()  # enough calls for 0.2 s
        per_call = min(timer.repeat(repeat=5, number=number)) / number
        result.update(warm_us=per_call * 1e6, warm_calls=calls.total)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
