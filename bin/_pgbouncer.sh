# PgBouncer for the pooling test (Debian's package), installed like PostgreSQL
# itself: tests/project/test_pooling.py starts and stops its own instance.
# shellcheck shell=bash

ensure_pgbouncer() {
    if command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; then
        return 0
    fi
    apt_install pgbouncer PgBouncer
}
