#!/usr/bin/env bash
# Fuzzing with libFuzzer (cargo fuzz, on the nightly toolchain): runs each target of
# fuzz/fuzz_targets for a while and fails on the first crash.
#
#   scripts/fuzz.sh [SECONDS] [TARGET ...]     # default: 60 s each, every target
#
# Targets: envelope (decode, peek, verify; signed bodies round-trip), template_load (load, and a
# loaded template round-trips), answers (an app's answer against every built-in template),
# photo_intake (decode, guard, orient, resize, re-encode), csv_import (household rows), json_bodies
# (the server's JSON extractor on the request types of its routes).
# The seeds in fuzz/corpus/TARGET are read, never written; new inputs go to target/fuzz-corpus/TARGET.
# A crash leaves its input in fuzz/artifacts/TARGET. cargo-fuzz is installed once, outside the
# clone, in ${XDG_CACHE_HOME:-$HOME/.cache}/fieldvisit/cargo-fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
tools="${XDG_CACHE_HOME:-$HOME/.cache}/fieldvisit/cargo-fuzz"
if [ ! -x "$tools/bin/cargo-fuzz" ]; then
    echo "== installing cargo-fuzz into $tools"
    cargo install cargo-fuzz --locked --root "$tools"
fi
export PATH="$tools/bin:$PATH"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(envelope template_load answers photo_intake csv_import json_bodies)
fi
mkdir -p target
for t in "${targets[@]}"; do
    mkdir -p "target/fuzz-corpus/$t"
    echo "== $t: ${seconds} s"
    log="target/fuzz-$t.log"
    if ! cargo +nightly fuzz run "$t" "target/fuzz-corpus/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 > "$log" 2>&1; then
        tail -40 "$log"
        echo "== $t: FAILED (input in fuzz/artifacts/$t, log in $log)"
        exit 1
    fi
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    rate=$(grep -o 'exec/s: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || echo "?")
    echo "== $t: no crash in $runs runs ($rate exec/s)"
done
