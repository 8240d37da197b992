#!/usr/bin/env python3
"""Stage 4 against the faster of OpenBLAS (5) and BLIS (5b), product by product.

usage: scripts/vs-libraries.py RUN.csv [RUN.csv ...]

Reads the CSV of `speedup --format csv` or a run file (`speedup --record`; its `# ` lines are
skipped) and prints, for every product that has rows 4, 5 and 5b: Stage 4's GFLOP/s, the best
library's, and Stage 4 / best. Given several files (repeated runs of one command), each product's
ratio is the worst of them, as issue 15's targets are judged: at least 0.95 everywhere and at
least 1.0 on the large squares (1000 and up). Exit status 0 when every product meets its target,
1 when one does not, 2 for a file it cannot read.
"""
import csv
import sys


def read_rows(path):
    with open(path, newline="") as file:
        lines = [line for line in file if not line.startswith("#")]
    return list(csv.DictReader(lines))


def main(paths):
    if not paths or any(p in ("-h", "--help") for p in paths):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    worst = {}  # product -> (ratio, stage 4 GFLOP/s, best GFLOP/s, best stage, threads)
    order = []
    for path in paths:
        try:
            rows = read_rows(path)
        except OSError as error:
            print(f"vs-libraries: cannot read {path}: {error.strerror}", file=sys.stderr)
            return 2
        by_product = {}
        for row in rows:
            if not row.get("gflops"):
                continue
            key = (row["workload"], row["shape"])
            by_product.setdefault(key, {})[row["stage"]] = row
        for key, stages in by_product.items():
            if not all(s in stages for s in ("4", "5", "5b")):
                continue
            ours = float(stages["4"]["gflops"])
            best_stage = max(("5", "5b"), key=lambda s: float(stages[s]["gflops"]))
            best = float(stages[best_stage]["gflops"])
            ratio = ours / best
            if key not in worst:
                order.append(key)
            if key not in worst or ratio < worst[key][0]:
                worst[key] = (ratio, ours, best, best_stage, stages["4"]["threads"])
    if not worst:
        print("vs-libraries: no product has rows 4, 5 and 5b (run speedup --stages 4,5,5b)", file=sys.stderr)
        return 2
    print(f"{'product':<22} {'threads':>7} {'Stage 4':>9} {'best library':>17} {'ratio':>6}  target")
    missed = 0
    for key in order:
        ratio, ours, best, best_stage, threads = worst[key]
        m, k, n = (int(x) for x in key[1].split("x"))
        target = 1.0 if m == k == n and m >= 1000 else 0.95
        ok = ratio >= target
        missed += not ok
        name = "OpenBLAS" if best_stage == "5" else "BLIS"
        print(f"{key[1]:<22} {threads:>7} {ours:>9.1f} {best:>8.1f} {name:>8} {ratio:>6.2f}  "
              f"{'≥' if ok else '<'} {target:.2f}{'' if ok else '  MISSED'}")
    runs = f"worst of {len(paths)} runs" if len(paths) > 1 else "one run"
    print(f"{len(order) - missed} of {len(order)} products meet their target ({runs}; GFLOP/s as the runs report them)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
