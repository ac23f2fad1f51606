#!/usr/bin/env bash
# What the cluster fault test (tests/tests/cluster.rs) needs, installed when missing on a fresh
# Debian machine: PostgreSQL's server binaries and HAProxy from Debian, and Garage (a distributed
# S3 store) built once from crates.io into ${XDG_CACHE_HOME:-$HOME/.cache}/fieldvisit/garage-VERSION.
#
#   source scripts/install-cluster.sh     # installs, then exports the variables below
#   eval "$(scripts/install-cluster.sh)"  # the same from another shell: prints `export` lines
#
# Exports FIELDVISIT_GARAGE (the garage binary), FIELDVISIT_HAPROXY (the haproxy binary) and
# FIELDVISIT_PG_BIN (the folder holding initdb and pg_ctl). Progress goes to stderr. A second run
# that finds everything in place installs nothing.

FIELDVISIT_GARAGE_VERSION="2.5.0"

fieldvisit_install_cluster() {
    local sudo_cmd=()
    if [ "$(id -u)" != 0 ]; then sudo_cmd=(sudo); fi
    local missing=()
    command -v haproxy > /dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
    ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1 || missing+=(postgresql)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "== installing ${missing[*]} for the cluster test" >&2
        "${sudo_cmd[@]}" apt-get update -qq >&2
        "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
    fi

    local root="${XDG_CACHE_HOME:-$HOME/.cache}/fieldvisit/garage-$FIELDVISIT_GARAGE_VERSION"
    if [ ! -x "$root/bin/garage" ]; then
        echo "== building garage $FIELDVISIT_GARAGE_VERSION into $root (once; it takes a while)" >&2
        local started=$SECONDS
        # The SQLite metadata engine alone (bundled): no LMDB, K2V or metrics, a shorter build.
        # Built in cargo's own temporary folder, not the workspace's target folder.
        env -u CARGO_TARGET_DIR nice -n 19 cargo install garage --version "$FIELDVISIT_GARAGE_VERSION" --locked \
            --no-default-features --features bundled-libs,sqlite --root "$root" >&2
        echo "== garage built in $((SECONDS - started)) s" >&2
    fi

    FIELDVISIT_GARAGE="$root/bin/garage"
    FIELDVISIT_HAPROXY="$(command -v haproxy 2> /dev/null || echo /usr/sbin/haproxy)"
    FIELDVISIT_PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
    export FIELDVISIT_GARAGE FIELDVISIT_HAPROXY FIELDVISIT_PG_BIN
    echo "== cluster test: $("$FIELDVISIT_GARAGE" --version 2> /dev/null | head -1)," \
        "$("$FIELDVISIT_HAPROXY" -v 2> /dev/null | head -1 | cut -d' ' -f1-3)," \
        "$("$FIELDVISIT_PG_BIN/postgres" --version)" >&2
}

if (return 0 2> /dev/null); then
    # Sourced: install and export into the caller's shell.
    fieldvisit_install_cluster
else
    set -euo pipefail
    fieldvisit_install_cluster
    printf 'export FIELDVISIT_GARAGE=%q\n' "$FIELDVISIT_GARAGE"
    printf 'export FIELDVISIT_HAPROXY=%q\n' "$FIELDVISIT_HAPROXY"
    printf 'export FIELDVISIT_PG_BIN=%q\n' "$FIELDVISIT_PG_BIN"
fi
