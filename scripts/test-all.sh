#!/usr/bin/env bash
# Every test of the workspace, on a fresh Debian machine as on a developer's.
set -euo pipefail
cd "$(dirname "$0")/.."

# Rust unit, integration and end-to-end tests (includes the SIGKILL crash-safety test).
cargo test --workspace --locked

# The FFI: generated Kotlin on the JVM, generated Python, Swift and C header checks.
scripts/test-bindings.sh

# The demo must keep working: it records, seals and verifies visits of every type.
cargo run --quiet --locked -p fieldvisit-core --example demo > /dev/null
echo "demo: ok"
