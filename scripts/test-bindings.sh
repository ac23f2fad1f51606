#!/usr/bin/env bash
# Tests of the FFI: the generated Kotlin (kotlinc + JNA on the JVM) and Python bindings against the
# host library, every error variant an app acts on (against a stand-in server the Kotlin test runs),
# the Android library's coroutine layer, each ending with enrollment and sync against a real
# fieldvisit-server that this
# script seeds with its admin CLI and starts on a free loopback port (one enrollment code per
# language, passed as FIELDVISIT_TEST_SERVER and FIELDVISIT_TEST_CODE_{KOTLIN,PYTHON}), the
# Android module's pure-Kotlin form state and view models, a syntax check of the
# generated and hand-written Swift (tree-sitter) and of the generated C headers (gcc), and
# clippy/fmt of the bindings crate. Idempotent; installs what is missing on a fresh Debian machine:
#   libjna-java (apt), kotlin-compiler@2.4.20 (npm pack) and tree-sitter==0.26.1 +
#   tree-sitter-swift==0.7.4 (PyPI venv), both cached outside the clone in
#   ${XDG_CACHE_HOME:-$HOME/.cache}/fieldvisit so a fresh clone on the same machine skips them.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
target="${CARGO_TARGET_DIR:-$root/target}"
tools="${XDG_CACHE_HOME:-$HOME/.cache}/fieldvisit"
kotlin_version=2.4.20

step() { printf '\n== %s\n' "$*"; }

# ---- tools ------------------------------------------------------------------------------------
jna=/usr/share/java/jna.jar
if [ ! -f "$jna" ]; then
    step "installing libjna-java"
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq libjna-java >/dev/null
fi
kotlin_home="$tools/kotlin/$kotlin_version/package"
if [ ! -x "$kotlin_home/bin/kotlinc-jvm" ]; then
    step "fetching kotlin-compiler@$kotlin_version from npm"
    mkdir -p "$tools/kotlin/$kotlin_version"
    (cd "$tools/kotlin/$kotlin_version" && npm pack --silent "kotlin-compiler@$kotlin_version" >/dev/null \
        && tar xzf "kotlin-compiler-$kotlin_version.tgz" && rm "kotlin-compiler-$kotlin_version.tgz")
fi
venv="$tools/venv-bindings"
if ! "$venv/bin/python" -c 'import tree_sitter, tree_sitter_swift' 2>/dev/null; then
    step "installing tree-sitter for Swift into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet tree-sitter==0.26.1 tree-sitter-swift==0.7.4
fi
klib="$kotlin_home/lib"
kotlinc() { JAVA_OPTS="-Xmx1g -XX:TieredStopAtLevel=1" "$kotlin_home/bin/kotlinc-jvm" -nowarn "$@"; }
java_run() { java -Djna.library.path="$target/debug" "$@"; }

# ---- Rust -------------------------------------------------------------------------------------
step "rust: fmt, clippy, unit tests of fieldvisit-ffi"
cargo fmt --all -- --check
cargo clippy --quiet --locked -p fieldvisit-ffi --all-targets -- -D warnings
cargo test --quiet --locked -p fieldvisit-ffi

step "generating bindings"
scripts/gen-bindings.sh

# ---- a real server for the sync scenarios ---------------------------------------------------------
step "server: building fieldvisit-server, seeding a fresh data folder with its admin CLI"
cargo build --quiet --locked --bin fieldvisit-server
server_bin="$target/debug/fieldvisit-server"
server_data="$(mktemp -d)"
server_log="$server_data/server.log"
server_pid=""
stop_server() {
    local rc=$?
    if [ "$rc" -ne 0 ] && [ -f "$server_log" ]; then
        echo "-- last lines of the fieldvisit-server log:" >&2
        tail -n 30 "$server_log" >&2
    fi
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$server_data"
}
trap stop_server EXIT
fvs() { "$server_bin" --data "$server_data/data" "$@" 2>>"$server_log"; }
fvs org add --id p-32 --level province --name 江苏省 >/dev/null
fvs org add --id c-3201 --parent p-32 --level city --name 南京市 >/dev/null
fvs org add --id x-320115 --parent c-3201 --level county --name 江宁区 >/dev/null
fvs org add --id t-320115-1 --parent x-320115 --level township --name 示范街道 >/dev/null
fvs org add --id v-320115-1-1 --parent t-320115-1 --level village --name 示范村 >/dev/null
# One worker and one left-behind child's household per language, so each scenario starts clean.
for lang in kotlin python; do
    FIELDVISIT_NEW_PASSWORD="bindings test password" \
        fvs user add --id "w-$lang" --login "worker-$lang" --name "社工-$lang" --role worker --scope t-320115-1 >/dev/null
