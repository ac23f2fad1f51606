#!/usr/bin/env bash
# Builds ios/build/FieldVisitCore.xcframework on macOS with Xcode: the static library of
# fieldvisit-ffi for iOS devices (arm64) and the simulator (arm64 + x86_64), with the generated
# C headers and module map. Then `swift build` / Xcode can use ios/Package.swift.
# Needs: rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(uname)" = Darwin ] || { echo "build-xcframework.sh needs macOS with Xcode" >&2; exit 1; }
target="${CARGO_TARGET_DIR:-$PWD/target}"

scripts/gen-bindings.sh   # Swift sources and headers from the host build
for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
    cargo build --locked --release -p fieldvisit-ffi --target "$t"
done
sim="$target/ios-sim-universal"
mkdir -p "$sim"
lipo -create "$target/aarch64-apple-ios-sim/release/libfieldvisit_ffi.a" \
    "$target/x86_64-apple-ios/release/libfieldvisit_ffi.a" -output "$sim/libfieldvisit_ffi.a"

headers=ios/Generated/include
out=ios/build/FieldVisitCore.xcframework
rm -rf "$out"
# Only the combined module.modulemap may sit beside the headers.
tmp=$(mktemp -d)
cp "$headers"/*.h "$headers/module.modulemap" "$tmp"/
xcodebuild -create-xcframework \
    -library "$target/aarch64-apple-ios/release/libfieldvisit_ffi.a" -headers "$tmp" \
    -library "$sim/libfieldvisit_ffi.a" -headers "$tmp" \
    -output "$out"
rm -rf "$tmp"
echo "built $out"
