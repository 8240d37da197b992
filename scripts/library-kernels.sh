#!/usr/bin/env bash
# Stage 5's tests (OpenBLAS and BLIS) once per kernel family this CPU can execute: OpenBLAS's own
# choice and each OPENBLAS_CORETYPE, BLIS's own choice and each BLIS_ARCH_TYPE, as
# `speedup libraries --list` gives them. A test that holds only for the kernel a library happens to
# pick on one CPU fails here on any CPU. The tests also check that the library ran what was asked
# for (openBLASRunsTheCoreTypeTheEnvironmentAsksFor, blisRunsTheConfigurationTheEnvironmentAsksFor).
# CI runs it (make test-libraries).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product speedup
swift build --build-tests
list() { swift run -c release --skip-build speedup libraries --list "$1"; }
openblas=$(list openblas); blis=$(list blis)
# The families the issue that made this script asks for, where the CPU runs them.
require() {   # list, setting, cpu flag
    if grep -qw "$3" /proc/cpuinfo && ! grep -qx "$2" <<< "$1"; then
        echo "library-kernels: this CPU has $3, yet $2 is not among the families to test" >&2
        exit 1
    fi
}
require "$openblas" OPENBLAS_CORETYPE=Prescott pni
require "$openblas" OPENBLAS_CORETYPE=Haswell avx2
require "$openblas" OPENBLAS_CORETYPE=SkylakeX avx512f
failed=()
run() {   # variable, value ("" for the library's own choice)
    local label="$1=${2:-(its own choice)}" status=0 setting=(-u "$1")
    [ -n "$2" ] && setting=("$1=$2")
    echo "== Stage 5's tests with $label"
    env "${setting[@]}" swift test --skip-build --filter Stage5BLASTests > .build/library-kernels.log 2>&1 || status=$?
    # The failures in full, else the summary line.
    if [ $status -ne 0 ]; then grep -E '✘|error' .build/library-kernels.log | head -n 40; failed+=("$label")
    else tail -n 1 .build/library-kernels.log; fi
}
while IFS= read -r setting; do run OPENBLAS_CORETYPE "${setting#OPENBLAS_CORETYPE=}"; done <<< "$openblas"
while IFS= read -r setting; do run BLIS_ARCH_TYPE "${setting#BLIS_ARCH_TYPE=}"; done <<< "$blis"
if [ ${#failed[@]} -gt 0 ]; then
    echo "library-kernels: Stage 5's tests failed with: ${failed[*]}" >&2
    exit 1
fi
echo "library-kernels: Stage 5's tests passed with every kernel family listed above"
