#!/usr/bin/env bash
# Records every run the lessons and the README quote, into docs/runs/ (one run file each; their
# header lines name the command, machine, caches, date and commit). Then `swift run lesson-check --fix`
# regenerates the lessons' tables from them. Takes about 8 minutes on the 2-core development machine; run it on
# an otherwise idle machine, and read the numbers it changed before committing them.
#   scripts/record-runs.sh            every run
#   scripts/record-runs.sh NAME...    only these (e.g. default strassen)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product speedup >&2

speedup() { swift run -c release speedup "$@"; }
# The exercises' rows need their reference solutions swapped in (a build of its own).
exercises() { scripts/check-exercises.sh --speedup "$@"; }
declare -A runs=(
  # The default table, three passes pooled; the README's chart.
  [default]="speedup --repeat 3 --rounds 3 --record docs/runs/default.csv --chart docs/speedup.svg"
  # Lesson 01: powers of two beside their neighbours (cache sets).
  [cache-sets]="speedup --stages 1,2,3,4,5 --size 500 --size 512 --size 1000 --size 1008 --size 1024 --size 1040 --repeat 3 --rounds 3 --record docs/runs/cache-sets.csv"
  # Lesson 04: the steps where B is far bigger than L2.
  [blocked-2000]="speedup --stages 3-5 --size 2000 --repeat 3 --rounds 3 --record docs/runs/blocked-2000.csv"
  [fastai-2-threads]="speedup --stages 3,4,5 --workload fastai --threads 2 --repeat 5 --rounds 3 --record docs/runs/fastai-2-threads.csv"
  [vs-blas-1-thread]="speedup --stages 4,5 --size 1000 --size 2000 --threads 1 --repeat 3 --rounds 5 --record docs/runs/vs-blas-1-thread.csv"
  [vs-blas-2-threads]="speedup --stages 4,5 --size 1000 --size 2000 --threads 2 --repeat 3 --rounds 5 --record docs/runs/vs-blas-2-threads.csv"
  [strassen]="speedup --stages 4,4s --size 1000 --size 2000 --size 4000 --repeat 3 --rounds 3 --record docs/runs/strassen.csv"
  [strassen-500]="speedup --stages 4,4s --size 1000 --size 2000 --size 4000 --repeat 3 --rounds 3 --crossover 500 --record docs/runs/strassen-500.csv"
  # Lesson 04 and the exercises: each exercise's reference solution beside the stage it imitates.
  [exercises]="exercises --stages 1,you1,2,you2,3,you3,4a,you4,4b,you5,4c,you6,you7,4,you8 --size 1000 --threads 2 --repeat 3 --rounds 3 --record docs/runs/exercises.csv"
  # Exercise 8 beside Stage 4 alone: in the run above it follows exercise 7's single-threaded row.
  [exercises-threads]="exercises --stages 4,you8 --size 1000 --threads 2 --repeat 3 --rounds 3 --record docs/runs/exercises-threads.csv"
  # Lesson 04, part 8: Stage 4 beside OpenBLAS and BLIS on every shape, each thread count twice
  # (issue 15 is judged on the worse run: scripts/vs-libraries.py FILE FILE).
  [shapes-1-thread]="speedup --stages 4,5,5b --workload shapes --threads 1 --rounds 3 --record docs/runs/shapes-1-thread.csv"
  [shapes-1-thread-again]="speedup --stages 4,5,5b --workload shapes --threads 1 --rounds 3 --record docs/runs/shapes-1-thread-again.csv"
  [shapes-2-threads]="speedup --stages 4,5,5b --workload shapes --threads 2 --rounds 3 --record docs/runs/shapes-2-threads.csv"
  [shapes-2-threads-again]="speedup --stages 4,5,5b --workload shapes --threads 2 --rounds 3 --record docs/runs/shapes-2-threads-again.csv"
  # Lesson 04, part 8: the fastai product on one thread, with the time one core takes to read A.
  [fastai-1-thread]="speedup --stages 4,5,5b --workload fastai --threads 1 --rounds 3 --record docs/runs/fastai-1-thread.csv"
  # Lesson 05: where BLAS starts to win.
  [small]="speedup --stages 3,5 --size 2 --size 4 --size 8 --size 16 --size 32 --repeat 5 --rounds 3 --record docs/runs/small.csv"
  # Lesson 06: the OpenCL kernels on both cores (PoCL), beside Stages 3-5 on two threads.
  [pocl-2-threads]="speedup --stages 3,4,5,6 --workload all --size 1000 --threads 2 --repeat 3 --rounds 2 --record docs/runs/pocl-2-threads.csv"
  # Lesson 00: the seed's Python steps beside Swift's stages.
  [python]="python3 scripts/lesson11.py --swift --record docs/runs/python.csv"
  # Lesson 04 on the Intel Xeon (family 6 model 207, two 512-bit FMA units), docs/runs/xeon-6-207/:
  # only when named, on such a machine (scripts/record-runs.sh xeon-shapes-1-thread ...).
  [xeon-shapes-1-thread]="speedup --stages 4,5,5b --workload shapes --threads 1 --rounds 3 --record docs/runs/xeon-6-207/shapes-1-thread.csv"
  [xeon-shapes-1-thread-again]="speedup --stages 4,5,5b --workload shapes --threads 1 --rounds 3 --record docs/runs/xeon-6-207/shapes-1-thread-again.csv"
  [xeon-shapes-2-threads]="speedup --stages 4,5,5b --workload shapes --threads 2 --rounds 3 --record docs/runs/xeon-6-207/shapes-2-threads.csv"
  [xeon-shapes-2-threads-again]="speedup --stages 4,5,5b --workload shapes --threads 2 --rounds 3 --record docs/runs/xeon-6-207/shapes-2-threads-again.csv"
  [xeon-stage4-shapes-1-thread]="speedup --stages 4 --workload shapes --threads 1 --rounds 3 --record docs/runs/xeon-6-207/stage4-shapes-1-thread.csv"
  [xeon-stage4-shapes-2-threads]="speedup --stages 4 --workload shapes --threads 2 --rounds 3 --record docs/runs/xeon-6-207/stage4-shapes-2-threads.csv"
  [xeon-fastai-1-thread]="speedup --stages 4,5,5b --workload fastai --threads 1 --rounds 3 --record docs/runs/xeon-6-207/fastai-1-thread.csv"
  [xeon-tile-6x16]="speedup --stages 4,5 --size 1000 --size 2000 --threads 1 --tile 6x16 --repeat 3 --rounds 3 --record docs/runs/xeon-6-207/tile-6x16.csv"
  [xeon-tile-12x32]="speedup --stages 4,5 --size 1000 --size 2000 --threads 1 --tile 12x32 --repeat 3 --rounds 3 --record docs/runs/xeon-6-207/tile-12x32.csv"
)
order=(default cache-sets blocked-2000 fastai-2-threads vs-blas-1-thread vs-blas-2-threads strassen strassen-500 exercises exercises-threads
       shapes-1-thread shapes-1-thread-again shapes-2-threads shapes-2-threads-again fastai-1-thread small pocl-2-threads python)
names=("$@")
[ ${#names[@]} -eq 0 ] && names=("${order[@]}")
for name in "${names[@]}"; do
  command="${runs[$name]:-}"
  [ -n "$command" ] || { echo "record-runs: no run named '$name' (they are: ${order[*]})" >&2; exit 2; }
  echo "record-runs: $name: $command" >&2
  start=$(date +%s)
  $command > /dev/null
  file=$(echo "$command" | grep -oE 'docs/runs/[a-z0-9/-]+\.csv')
  # How long the whole command took, for the lessons that say how long a command runs.
  sed -i "2i # wall time: $(( $(date +%s) - start )) s for the whole command (scripts/record-runs.sh)" "$file"
done
