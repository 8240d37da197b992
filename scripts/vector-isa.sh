#!/usr/bin/env bash
# Which vector instructions a Swift function compiled to: its fused multiply-adds, multiplies,
# adds and loads, counted by register width, and what that width means.
#
#   scripts/vector-isa.sh yourMicroKernel            (after: swift build -c release)
#   scripts/vector-isa.sh microKernel .build/release/speedup
#
# xmm registers hold 4 floats (SSE, or AVX's scalar forms ending in "ss"), ymm 8 (AVX2), zmm 16
# (AVX-512). A kernel written with SIMD8<Float> should show vfmadd…ps on ymm; SIMD16 on a machine
# with AVX-512, zmm. A `call` to fmaf instead of vfmadd means the build did not target the CPU's
# FMA (see lessons/00-start-here.md on -march=native).
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: scripts/vector-isa.sh FUNCTION [BINARY]   (BINARY defaults to .build/release/speedup)" >&2
    exit 2
fi
name=$1
binary=${2:-.build/release/speedup}
if [ ! -f "$binary" ]; then
    echo "vector-isa: $binary does not exist: build it first with 'swift build -c release'" >&2
    exit 1
fi
command -v objdump > /dev/null || { echo "vector-isa: objdump is missing: apt-get install binutils" >&2; exit 1; }

# Swift mangles a function name as its length then the name: yourMicroKernel → 15yourMicroKernel.
# Only the function itself, not the thunks and closures whose symbols also contain that.
listing=$(objdump -d --no-show-raw-insn "$binary" | awk -v key="${#name}${name}" '
    /^[0-9a-f]+ <.*>:$/ { inside = index($0, key) > 0 && $0 !~ /(TA|Tm|TR|TQ|Tq|fU_|XX|Wl)[0-9A-Za-z_]*>:$/
                          if (inside) print; next }
    inside && NF > 1')
if [ -z "$listing" ]; then
    echo "vector-isa: no function named $name in $binary (is it public or @inline(never)? was it inlined away?)" >&2
    exit 1
fi

echo "$listing" | grep '>:$' | while read -r _ symbol; do
    symbol=${symbol#<}; symbol=${symbol%>:}
    echo "function: $(swift demangle --simplified --compact "$symbol" 2>/dev/null || echo "$symbol")"
done
count() { echo "$listing" | grep -E "$1" | grep -cE "$2" || true; }
printf '%-34s %6s %6s %6s %6s\n' "instructions" "xmm" "ymm" "zmm" "scalar"
# Each row: its label, the packed forms (4, 8 or 16 floats by register), the scalar form (one float
# in an xmm register; "-" where there is none).
row() {
    local scalar="-"
    [ "$3" != "-" ] && scalar=$(count "$3" '%xmm')
    printf '%-34s %6s %6s %6s %6s\n' "$1" "$(count "$2" '%xmm')" "$(count "$2" '%ymm')" "$(count "$2" '%zmm')" "$scalar"
}
row "vfmadd|vfmsub|vfnmadd" 'vfn?m(add|sub)[0-9]*ps ' 'vfn?m(add|sub)[0-9]*ss '
row "vmulps|vmulss" 'vmulps ' 'vmulss '
row "vaddps|vaddss" 'vaddps ' 'vaddss '
row "vbroadcastss" 'vbroadcastss ' '-'
row "vmovups|vmovaps|vmovss" 'vmov[ua]ps ' 'vmovss '
printf '%-34s %6s\n' "prefetch (any)" "$(echo "$listing" | grep -c prefetch || true)"
calls=$(echo "$listing" | grep -E 'call' | grep -oE '<[^>]+>' | sort | uniq -c || true)
[ -n "$calls" ] && { echo "calls:"; echo "$calls" | sed 's/^/  /'; }

fma_zmm=$(count 'vfn?m(add|sub)[0-9]*ps ' '%zmm'); fma_ymm=$(count 'vfn?m(add|sub)[0-9]*ps ' '%ymm'); fma_xmm=$(count 'vfn?m(add|sub)[0-9]*ps ' '%xmm')
if [ "$fma_zmm" -gt 0 ]; then echo "widest FMA: zmm, 16 floats per instruction (AVX-512)"
elif [ "$fma_ymm" -gt 0 ]; then echo "widest FMA: ymm, 8 floats per instruction (AVX2)"
elif [ "$fma_xmm" -gt 0 ]; then echo "widest FMA: xmm, 4 floats per instruction"
elif echo "$calls" | grep -q fmaf; then echo "no FMA instruction: fused multiply-adds are calls to fmaf (built without -march=native?)"
else echo "no FMA instruction: multiplies and adds are separate"
fi
