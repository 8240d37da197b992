#!/usr/bin/env bash
# Records what differs from one CPU to the next (lesson 00, "What will differ on your machine")
# into a folder of its own: the peak in Swift and in C side by side, each library kernel family
# timed, Stage 4 beside the libraries at their best and as found, the fastai product with the time
# one core takes to read it, and the vector width of the stages' kernels. The lessons quote
# docs/runs/xeon-6-207/, recorded so on an Intel Xeon (family 6 model 207); run it into another
# folder to see your own machine's (30 s on that Xeon once built; on an otherwise idle machine).
#   scripts/record-machine.sh docs/runs/mine
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 1 ] || { echo "usage: scripts/record-machine.sh FOLDER" >&2; exit 2; }
folder=$1
mkdir -p "$folder"
swift build -c release --product speedup >&2
speedup() { swift run -c release --skip-build speedup "$@"; }
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
family=$(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
number=$(sed -n 's/^model[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
hypervisor=$(lscpu 2>/dev/null | sed -n 's/^Hypervisor vendor:[[:space:]]*//p')
header() {   # command
    echo "# command: $1"
    echo "# commit: $commit"
    echo "# machine: $model (family $family model $number), $(nproc) cores${hypervisor:+, a $hypervisor virtual machine}; $(date -u +%F)"
}

echo "record-machine: the peak, in Swift and in C, three times each, alternating" >&2
{
    header "scripts/peak-in-c.sh; swift run -c release speedup --stages 5 --size 64 --repeat 1 (its peak: line), three times"
    for round in 1 2 3; do
        echo "round $round:"
        scripts/peak-in-c.sh | sed 's/^/  C:     /'
        line=$(speedup --stages 5 --size 64 --repeat 1 --libraries as-found 2>/dev/null | awk '/^peak:/ { p = 1 } /^OpenBLAS:/ { p = 0 } p' | tr -s ' \n' ' ')
        echo "  Swift: $line"
    done
} > "$folder/peak.txt"

echo "record-machine: each kernel family of OpenBLAS and BLIS" >&2
{
    header "swift run -c release speedup libraries; then BLIS's own account of its choice, and a name given to BLIS_ARCH_TYPE"
    speedup libraries
    echo
    echo "BLIS_ARCH_DEBUG=1 swift run -c release speedup kernel-probe BLIS (kernel, GFLOP/s; BLIS's messages):"
    BLIS_ARCH_DEBUG=1 speedup kernel-probe BLIS 2>&1 | sed 's/^/  /'
    echo "BLIS_ARCH_TYPE=haswell swift run -c release speedup kernel-probe BLIS (kernel, GFLOP/s):"
    BLIS_ARCH_TYPE=haswell speedup kernel-probe BLIS 2>&1 | sed 's/^/  /'
} > "$folder/libraries.txt"

echo "record-machine: the vector instructions of the kernels" >&2
{
    header "scripts/vector-isa.sh FUNCTION for fmaChains8, fmaChains16, plainKernel, microKernel, dotKernel; lesson 03's command for Stage 3"
    for function in fmaChains8 fmaChains16 plainKernel microKernel dotKernel; do scripts/vector-isa.sh "$function"; echo; done
    echo "Stage 3's multiply (lesson 03): multiplies and adds by register"
    objdump -d --no-show-raw-insn .build/release/speedup | awk '/<.*Stage3Broadcast.*V8multiply.*>:$/,/^$/' \
        | grep -oE 'v(mul|add)[sp]s .*%[xyz]mm' | sed -E 's/ .*%/ /' | sort | uniq -c
} > "$folder/vector-isa.txt"

run() {   # file name, speedup arguments
    local file="$folder/$1.csv"; shift
    echo "record-machine: speedup $* --record $file" >&2
    speedup "$@" --record "$file" > /dev/null
}
run stages-4-5-5b-256 --size 256 --stages 4,5,5b --repeat 5 --rounds 3
run stages-4-5-5b-256-as-found --size 256 --stages 4,5,5b --repeat 5 --rounds 3 --libraries as-found
run stages-3-4-5-1000 --stages 3,4c,4,5,5b --size 1000 --repeat 3 --rounds 3
run fastai --stages 4,5,5b --workload fastai --repeat 5 --rounds 3
echo "record-machine: wrote $(ls "$folder" | tr '\n' ' ')" >&2
