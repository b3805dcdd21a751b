# A throwaway PostgreSQL cluster for the test suite (Debian's packages).
# start_postgres exports TEST_DATABASE_URL and stops the server on exit.
# shellcheck shell=bash

find_pg_bin() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
    done
    return 1
}


start_postgres() {
    local pg_bin port dir password
    pg_bin=$(find_pg_bin) || { apt_install postgresql PostgreSQL && pg_bin=$(find_pg_bin); } || return 1
    dir=$(mktemp -d "${TMPDIR:-/tmp}/coldstart-pg.XXXXXX")
    port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    password=$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(16))')
    printf '%s\n' "$password" >"$dir/pwfile"
    # initdb refuses to run as root: the cluster then belongs to the postgres user.
    local run=()
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres: "$dir"
        run=(runuser -u postgres --)
    fi
    local here=$PWD
    cd /  # the postgres user may not enter the caller's folder (mktemp -d is 0700)
    "${run[@]}" "$pg_bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; return 1; }
    "${run[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null ||
        { cat "$dir/server.log" >&2; return 1; }
    cd "$here"
    PG_STOP=("${run[@]}" "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w stop)
    PG_DIR=$dir
    trap stop_postgres EXIT
    export TEST_DATABASE_URL="postgres://postgres:$password@127.0.0.1:$port/postgres"
    echo "==> PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway cluster)" >&2
}

stop_postgres() {
    (cd / && "${PG_STOP[@]}") >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
}
