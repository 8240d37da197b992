#!/usr/bin/env bash
# Fuzzes what users feed the programs — IDX image files (gzipped or not), command lines of speedup,
# speedup tune and speedup chart, and run files — with libFuzzer and AddressSanitizer
# (Fuzz/FuzzInputs.swift, Sources/Runner/FuzzInputs.swift). It starts from Fuzz/corpus/ (seeds, and
# every input that once crashed a program) and stops at the first trap or sanitizer report.
#
#   scripts/fuzz.sh [SECONDS]     fuzz for SECONDS (default: $FUZZ_SECONDS, else 60); CI runs it
#
# Exit 0 when nothing failed in that time. On a failure the input is saved under
# .build-fuzz/crashes/; reproduce it with `.build-fuzz/debug/fuzz-inputs FILE`, fix the reader,
# and copy the file into Fuzz/corpus/ so that the tests replay it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-${FUZZ_SECONDS:-60}}"
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS]  (a whole number of seconds, not '$seconds')" >&2; exit 2; }

# Its own build folder: every module instrumented for coverage and AddressSanitizer.
MATMUL_FUZZ=1 swift build --sanitize=fuzzer --sanitize=address -Xswiftc -parse-as-library \
    --scratch-path .build-fuzz --product fuzz-inputs

# New inputs go to a working corpus in the build folder; Fuzz/corpus/ is only read.
mkdir -p .build-fuzz/corpus .build-fuzz/crashes
echo "fuzzing for $seconds s (IDX reader, command lines, run files)…"
# Leaks are not looked for (see `make asan`); 2 GiB of memory is far more than any input here needs.
ASAN_OPTIONS=detect_leaks=0:use_sigaltstack=0 .build-fuzz/debug/fuzz-inputs \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=20 \
    -artifact_prefix=.build-fuzz/crashes/ -print_final_stats=1 \
    .build-fuzz/corpus Fuzz/corpus
