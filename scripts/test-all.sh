#!/usr/bin/env bash
# Every test of the workspace, on a fresh Debian machine as on a developer's.
set -euo pipefail
cd "$(dirname "$0")/.."

# One cold pass: incremental caches would only take disk. A failure says how much disk was left,
# because a full disk shows up as a puzzling linker error.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
disk_report() { df -h "${CARGO_TARGET_DIR:-target}" 2> /dev/null || df -h .; }
echo "== disk at start"; disk_report
demo_dir=""
on_exit() {
    local status=$?
    if [ -n "$demo_dir" ]; then rm -rf "$demo_dir"; fi
    if declare -F stop_backends > /dev/null; then stop_backends; fi
    if [ $status -ne 0 ]; then echo "== failed (exit $status); disk now"; disk_report; fi
}
trap on_exit EXIT

# ---- Storage backends: PostgreSQL and an S3-compatible server (moto) for the server's tests ----
# The tests read FIELDVISIT_TEST_PG and FIELDVISIT_TEST_S3; FIELDVISIT_REQUIRE_BACKENDS=1 makes a
# backend test fail, not skip, when its variable is missing.
export FIELDVISIT_REQUIRE_BACKENDS=1
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { (cd / && if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi); }
if ! ls /usr/lib/postgresql/*/bin/postgres > /dev/null 2>&1; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql > /dev/null
fi
pg_version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk -v v="$pg_version" '$1 == v && $2 == "main"' | grep -q .; then
    as_root pg_createcluster "$pg_version" main > /dev/null
fi
pg_started=""
if ! pg_lsclusters -h | awk -v v="$pg_version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
    as_root pg_ctlcluster "$pg_version" main start
    pg_started=1
fi
pg_port=$(pg_lsclusters -h | awk -v v="$pg_version" '$1 == v && $2 == "main" { print $3 }')
as_postgres psql -q -p "$pg_port" -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fieldvisit_test') THEN
        CREATE ROLE fieldvisit_test LOGIN PASSWORD 'fieldvisit_test';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fieldvisit_app') THEN
        CREATE ROLE fieldvisit_app LOGIN PASSWORD 'fieldvisit_app';
    END IF; END \$\$;"
as_postgres dropdb -p "$pg_port" --if-exists fieldvisit_test
as_postgres createdb -p "$pg_port" -O fieldvisit_test fieldvisit_test
export FIELDVISIT_TEST_PG="postgres://fieldvisit_test:fieldvisit_test@127.0.0.1:$pg_port/fieldvisit_test"
# Debian's cluster serves TLS with its snakeoil certificate: the verify-full test connects with it
# as the CA, to the host it names.
if [ "$(as_postgres psql -At -p "$pg_port" -c 'SHOW ssl')" = on ]; then
    pg_cert=$(as_postgres psql -At -p "$pg_port" -c 'SHOW ssl_cert_file')
    export FIELDVISIT_TEST_PG_CA="$pg_cert"
    FIELDVISIT_TEST_PG_TLS_HOST=$(openssl x509 -in "$pg_cert" -noout -subject -nameopt multiline 2> /dev/null \
        | awk '/commonName/ { print $3 }')
    export FIELDVISIT_TEST_PG_TLS_HOST="${FIELDVISIT_TEST_PG_TLS_HOST:-$(hostname)}"
fi
# A role with data rights only, as production should run (docs/deploy.md); tests grant it rights.
export FIELDVISIT_TEST_PG_APP="postgres://fieldvisit_app:fieldvisit_app@127.0.0.1:$pg_port/fieldvisit_test"

if ! python3 -c 'import ensurepip, venv' 2> /dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv > /dev/null
fi
moto_venv="${CARGO_TARGET_DIR:-target}/moto-venv"
if [ ! -x "$moto_venv/bin/moto_server" ]; then
    python3 -m venv "$moto_venv"
    "$moto_venv/bin/pip" install -q 'moto[server]==5.2.5'
fi
moto_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$moto_venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" > "${CARGO_TARGET_DIR:-target}/moto.log" 2>&1 &
moto_pid=$!
stop_backends() {
    kill "$moto_pid" 2> /dev/null || true
    if [ -n "$pg_started" ]; then as_root pg_ctlcluster "$pg_version" main stop || true; fi
}
"$moto_venv/bin/python" - "$moto_port" << 'PY'
import sys, time, boto3
url = f"http://127.0.0.1:{sys.argv[1]}"
s3 = boto3.client("s3", endpoint_url=url, aws_access_key_id="test",
                  aws_secret_access_key="test", region_name="us-east-1")
for _ in range(100):
    try:
        s3.create_bucket(Bucket="fieldvisit-test")
        break
    except Exception:
        time.sleep(0.2)
else:
    sys.exit("moto did not start")
PY
export FIELDVISIT_TEST_S3="http://127.0.0.1:$moto_port/fieldvisit-test"
# ---- end of storage backends ----

# ---- The console's browser tests: Chromium, a CJK font, node and playwright-core ----
# tests/tests/console_browser.rs reads FIELDVISIT_NODE_MODULES and FIELDVISIT_CHROMIUM;
# FIELDVISIT_REQUIRE_BROWSER=1 makes it fail, not skip, when they are missing.
source scripts/install-browser.sh
export FIELDVISIT_REQUIRE_BROWSER=1

# ---- The cluster fault test: PostgreSQL's binaries, HAProxy and a Garage build (once) ----
# tests/tests/cluster.rs reads FIELDVISIT_GARAGE, FIELDVISIT_HAPROXY and FIELDVISIT_PG_BIN and runs
# its own PostgreSQL instance, so restarting it disturbs no other test's database;
# FIELDVISIT_REQUIRE_CLUSTER=1 makes it fail, not skip, when they are missing.
source scripts/install-cluster.sh
export FIELDVISIT_REQUIRE_CLUSTER=1

# ---- The reverse-proxy profile test: Debian's nginx ----
# tests/tests/nginx_profile.rs runs docs/nginx/fieldvisit.conf with /usr/sbin/nginx (as the current
# user, under a temporary prefix); FIELDVISIT_REQUIRE_NGINX=1 makes it fail, not skip, when nginx is
# missing. Debian 12 has the smaller nginx-light; later releases only nginx.
if [ ! -x /usr/sbin/nginx ]; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light > /dev/null \
        || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx > /dev/null
fi
export FIELDVISIT_REQUIRE_NGINX=1

# Rust unit, integration and end-to-end tests (includes the SIGKILL crash-safety test and the
# cluster fault test).
cargo test --workspace --locked

# The server's router tests again, every one of them on PostgreSQL (SQLite above). The same
# package selection as above, so nothing is built again.
FIELDVISIT_TEST_BACKEND=postgres cargo test --workspace --locked --lib -- http::tests::

# The API against its own OpenAPI document: schemathesis on a running demo server, signed in as
# every role and as a phone.
scripts/schemathesis.sh

# The FFI: generated Kotlin on the JVM, generated Python, Swift and C header checks.
scripts/test-bindings.sh

# The README's first command must keep working: the server demo on a fresh folder, with simulated
# phones uploading over HTTP, stopping after its summary.
demo_dir="$(mktemp -d)"
cargo run --quiet --locked --bin fieldvisit-server -- demo --data "$demo_dir/data" \
    --listen 127.0.0.1:0 --exit-after-sync > "$demo_dir/out.txt"
grep -q "合计 Total" "$demo_dir/out.txt"
echo "server demo: ok"

# The phone engine on its own: records, seals and verifies visits of every type.
cargo run --quiet --locked -p fieldvisit-core --example demo > /dev/null
echo "core demo: ok"
