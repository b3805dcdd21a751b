# PgBouncer for the pooling test (Debian's package), installed like PostgreSQL
# itself: tests/project/test_pooling.py starts and stops its own instance.
# shellcheck shell=bash

ensure_pgbouncer() {
    if command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; then
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: PgBouncer is not installed; run: sudo apt-get install -y pgbouncer" >&2
        return 1
    fi
    echo "==> installing PgBouncer (Debian's pgbouncer package)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends pgbouncer >&2
}
