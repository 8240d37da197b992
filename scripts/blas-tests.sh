#!/usr/bin/env bash
# Judges libMatmulBLAS by tests nobody on this project wrote: the reference BLAS test programs
# from Debian's libblas-test, with the library preloaded (LD_PRELOAD) so that its sgemm_ and
# cblas_sgemm replace the system BLAS's. Only SGEMM is judged; the programs' other routines
# (SSYMM, STRMM, ...) still run on the system BLAS and are printed, not judged.
#
#   xblat3s   the Fortran interface (sgemm_), column-major
#   xscblat3  the C interface (cblas_sgemm), column-major and row-major. It reads CBLAS's global
#             RowMajorStrg from the reference libblas3, so that library's folder goes first on
#             LD_LIBRARY_PATH.
#
# Each runs twice: with Debian's input files (sizes 0-9) and with this project's
# (scripts/blas/: sizes up to 65, the programs' NMAX, four α and four β). The programs choose
# every leading dimension one larger than the matrix when it is below NMAX and check that the
# padding comes back untouched.
#
# Usage: scripts/blas-tests.sh [LIBRARY]   (default: the release build's libMatmulBLAS.so; `make blas-test`)
# Exit status: 0 when every SGEMM line passed, 1 when any failed or is missing, 2 for bad usage.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -le 1 ] || { echo "usage: scripts/blas-tests.sh [LIBRARY]" >&2; exit 2; }
library="${1:-$root/.build/release/libMatmulBLAS.so}"
case "$library" in /*) ;; *) library="$PWD/$library" ;; esac
[ -f "$library" ] || { echo "error: $library does not exist; build it with: make blas" >&2; exit 1; }
tests=/usr/lib/x86_64-linux-gnu/blas
if [ ! -x "$tests/xblat3s" ] || [ ! -x "$tests/xscblat3" ] || [ ! -e "$tests/libblas.so.3" ]; then
  echo "error: the reference BLAS tests are not installed; run: sudo apt-get install libblas-test libblas3" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0

# run NAME PROGRAM INPUT EXPECTED-LINE...: runs PROGRAM < INPUT in a fresh folder with the library
# preloaded, counts the calls it served, and checks that each expected line is in the output.
run() {
  local name="$1" program="$2" input="$3"
  shift 3
  local dir="$work/$name"
  mkdir -p "$dir"
  (cd "$dir" && LD_PRELOAD="$library" LD_LIBRARY_PATH="$tests" MATMUL_BLAS_VERBOSE=1 \
     "$tests/$program" < "$input" > stdout.txt 2> stderr.txt) || true
  # The summary goes to stdout or to the file named on the input's first line: read both.
  cat "$dir"/*.txt "$dir"/*.out 2>/dev/null | grep -v '^libMatmulBLAS:' > "$dir/all" || true
  local served
  served=$(grep -c '^libMatmulBLAS: .* → stage' "$dir/stderr.txt" || true)
  echo "== $program < ${input#"$root/"}: libMatmulBLAS computed $served calls"
  grep -E 'PASSED|FAILED|NOT TESTED|ERROR|FATAL' "$dir/all" | sed 's/^ */   /' || true
  for line in "$@"; do
    if ! grep -qF "$line" "$dir/all"; then
      echo "FAIL: no line '$line'" >&2
      failed=1
    fi
  done
  if [ "$served" -eq 0 ]; then
    echo "FAIL: libMatmulBLAS computed no call: was it preloaded?" >&2
    failed=1
  fi
  grep '^libMatmulBLAS:' "$dir/stderr.txt" | grep -v ' → stage' | sed 's/^/   /' || true
}

fortran=("SGEMM  PASSED THE TESTS OF ERROR-EXITS" "SGEMM  PASSED THE COMPUTATIONAL TESTS")
cblas=("cblas_sgemm  PASSED THE TESTS OF ERROR-EXITS" "cblas_sgemm  PASSED THE COLUMN-MAJOR COMPUTATIONAL TESTS"
       "cblas_sgemm  PASSED THE ROW-MAJOR    COMPUTATIONAL TESTS")
# Once per register tile Stage 4 contains (MATMUL_TILE forces one; lessons/04-blocked.md), so the
# tile this CPU would not choose is judged too.
for tile in 6x16 12x32; do
  export MATMUL_TILE=$tile
  echo "== Stage 4 with its ${tile/x/×} register tile (MATMUL_TILE=$tile)"
  run fortran-debian-$tile xblat3s "$tests/sblat3.in" "${fortran[@]}"
  run cblas-debian-$tile xscblat3 "$tests/sin3" "${cblas[@]}"
  run fortran-large-$tile xblat3s "$root/scripts/blas/sblat3-large.in" "${fortran[@]}"
  run cblas-large-$tile xscblat3 "$root/scripts/blas/sin3-large" "${cblas[@]}"
done

if [ "$failed" -ne 0 ]; then
  echo "reference BLAS tests: SGEMM FAILED (library: $library)" >&2
  exit 1
fi
echo "reference BLAS tests: SGEMM passed its error-exit and computational tests, Fortran and CBLAS (both layouts), with each register tile"
