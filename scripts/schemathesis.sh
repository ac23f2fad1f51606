#!/usr/bin/env bash
# Contract fuzzing: schemathesis reads /api/v1/openapi.json of a running demo server and tries
# every operation with schema-valid and schema-invalid requests, signed in as each staff role
# (admin, supervisor, reviewer, worker), as an enrolled phone for the phone's routes, and without
# credentials for the open ones. Every check is on; any failure or any 5xx fails the script.
#
# Environment: FIELDVISIT_SCHEMATHESIS_VENV (default ~/.cache/fieldvisit/venv-schemathesis, made
# once), FIELDVISIT_SCHEMATHESIS_EXAMPLES (examples per operation and mode, default 12),
# FIELDVISIT_SCHEMATHESIS_SEED (default 1: the same requests every run).
set -euo pipefail
cd "$(dirname "$0")/.."

schemathesis_version=4.32.5
venv="${FIELDVISIT_SCHEMATHESIS_VENV:-$HOME/.cache/fieldvisit/venv-schemathesis}"
examples="${FIELDVISIT_SCHEMATHESIS_EXAMPLES:-12}"
seed="${FIELDVISIT_SCHEMATHESIS_SEED:-1}"
if [ ! -x "$venv/bin/st" ] || ! "$venv/bin/st" --version 2> /dev/null | grep -q "$schemathesis_version"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "schemathesis==$schemathesis_version"
fi

cargo build --quiet --locked --bin fieldvisit-server
bin="${CARGO_TARGET_DIR:-target}/debug/fieldvisit-server"

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2> /dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# A small demo county with a few months of visits uploaded, then served again from its folder.
"$bin" demo --data "$work/data" --households 12 --listen 127.0.0.1:0 --exit-after-sync > "$work/seed.txt"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
"$bin" demo --data "$work/data" --listen "127.0.0.1:$port" > "$work/server.txt" 2>&1 &
server_pid=$!

# Bearer tokens of one account per role and of a phone enrolled for a worker, one per line:
# NAME TOKEN.
python3 - "$base" "$work/data/demo.json" > "$work/tokens" << 'PY'
import base64, json, os, sys, time, urllib.request

base, demo = sys.argv[1], json.load(open(sys.argv[2]))

def call(method, path, body=None, token=None):
    req = urllib.request.Request(base + path, method=method)
    if body is not None:
        req.data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)

for _ in range(300):
    try:
        if call("GET", "/readyz")["status"] == "ok":
            break
    except Exception:
        pass
    time.sleep(0.1)
else:
    sys.exit("the server did not become ready")

tokens = {}
for name, login in [("admin", "admin"), ("supervisor", "supervisor"),
                    ("reviewer", "reviewer"), ("worker", "worker-bm-1")]:
    tokens[name] = call("POST", "/api/v1/auth/login",
                        {"login": login, "password": demo["passwords"][login]})["token"]
# A session of its own for signing out, which ends it.
tokens["sign-out"] = call("POST", "/api/v1/auth/login", {
    "login": "supervisor", "password": demo["passwords"]["supervisor"]})["token"]
worker_id = call("GET", "/api/v1/auth/me", token=tokens["worker"])["staff_id"]
code = call("POST", "/api/v1/devices/enrollment-codes", {"worker_id": worker_id},
            token=tokens["admin"])["code"]
enrolled = call("POST", "/api/v1/devices/enroll", {
    "version": 1, "code": code, "device_label": "contract test",
    "public_key": base64.b64encode(os.urandom(32)).decode()})
tokens["phone"] = enrolled["token"]
for name, token in tokens.items():
    print(name, token)
PY

token() { awk -v n="$1" '$1 == n { print $2 }' "$work/tokens"; }

# Routes of the phone, and routes that need no credentials.
phone_paths='^/api/v1/(assignments|visits/\{visit_id\}(/photos/\{photo_id\})?)$'
open_paths='^/(healthz|livez|readyz|metrics|api/v1/(openapi\.json|auth/login|devices/(enroll|token)))$'

failed=0
run() {
    local who="$1"
    shift
    echo "== schemathesis: $who"
    if ! "$venv/bin/st" --config-file scripts/schemathesis.toml run "$base/api/v1/openapi.json" --url "$base" \
        --checks all --mode all --max-examples "$examples" --seed "$seed" \
        --phases examples,coverage,fuzzing --workers 1 --request-timeout 30 \
        --suppress-health-check all --warnings off --no-color "$@"; then
        failed=1
    fi
}

started=$SECONDS
# Signing out ends the session it is tried with: it has a run and a session of its own.
staff_filter=(--exclude-path-regex "$phone_paths|$open_paths|^/api/v1/auth/logout$")
for role in admin supervisor reviewer worker; do
    run "$role" -H "Authorization: Bearer $(token "$role")" "${staff_filter[@]}"
done
run "sign-out" -H "Authorization: Bearer $(token sign-out)" --include-path /api/v1/auth/logout
run phone -H "Authorization: Bearer $(token phone)" --include-path-regex "$phone_paths"
run "no credentials" --include-path-regex "$open_paths"
echo "== schemathesis: $((SECONDS - started)) s"

if grep -qE "internal error|panicked" "$work/server.txt"; then
    echo "the server logged internal errors:" >&2
    grep -E "internal error|panicked" "$work/server.txt" >&2
    failed=1
fi
exit "$failed"
