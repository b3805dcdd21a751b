# The interpreter of the stages' Lambda runtime (python3.13) on this machine, found or provisioned.
# Sourced (after bin/_lib.sh) by bin/test, bin/bench and bin/python3.13.
# shellcheck shell=bash

# Where a provisioned Debian 13 root filesystem lives: outside the project, since Zappa and the tests copy
# the project folder, and a root filesystem holds device files (/dev/full reads forever).
RUNTIME_PYTHON_ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/lambda-bootstrap/python3.13-trixie

# python313_usable CANDIDATE: it runs, and is a whole CPython 3.13 (a pyenv shim may exist and fail).
python313_usable() {
    [ -n "${1:-}" ] || return 1
    "$1" -c 'import sys, ssl, sqlite3, ctypes, zlib; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1
}

# python313_find: print the real path of a Python 3.13 that runs here, or fail. The one search is
# deploy/runtime_package.py's (standard library only, so any Python 3.11+ runs it).
python313_find() {
    local python
    python=$(find_python) || return 1
    "$python" -I -c 'import sys; sys.path.insert(0, "."); from deploy.runtime_package import Target, runtime_python
print(runtime_python(Target("python3.13", "x86_64")))' 2>/dev/null
}

# python313_provision: a Debian 13 (trixie) root filesystem in RUNTIME_PYTHON_ROOT (debootstrap, root, ~35 s),
# and a wrapper that runs its python3.13 with its own dynamic loader: no chroot, host paths and network.
python313_provision() {
    local root partial mirror triplet loader
    root=$RUNTIME_PYTHON_ROOT
    partial="$root.partial"
    if [ ! -x "$root/usr/bin/python3.13" ]; then
        if [ "$(id -u)" -ne 0 ]; then
            echo "error: no Python 3.13 here, and provisioning one (debootstrap) needs root;" \
                "install python3.13 or set LAMBDA_RUNTIME_PYTHON" >&2
            return 1
        fi
        command -v debootstrap >/dev/null 2>&1 || PATH="/usr/sbin:/sbin:$PATH" command -v debootstrap >/dev/null 2>&1 ||
            apt_install debootstrap "debootstrap (to provision Python 3.13)" || return 1
        # shellcheck disable=SC2016  # $(REPO_URI) is apt's own format, not the shell's
        mirror=$(apt-get indextargets --format '$(REPO_URI)' 'Origin: Debian' 'Identifier: Packages' 2>/dev/null | head -n1)
        echo "==> provisioning Python 3.13: a Debian 13 root filesystem in $RUNTIME_PYTHON_ROOT (about a minute)" >&2
        rm -rf --one-file-system "$partial"
        mkdir -p "$(dirname "$root")"
        PATH="/usr/sbin:/sbin:$PATH" debootstrap --variant=minbase --include=python3,python3-venv \
            trixie "$partial" "${mirror:-http://deb.debian.org/debian/}" >"$partial.log" 2>&1 ||
            { tail -20 "$partial.log" >&2; return 1; }
        rm -rf "$partial"/var/cache/apt/archives/*.deb "$partial"/var/lib/apt/lists/* "$partial.log"
        mv "$partial" "$root"
    fi
    triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo "$(uname -m)-linux-gnu")
    loader=$(find "$root/usr/lib/$triplet" -maxdepth 1 -name 'ld-linux*.so.*' | head -n1)
    # In usr/bin, so Python finds its standard library from argv[0]; --argv0 keeps sys.executable this wrapper.
    cat >"$root/usr/bin/python3.13-host" <<WRAPPER
#!/bin/sh
exec '$loader' --argv0 "\$0" --library-path '$root/usr/lib/$triplet' '$root/usr/bin/python3.13' "\$@"
WRAPPER
    chmod 755 "$root/usr/bin/python3.13-host"
    python313_usable "$root/usr/bin/python3.13-host" || { echo "error: the provisioned Python 3.13 does not run" >&2; return 1; }
    echo "$root/usr/bin/python3.13-host"
}

# ensure_runtime_python: export LAMBDA_RUNTIME_PYTHON, finding a Python 3.13 or provisioning one.
ensure_runtime_python() {
    local found
    found=$(python313_find) || found=$(python313_provision) || return 1
    export LAMBDA_RUNTIME_PYTHON=$found
}
