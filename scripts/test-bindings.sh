#!/usr/bin/env bash
# Tests of the FFI: the generated Kotlin (kotlinc + JNA on the JVM) and Python bindings against the
# host library, the Android module's pure-Kotlin form state and view models, a syntax check of the
# generated and hand-written Swift (tree-sitter) and of the generated C headers (gcc), and
# clippy/fmt of the bindings crate. Idempotent; installs what is missing on a fresh Debian machine:
#   libjna-java (apt), kotlin-compiler@2.4.20 (npm pack, cached in target/kotlin/),
#   tree-sitter==0.26.1 + tree-sitter-swift==0.7.4 (PyPI, venv in target/venv-bindings/).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
target="${CARGO_TARGET_DIR:-$root/target}"
tools="$root/target"
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

# ---- Kotlin -----------------------------------------------------------------------------------
gen_kt="android/fieldvisit/src/main/kotlin/uniffi"
pure_kt=(android/fieldvisit/src/main/kotlin/org/fieldvisit/form android/fieldvisit/src/main/kotlin/org/fieldvisit/viewmodel)
out="$tools/kotlin-tests"
mkdir -p "$out"
cp_run="$out/tests.jar:$jna:$klib/kotlin-stdlib.jar:$klib/kotlin-test.jar"

kt_sources=("$gen_kt" "${pure_kt[@]}" bindings/tests/kotlin android/fieldvisit/src/test/kotlin)
# kotlinc takes most of this script's time: reuse the jar when no Kotlin source changed.
kt_stamp=$( (echo "$kotlin_version"; find "${kt_sources[@]}" -name '*.kt' -type f | sort | xargs sha256sum) | sha256sum | cut -d' ' -f1)
if [ -f "$out/tests.jar" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$kt_stamp" ]; then
    step "kotlin: sources unchanged, reusing $out/tests.jar"
else
    step "kotlin: compiling generated bindings, pure-Kotlin Android code and tests"
    rm -f "$out/stamp"
    kotlinc -cp "$jna:$klib/kotlin-test.jar" -d "$out/tests.jar" "${kt_sources[@]}"
    echo "$kt_stamp" > "$out/stamp"
fi

step "kotlin: bindings scenario"
java_run -cp "$cp_run" org.fieldvisit.test.BindingsTestKt
step "kotlin: android form state and view models"
java_run -cp "$cp_run" org.fieldvisit.form.FormStateTestKt

# ---- Python -----------------------------------------------------------------------------------
step "python: bindings scenario"
PYTHONPATH=bindings/python python3 bindings/tests/python/test_bindings.py

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
