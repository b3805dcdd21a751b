# Shared by bin/serve and bin/test: find Python 3.11+, keep a venv in step
# with its requirements file (re-installs only when the file changes).
# shellcheck shell=bash

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3 python3.13 python3.12 python3.11; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "error: Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)" >&2
    return 1
}

# ensure_venv DIR REQUIREMENTS...: create DIR and install, unless its stamp matches.
# The stamp covers the packages' own pyproject.toml too (their dependencies; code is editable).
ensure_venv() {
    local dir=$1
    shift
    local stamp python
    stamp=$(cat "$@" pyproject.toml lambda-bootstrap-cli/pyproject.toml | sha256sum | cut -d' ' -f1)
    if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.requirements-stamp" 2>/dev/null)" = "$stamp" ]; then
        return 0
    fi
    python=$(find_python)
    echo "==> creating $dir from $* (first run takes a few minutes)" >&2
    rm -rf "$dir"
    "$python" -m venv "$dir"
    local args=()
    for req in "$@"; do args+=(-r "$req"); done
    # pip's notes about unreachable local mirrors are noise; real errors still show.
    local status=0
    "$dir/bin/python" -m pip install --quiet --progress-bar off --upgrade pip "${args[@]}" \
        2>"$dir/pip.log" >&2 || status=$?
    grep -v "is ignored: it is neither a file nor a directory" "$dir/pip.log" >&2 || true
    [ "$status" -eq 0 ] || { echo "error: pip install into $dir failed" >&2; return 1; }
    echo "$stamp" >"$dir/.requirements-stamp"
}

# ensure_project_venvs: the two virtualenvs every command shares, always from the same
# files (one stamp each, so no command rebuilds what another just made): .venv with
# the test tools and the operator tool, .venv-runtime with only what the Lambda package carries.
ensure_project_venvs() {
    ensure_venv .venv requirements-dev.txt requirements.txt requirements-tool.txt requirements-container.txt
    ensure_venv .venv-runtime requirements.txt
}

# apt_install PACKAGE WHAT: install one of Debian's packages (root only), or say how.
apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: $2 is not installed; run: sudo apt-get install -y $1" >&2
        return 1
    fi
    echo "==> installing $2 (Debian's $1 package)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "$1" >&2
}
