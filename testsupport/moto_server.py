"""moto's real HTTP server on a free loopback port, for code in other processes; and emptying it."""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["moto_server", "reset_moto"]


@contextmanager
def moto_server() -> Iterator[str]:
    """``with moto_server() as url:`` the server runs (threads of this process) until the block ends."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def reset_moto(endpoint: str) -> None:
    """Empty moto's server (every service): a fresh account for the next seeding."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310 - loopback
    urllib.request.urlopen(request).close()  # noqa: S310 - our own moto server on loopback
