#!/usr/bin/env bash
# The runner's peak is only true if its FMA loops compiled to the CPU's widest vectors: checks,
# in the release build, that fmaChains16 (Sources/Runner/Peak.swift) uses zmm FMAs where the CPU
# has AVX-512, and that fmaChains8 uses ymm FMAs. A compiler that split the 16-lane chains into
# 256-bit halves (it did, when the vectors were passed in as arguments) would halve the peak on a
# CPU with two 512-bit FMA units and make every "% peak" twice too high. The same holds for
# Stage 4's kernels: its 6×16 microKernel must be ymm, and the 12×32 tile's kernels
# (Sources/Stage4Blocked/RegisterTile.swift) zmm where the CPU has AVX-512, or the tile it
# chooses for its 16-lane speed would run at the 8-lane one. CI runs it.
#
#   scripts/check-peak-isa.sh [BINARY]        (BINARY defaults to .build/release/speedup)
set -euo pipefail
binary=${1:-.build/release/speedup}
here=$(dirname "$0")
# The FMA row of vector-isa.sh's table: counts on xmm, ymm, zmm. "All on one width" is the check:
# a loop with one zmm FMA and the rest on ymm halves is as slow as ymm.
widest() {
    "$here/vector-isa.sh" "$1" "$binary" | awk '/^vfmadd/ {
        if ($2 + $3 + $4 == 0) print "no"; else if ($3 + $2 == 0) print "zmm"; else if ($2 + $4 == 0) print "ymm"; else print "mixed" }'
}
status=0
expect() {   # function, register the CPU calls for
    local got
    got=$(widest "$1")
    if [ "$got" = "$2" ]; then
        echo "check-peak-isa: $1 uses only $got FMAs, as this CPU allows"
    else
        echo "check-peak-isa: $1 uses ${got:-no} FMA instructions (scripts/vector-isa.sh $1) where this CPU runs $2 ones: its speed would be the narrower width's" >&2
        status=1
    fi
}
expect fmaChains8 ymm
expect microKernel ymm
wide=ymm
grep -qw avx512f /proc/cpuinfo && wide=zmm
for function in fmaChains16 wideMicroKernel wideTailKernel wideUnpackedKernel wideUnpackedTail; do expect $function $wide; done
exit $status
