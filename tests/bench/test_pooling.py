"""A burst past max_connections: straight at PostgreSQL some requests fail, through PgBouncer none does.

Real PostgreSQL (a cluster of its own, max_connections 20) and real PgBouncer
(Debian's package, transaction pooling, 10 server connections), both started
and stopped here; 50 clients in a fresh interpreter with the project's prod
settings and backend, each thread its own Django connection (bench/pooling.py).
"""

from __future__ import annotations

import pytest

from bench.pooling import compare
from testsupport.pg import SUPERUSER_RESERVED, find_pgbouncer

CLIENTS, MAX_CONNECTIONS, POOL_SIZE = 50, 20, 10


@pytest.mark.e2e
@pytest.mark.slow
def test_fifty_clients_over_twenty_connections_fail_directly_and_all_succeed_through_pgbouncer() -> None:
    if find_pgbouncer() is None:
        pytest.fail("PgBouncer is not installed: run the suite with bin/test, which installs it (apt-get)")

    (direct, pooled), versions = compare(
        clients=CLIENTS, max_connections=MAX_CONNECTIONS, pool_size=POOL_SIZE, hold=0.3
    )

    assert direct.connection_limit_errors > 0, direct.errors  # "sorry, too many clients already"
    assert direct.other_errors == 0, direct.errors
    assert 0 < direct.succeeded <= MAX_CONNECTIONS - SUPERUSER_RESERVED
    assert direct.succeeded + direct.connection_limit_errors == CLIENTS

    assert pooled.succeeded == CLIENTS, pooled.errors
    # Every transaction waited for one of the pool's server connections, never for a refusal.
    assert (pooled.percentile(99) or 0.0) >= 0.3
    assert versions["PgBouncer"]
