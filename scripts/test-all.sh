#!/usr/bin/env bash
# Every test of the workspace, on a fresh Debian machine as on a developer's.
set -euo pipefail
cd "$(dirname "$0")/.."

# Rust unit, integration and end-to-end tests (includes the SIGKILL crash-safety test).
cargo test --workspace --locked

# The FFI: generated Kotlin on the JVM, generated Python, Swift and C header checks.
scripts/test-bindings.sh

# The README's first command must keep working: the server demo on a fresh folder, with simulated
# phones uploading over HTTP, stopping after its summary.
demo_dir="$(mktemp -d)"
trap 'rm -rf "$demo_dir"' EXIT
cargo run --quiet --locked -p fieldvisit-server -- demo --data "$demo_dir/data" \
    --listen 127.0.0.1:0 --exit-after-sync > "$demo_dir/out.txt"
grep -q "合计 Total" "$demo_dir/out.txt"
echo "server demo: ok"

# The phone engine on its own: records, seals and verifies visits of every type.
cargo run --quiet --locked -p fieldvisit-core --example demo > /dev/null
echo "core demo: ok"
