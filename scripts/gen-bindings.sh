#!/usr/bin/env bash
# Builds the host library of fieldvisit-ffi and generates its Kotlin, Swift and Python bindings:
#   Kotlin → android/fieldvisit/src/main/kotlin/uniffi/   (packages uniffi.fieldvisit_ffi, uniffi.fieldvisit_core)
#   Swift  → ios/Sources/FieldVisitFFI/*.swift, C headers and modulemaps → ios/Generated/include/
#   Python → bindings/python/fieldvisit/ (a package: the modules import each other relatively;
#            the host library is copied beside them, where they load it from)
# Generated files are git-ignored; run this after every change to bindings/ or to core types that cross.
# Uses $CARGO_TARGET_DIR when set, else target/ of this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"

# Two cargo calls on purpose: built together, uniffi-bindgen's features leak into the library.
cargo build --quiet --locked -p fieldvisit-ffi
cargo build --quiet --locked -p uniffi-bindgen

lib="$target/debug/libfieldvisit_ffi.so"
[ "$(uname)" = Darwin ] && lib="$target/debug/libfieldvisit_ffi.dylib"
bindgen="$target/debug/uniffi-bindgen"

kotlin_out=android/fieldvisit/src/main/kotlin
swift_out=ios/Sources/FieldVisitFFI
headers_out=ios/Generated/include
python_out=bindings/python/fieldvisit

rm -rf "$kotlin_out/uniffi" "$headers_out" bindings/python
rm -f "$swift_out"/fieldvisit_*.swift
mkdir -p "$kotlin_out" "$swift_out" "$headers_out" "$python_out"

"$bindgen" generate --no-format --library "$lib" -l kotlin -o "$kotlin_out" >/dev/null
"$bindgen" generate --no-format --library "$lib" -l swift -o "$swift_out" >/dev/null
mv "$swift_out"/*.h "$swift_out"/*.modulemap "$headers_out"/
# One module map for the XCFramework that exposes every header.
cat "$headers_out"/*.modulemap > "$headers_out/module.modulemap"
"$bindgen" generate --no-format --library "$lib" -l python -o "$python_out" >/dev/null
cp "$lib" "$python_out"/
touch "$python_out/__init__.py"

echo "bindings generated: $kotlin_out/uniffi, $swift_out, $headers_out, $python_out"
