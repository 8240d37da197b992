#!/usr/bin/env bash
# make exercises: proves the exercises in Sources/YourTurn are solvable and that their tests bite.
#
#   1. The reference solutions (Solutions/YourTurn) in place of the stubs: every exercise's tests
#      must run and pass, none skipped.
#   2. Each wrong solution (Solutions/Wrong: a patch to one reference solution) in turn, with the
#      reference solutions for the rest:
#      the tests must fail, and only that exercise's suite (and your own kernel's, whose reference
#      solution is built on exercise 8).
#
#   scripts/check-exercises.sh --speedup ARGS...   the runner, release build, with the reference
#                                                  solutions in: their rows beside the stages'
#
# It builds in a folder of its own (.build-exercises/: the sources it assembles and their build),
# so your files in Sources/YourTurn and your .build stay as they are. The first build takes a few
# minutes; each wrong solution after that recompiles only what changed.
set -uo pipefail
cd "$(dirname "$0")/.."

work=.build-exercises
sources=$work/YourTurn
mkdir -p "$sources"
failures=0

# The stubs' folder with every reference solution, then the wrong solution's patch $1 (if any)
# applied to its reference solution. The copies keep their times, so the build recompiles only
# what a patch changed.
assemble() {
    find "$sources" -name '*.swift' -delete
    for f in Sources/YourTurn/*.swift Solutions/YourTurn/*.swift; do cp -p "$f" "$sources/"; done
    if [ -n "${1:-}" ]; then
        git apply -p3 --directory="$sources" "$1" || { echo "  cannot apply $1 to the reference solution"; return 1; }
    fi
}

# Runs the exercises' tests; prints one line of counts; leaves the output in $work/test.log.
run_tests() {
    MATMUL_YOURTURN_SOURCES="$sources" swift test --scratch-path "$work/build" --filter YourTurnTests \
        > "$work/test.log" 2>&1
    local status=$?
    if ! grep -q '^[✔✘].* Test run with' "$work/test.log"; then
        echo "  the tests did not run (exit $status):"; tail -20 "$work/test.log" | sed 's/^/    /'
        return 2
    fi
    echo "  $(grep '^[✔✘].* Test run with' "$work/test.log" | sed 's/^. //')"
    return $status
}

if [ "${1:-}" = "--speedup" ]; then
    shift
    assemble ""
    MATMUL_YOURTURN_SOURCES="$sources" swift run -c release --scratch-path "$work/build" speedup "$@"
    status=$?
    # A recorded run says which code its "you" rows timed.
    record=$(echo " $* " | grep -oE -- ' --record[ =][^ ]+' | sed -E 's/ --record[ =]//' || true)
    if [ $status -eq 0 ] && [ -n "$record" ] && [ -f "$record" ]; then
        sed -i "2i # the you1…you8 rows: the reference solutions in Solutions/YourTurn (scripts/check-exercises.sh --speedup)" "$record"
    fi
    exit $status
fi

echo "== reference solutions (Solutions/YourTurn): every exercise's tests must pass"
assemble ""
run_tests
status=$?
if [ $status -ne 0 ] || grep -q '^➜ Test .* skipped' "$work/test.log"; then
    echo "  FAILED: the reference solutions must pass with nothing skipped"; failures=$((failures + 1))
    grep -E '^(✘|➜) Test' "$work/test.log" | head -20 | sed 's/^/    /'
fi

for wrong in Solutions/Wrong/*.patch; do
    name=$(basename "$wrong" .patch)
    echo "== $wrong: $(sed -n '1s/^A WRONG solution to //p' "$wrong")"
    assemble "$wrong" || { failures=$((failures + 1)); continue; }
    run_tests
    status=$?
    # The suites that failed: Swift Testing names the failing suite on its own "✘ Suite" line.
    suites=$(grep -E '^✘ Suite' "$work/test.log" | sed -E 's/^✘ Suite "?([^"]*)"? .*/\1/' | sort -u | paste -sd ';' -)
    echo "  failing suites: ${suites:-none}"
    number=${name#Exercise}; number=${number%%[A-Za-z]*}
    if [ $status -eq 0 ]; then
        echo "  FAILED: the tests passed a wrong solution"; failures=$((failures + 1))
    elif [ $status -eq 2 ] || ! grep -qE "^✘ Suite \"Exercise $number:" "$work/test.log"; then
        echo "  FAILED: exercise $number's own suite did not fail"; failures=$((failures + 1))
    # Your own kernel's reference solution runs exercise 8's loops: it may fail with them.
    elif grep -E '^✘ Suite' "$work/test.log" | grep -vE '^✘ Suite "Your own kernel' | grep -vqE "^✘ Suite \"Exercise $number:"; then
        echo "  FAILED: a suite other than exercise $number's failed too"; failures=$((failures + 1))
    fi
done

if [ $failures -ne 0 ]; then echo "exercises: $failures check(s) FAILED"; exit 1; fi
echo "exercises: the reference solutions pass; every wrong solution is rejected by its own tests"
