"""The bootstrap's tests share tests/conftest.py's fake account, stage environment and clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testsupport.aws_proxy import AwsProxy


@pytest.fixture
def snapstart_init(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An init that Lambda will snapshot: the runtime's hook registry (awslambdaric's) emptied before and after."""
    import snapshot_restore_py

    from lambda_bootstrap import snapstart

    def empty() -> None:
        snapshot_restore_py.get_before_snapshot().clear()
        snapshot_restore_py.get_after_restore().clear()
        for registry in (snapstart._before, snapstart._on_change, snapstart._registered):
            registry.clear()

    empty()
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", snapstart.SNAPSTART)
    yield
    empty()


@pytest.fixture
def tls_proxy(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsProxy]:
    """moto behind an https proxy (certifi's roots plus its certificate in AWS_CA_BUNDLE) that every client uses.

    Each answer waits 0.1 s at the proxy, so calls made together hold connections of their own.
    """
    with AwsProxy(moto_endpoint, latency=0.1, tls=True) as proxy:
        assert proxy.ca_bundle is not None
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        monkeypatch.setenv("AWS_CA_BUNDLE", proxy.ca_bundle)
        yield proxy


@pytest.fixture
def bundle_loads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every CA bundle loaded into an SSL context from now on (its file), by anyone in this process."""
    import ssl

    loads: list[object] = []
    original = ssl.SSLContext.load_verify_locations

    def counted(context: ssl.SSLContext, cafile: object = None, *args: object, **kwargs: object) -> None:
        loads.append(cafile)
        original(context, cafile, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counted)
    return loads