done
cat > "$server_data/households.csv" <<'CSV'
household_id,village_id,head_name,id_number,address,categories,registered_on,lat,lon,worker_id
hh-kotlin-1,v-320115-1-1,王小明,320115201503120011,示范村3组,left_behind_child,2026-01-05,31.95,118.84,w-kotlin
hh-python-1,v-320115-1-1,李小红,320115201503120022,示范村4组,left_behind_child,2026-01-05,31.95,118.84,w-python
CSV
fvs household import "$server_data/households.csv" >/dev/null
for audience in child-welfare civil-affairs; do
    FIELDVISIT_AUDIENCE_PASSPHRASE="bindings test $audience" fvs audience create --audience "$audience" >/dev/null
done
code_kotlin="$(fvs device code --worker w-kotlin | sed -n 1p)"
code_python="$(fvs device code --worker w-python | sed -n 1p)"
code_android="$(fvs device code --worker w-kotlin | sed -n 1p)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$server_bin" --data "$server_data/data" serve --listen "127.0.0.1:$port" >>"$server_log" 2>&1 &
server_pid=$!
export FIELDVISIT_TEST_SERVER="http://127.0.0.1:$port"
if ! python3 - "$FIELDVISIT_TEST_SERVER/healthz" <<'PY'
import sys, time, urllib.request
for _ in range(150):
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=1) as r:
            if r.status == 200:
                sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
then
    echo "fieldvisit-server did not come up on port $port; its log:" >&2
    cat "$server_log" >&2
    exit 1
fi
echo "fieldvisit-server serving $FIELDVISIT_TEST_SERVER (pid $server_pid)"

# ---- Kotlin -----------------------------------------------------------------------------------
gen_kt="android/fieldvisit/src/main/kotlin/uniffi"
pure_kt=(android/fieldvisit/src/main/kotlin/org/fieldvisit/form android/fieldvisit/src/main/kotlin/org/fieldvisit/viewmodel
    android/fieldvisit/src/main/kotlin/org/fieldvisit/store)
out="$root/target/kotlin-tests"
mkdir -p "$out"
# kotlinx-coroutines ships with the compiler package: the suspend layer needs nothing more.
coroutines="$klib/kotlinx-coroutines-core-jvm.jar"
cp_run="$out/tests.jar:$jna:$klib/kotlin-stdlib.jar:$klib/kotlin-test.jar:$coroutines"

kt_sources=("$gen_kt" "${pure_kt[@]}" bindings/tests/kotlin android/fieldvisit/src/test/kotlin)
# kotlinc takes most of this script's time: reuse the jar when no Kotlin source changed.
kt_stamp=$( (echo "$kotlin_version"; find "${kt_sources[@]}" -name '*.kt' -type f | sort | xargs sha256sum) | sha256sum | cut -d' ' -f1)
if [ -f "$out/tests.jar" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$kt_stamp" ]; then
    step "kotlin: sources unchanged, reusing $out/tests.jar"
else
    step "kotlin: compiling generated bindings, pure-Kotlin Android code and tests"
    rm -f "$out/stamp"
    kotlinc -cp "$jna:$klib/kotlin-test.jar:$coroutines" -d "$out/tests.jar" "${kt_sources[@]}"
    echo "$kt_stamp" > "$out/stamp"
fi

step "kotlin: bindings scenario, then enroll and sync against the server"
FIELDVISIT_TEST_CODE_KOTLIN="$code_kotlin" java_run -cp "$cp_run" org.fieldvisit.test.BindingsTestKt
step "kotlin: android form state and view models"
FIELDVISIT_TEST_CODE_ANDROID="$code_android" java_run -cp "$cp_run" org.fieldvisit.form.FormStateTestKt

# ---- Python -----------------------------------------------------------------------------------
step "python: bindings scenario, then enroll and sync against the server"
FIELDVISIT_TEST_CODE_PYTHON="$code_python" PYTHONPATH=bindings/python python3 bindings/tests/python/test_bindings.py

stop_server
server_pid=""

# ---- Swift and C ------------------------------------------------------------------------------
step "swift: syntax of generated and hand-written Swift"
"$venv/bin/python" bindings/tests/swift/parse_swift.py ios/Sources ios/App ios/Package.swift
step "c: generated headers"
for h in ios/Generated/include/*.h; do
    # Included as a header (not compiled as the main file), as an app would use it.
    echo "#include \"$h\"" | gcc -fsyntax-only -Wall -D_Nonnull= -D_Nullable= -I. -x c -
    echo "ok   $h"
done

echo
echo "bindings: all checks passed"
