#!/usr/bin/env bash
# The peak measured in C (scripts/peak/fma-chains.c), to compare with the `peak:` line of
# `swift run -c release speedup`: both time 12 independent FMA chains per vector width. Built with
# the clang that comes with Swift, at -O2, for this CPU.
set -euo pipefail
here=$(dirname "$0")
clang=$(dirname "$(command -v swift)")/clang
[ -x "$clang" ] || clang=$(command -v clang || true)
[ -n "$clang" ] || { echo "peak-in-c: no clang found (it comes with Swift: add Swift's usr/bin to PATH)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$clang" -O2 -o "$out/fma-chains" "$here/peak/fma-chains.c"
"$out/fma-chains"
