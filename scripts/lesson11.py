#!/usr/bin/env python3
"""The seed's Python steps, on the course's fastai workload, timed on this machine.

fastai's lesson 11 makes matrix multiplication fast in Python in steps: Python loops, then an
element-wise dot product, then broadcasting, then a compiled dot product (Numba), then the
library (`@`, which calls a BLAS). This script runs those steps on the same products as
`speedup --workload fastai`: x_valid[:5] (5x784) and x_train (50000x784) of Fashion-MNIST
times a 784x10 weight matrix, and prints the same columns as the Swift runner.

Only the Python standard library is required. NumPy adds the element-wise, broadcasting and `@`
steps; Numba, when installed (pip install numba), adds the compiled one. A step whose single run
is estimated to take longer than --max-seconds is skipped with its estimate, as in the runner.

    python3 scripts/lesson11.py                  Python's steps
    python3 scripts/lesson11.py --swift          and Swift's stages 1-5, measured in the same run
    python3 scripts/lesson11.py --swift --record docs/runs/python.csv
                                                 and a run file, as `speedup --record` writes one
"""

import argparse
import array
import csv
import gzip
import io
import os
import platform
import random
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

IMAGES = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
TRAIN, PIXELS, CLASSES = 50_000, 784, 10

try:
    import numpy as np
except ImportError:
    np = None
try:
    import numba
except ImportError:
    numba = None


def read_images(path, count):
    """The first `count` images of an IDX file (plain or gzipped) as rows of floats in 0...1."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as file:
        header = file.read(16)
        if len(header) < 16:
            raise ValueError(f"{path}: not an IDX image file (shorter than its 16-byte header)")
        magic, images, rows, columns = struct.unpack(">IIII", header)
        if magic != 0x00000803:
            raise ValueError(f"{path}: not an IDX image file (magic number {magic:#010x}, expected 0x00000803)")
        if images < count or rows * columns != PIXELS:
            raise ValueError(f"{path}: needs {count} images of 28x28, has {images} of {rows}x{columns}")
        data = file.read(count * PIXELS)
        if len(data) < count * PIXELS:
            raise ValueError(f"{path}: truncated: {len(data)} of {count * PIXELS} pixel bytes")
    if np is not None:   # the same numbers, made faster
        return (np.frombuffer(data, dtype=np.uint8).reshape(count, PIXELS) / 255).tolist()
    return [[byte / 255 for byte in data[i * PIXELS:(i + 1) * PIXELS]] for i in range(count)]


def workload(path):
    """(x_valid[:5], x_train, weights, source): the runner's fastai products, as Python lists."""
    if os.path.exists(path):
        images = read_images(path, TRAIN + 5)
        source = f"Fashion-MNIST images from {path} (pixels/255); weights seeded normal"
    else:
        rng = random.Random(10)
        images = [[rng.random() for _ in range(PIXELS)] for _ in range(TRAIN + 5)]
        source = f"SYNTHETIC seeded uniform pixels: {path} is not installed; weights seeded normal"
    rng = random.Random(11)
    weights = [[rng.gauss(0, 1) for _ in range(CLASSES)] for _ in range(PIXELS)]
    return images[TRAIN:], images[:TRAIN], weights, source


# The steps. Each takes A and B as the step wants them (lists, or float32 NumPy arrays) and
# returns C. They follow the lesson's order; each changes one thing.

def loops(a, b):
    """Step 1: three nested Python loops over lists, the definition."""
    m, k, n = len(a), len(b), len(b[0])
    c = [[0.0] * n for _ in range(m)]
    for i in range(m):
        for j in range(n):
            for p in range(k):
                c[i][j] += a[i][p] * b[p][j]
    return c


def loops_on_arrays(a, b):
    """Step 1, as the seed wrote it: the same loops, indexing array elements one at a time
    (each a[i, p] makes a new NumPy scalar: most of the time goes there, not into arithmetic)."""
    m, k, n = a.shape[0], b.shape[0], b.shape[1]
    c = np.zeros((m, n), dtype=np.float32)
    for i in range(m):
        for j in range(n):
            for p in range(k):
                c[i, j] += a[i, p] * b[p, j]
    return c


def elementwise(a, b):
    """Step 2: the inner loop as one element-wise NumPy operation: (row of A * column of B).sum()."""
    m, n = a.shape[0], b.shape[1]
    c = np.zeros((m, n), dtype=np.float32)
    for i in range(m):
        for j in range(n):
            c[i, j] = (a[i, :] * b[:, j]).sum()
    return c


def broadcast(a, b):
    """Step 3: one row of A against all of B at once: (A[i, :, None] * B).sum(axis=0)."""
    c = np.zeros((a.shape[0], b.shape[1]), dtype=np.float32)
    for i in range(a.shape[0]):
        c[i] = (a[i, :, None] * b).sum(axis=0)
    return c


def compiled_dot():
    """Step 4: the dot product compiled by Numba; the two outer loops stay in Python."""
    @numba.njit(cache=False)
    def dot(x, y):
        total = np.float32(0)
        for p in range(len(x)):
            total += x[p] * y[p]
        return total

    def product(a, b):
        bt = np.ascontiguousarray(b.T)
        c = np.zeros((a.shape[0], b.shape[1]), dtype=np.float32)
        for i in range(a.shape[0]):
            for j in range(b.shape[1]):
                c[i, j] = dot(a[i], bt[j])
        return c
    return product


def library(a, b):
    """Step 5: NumPy's `@`, which calls its BLAS's sgemm."""
    return a @ b


def steps():
    """(id, name, function, wants NumPy arrays) for every step this Python can run."""
    found = [("py1", "Python loops", loops, False)]
    if np is not None:
        found += [("py1n", "loops on NumPy elements", loops_on_arrays, True), ("py2", "element-wise dot", elementwise, True), ("py3", "broadcasting", broadcast, True)]
        if numba is not None:
            found.append(("py4", "Numba dot", compiled_dot(), True))
        found.append(("py5", "NumPy @ (BLAS)", library, True))
    return found


def seconds(function, *arguments):
    start = time.perf_counter()
    function(*arguments)
    return time.perf_counter() - start


def estimate(function, a, b):
    """Seconds for one run on all of A, from the first rows: as the Swift runner estimates."""
    rows = max(1, min(len(a), int(2e6 / (2 * len(b) * len(b[0])))))
    if 2 * rows >= len(a):
        return 0.0
    # Each probe the faster of two tries, as in the runner: a first call can pay for thread start-up.
    once = min(seconds(function, a[:rows], b), seconds(function, a[:rows], b))
    twice = min(seconds(function, a[:2 * rows], b), seconds(function, a[:2 * rows], b))
    # As in the runner: one disturbed first probe must not make the cost per row nearly zero.
    per_row = max((twice - once) / rows, twice / (2 * rows) / 3)
    return once + per_row * (len(a) - rows)


def time_steps(problems, repeats, max_seconds, progress):
    rows = []
    for name, a_list, b_list in problems:
        arrays = (np.array(a_list, dtype=np.float32), np.array(b_list, dtype=np.float32)) if np is not None else None
        m, k, n = len(a_list), len(b_list), len(b_list[0])
        flops = 2 * m * k * n
        loops_ms = previous_ms = None
        estimated_base = False
        for step, label, function, wants_arrays in steps():
            a, b = arrays if wants_arrays else (a_list, b_list)
            progress(f"{name} {m}x{k} . {k}x{n}, {step} {label}")
            function(a[:2], b)   # warm-up: imports, Numba's compilation
            guess = estimate(function, a, b)
            row = {"product": f"{name} {m}x{k} · {k}x{n}", "workload": name, "shape": f"{m}x{k}x{n}",
                   "step": step, "name": label, "ms": None, "note": ""}
            if guess > max_seconds:
                row["note"] = f"skipped: about {guess:.0f} s a run; --max-seconds {int(guess) + 1} runs it"
                if step == "py1":   # the later steps' × Python loops use the estimate, marked ~
                    loops_ms, estimated_base = guess * 1e3, True
                rows.append(row)
                continue
            runs = 1 if guess > 2 else repeats
            samples = [seconds(function, a, b) * 1e3 for _ in range(runs)]
            median = statistics.median(samples)
            row.update(ms=median, min_ms=min(samples), max_ms=max(samples), samples=runs, gflops=flops / median / 1e6)
            row["x_loops"] = loops_ms / median if loops_ms else (1.0 if step == "py1" else None)
            row["estimated"] = estimated_base
            row["x_previous"] = previous_ms / median if previous_ms and step != "py1n" else None
            if step == "py1":
                loops_ms = median
            if step != "py1n":   # a variant of step 1, not a step: × prev of step 2 is against py1
                previous_ms = median
            if runs < repeats:
                row["note"] = f"median of {runs} run"
            rows.append(row)
    return rows


def swift_rows(stages, repeats, images, loops_ms, progress):
    """The Swift runner's rows for the same products, in the same run of this script."""
    if shutil.which("swift") is None:
        raise SystemExit("lesson11.py: --swift needs the swift command on PATH (or run the runner yourself)")
    with tempfile.TemporaryDirectory() as folder:
        run_file = os.path.join(folder, "swift.csv")
        command = ["swift", "run", "-c", "release", "speedup", "--workload", "fastai", "--stages", stages,
                   "--repeat", str(repeats), "--format", "csv", "--record", run_file] + (["--images", images] if images != IMAGES else [])
        progress("running " + " ".join(command))
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"lesson11.py: the Swift runner failed:\n{result.stderr}")
        with open(run_file) as file:
            records = list(csv.DictReader(line for line in file if not line.startswith("#")))
    rows = []
    for fields in records:
        m, k, n = fields["shape"].split("x")
        product = f"fastai {m}x{k} · {k}x{n}"
        def number(key):
            return float(fields[key]) if fields.get(key) else None
        ms = number("median_ms")
        base, estimated = loops_ms.get(product, (None, False))
        rows.append({"product": product, "workload": "fastai", "shape": fields["shape"], "step": fields["stage"],
                     "name": "Swift " + fields["name"], "ms": ms, "min_ms": number("min_ms"), "max_ms": number("max_ms"),
                     "samples": int(fields["samples"]) if fields.get("samples") else None, "gflops": number("gflops"),
                     "x_loops": base / ms if base and ms else None, "x_previous": None, "estimated": estimated,
                     "note": fields["note"]})
    return rows


def run_file(rows, header_lines):
    """The rows as a run file: `# ` lines on how they were made, then CSV with the runner's
    column names where they mean the same (stage holds the step; loops_base says whether
    × Python loops is against py1's measured time or its estimate)."""
    out = io.StringIO()
    out.write("# run file: made by `scripts/lesson11.py --record`; the lessons' tables are checked against it (lesson-check)\n")
    out.writelines(f"# {line}\n" for line in header_lines)
    columns = ["workload", "shape", "stage", "name", "median_ms", "min_ms", "max_ms", "samples", "gflops",
               "x_loops", "loops_base", "x_previous", "note"]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    def number(value, digits):
        return "" if value is None else f"{value:.{digits}f}"
    for row in rows:
        writer.writerow([row["workload"], row["shape"], row["step"], row["name"], number(row["ms"], 4),
                         number(row.get("min_ms"), 4), number(row.get("max_ms"), 4), row.get("samples") or "",
                         number(row.get("gflops"), 3), number(row.get("x_loops"), 2),
                         ("estimated" if row.get("estimated") else "measured") if row.get("x_loops") else "",
                         number(row.get("x_previous"), 2), row["note"]])
    return out.getvalue()


def render(rows, markdown):
    out = []
    for product in dict.fromkeys(row["product"] for row in rows):
        out += ["**" + product + "**", ""] if markdown else [product]
        header = ["step", "name", "median ms", "GFLOP/s", "× Python loops", "× prev", "note"]
        table = []
        for row in (r for r in rows if r["product"] == product):
            def number(key, digits, suffix=""):
                value = row.get(key)
                return "" if value is None else f"{value:.{digits}f}{suffix}"
            ms = row["ms"]
            table.append([row["step"], row["name"], "skipped" if ms is None else (f"{ms:.3f}" if ms < 10 else f"{ms:.1f}"),
                          number("gflops", 3), ("~" if row.get("estimated") else "") + number("x_loops", 0 if (row.get("x_loops") or 0) >= 100 else 1, "×"), number("x_previous", 1, "×"), row["note"]])
        if markdown:
            out.append("| " + " | ".join(header) + " |")
            out.append("|" + "|".join(["---", "---", "---:", "---:", "---:", "---:", "---"]) + "|")
            out += ["| " + " | ".join(line) + " |" for line in table]
        else:
            widths = [max(len(str(x)) for x in column) for column in zip(header, *table)]
            out.append("  ".join(h.ljust(w) for h, w in zip(header, widths)))
            out += ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)) for line in table]
        out.append("")
    return "\n".join(out)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as info:
            return next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def main():
    parser = argparse.ArgumentParser(description="fastai lesson 11's matmul steps in Python, on the course's fastai workload.")
    parser.add_argument("--images", default=IMAGES, help=f"IDX image file (default {IMAGES}; synthetic pixels if missing)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per step after one warm-up (default 3)")
    parser.add_argument("--max-seconds", type=float, default=30, help="skip a step estimated to run longer (default 30)")
    parser.add_argument("--swift", action="store_true", help="also run the Swift runner's stages on the same products")
    parser.add_argument("--stages", default="1-5", help="the Swift stages for --swift (default 1-5)")
    parser.add_argument("--format", choices=["table", "markdown"], default="table")
    parser.add_argument("--record", metavar="FILE", help="also write the rows as a run file (CSV under lines on the command, machine, date and commit)")
    options = parser.parse_args()
    if options.record and not os.access(os.path.dirname(os.path.abspath(options.record)), os.W_OK):
        parser.error(f"--record: cannot write into the folder of {options.record}")
    if options.repeat < 1 or options.max_seconds <= 0:
        parser.error("--repeat takes 1 or more and --max-seconds a number above 0")

    def progress(line):
        print("lesson11.py: " + line, file=sys.stderr, flush=True)

    try:
        x_valid5, x_train, weights, source = workload(options.images)
    except (OSError, ValueError) as error:
        print(f"lesson11.py: error: {error}", file=sys.stderr)
        return 1
    problems = [("fastai", x_valid5, weights), ("fastai", x_train, weights)]
    rows = time_steps(problems, options.repeat, options.max_seconds, progress)
    if options.swift:
        loops_ms = {row["product"]: (row["ms"], False) for row in rows if row["step"] == "py1" and row["ms"]}
        for row in rows:   # where py1 was skipped, its estimate is the base, as for the Python steps
            if row["product"] not in loops_ms and row.get("estimated") is not None and row["x_loops"]:
                loops_ms[row["product"]] = (row["x_loops"] * row["ms"], row["estimated"])
        swift = swift_rows(options.stages, options.repeat, options.images, loops_ms, progress)
        rows = [row for product in dict.fromkeys(r["product"] for r in rows)
                for row in rows + swift if row["product"] == product]
    header = [f"machine: {cpu_model()}, {os.cpu_count()} cores; "
              f"{time.strftime('%Y-%m-%d')}; Python {platform.python_version()}, "
              f"NumPy {np.__version__ if np is not None else 'not installed'}, "
              f"Numba {numba.__version__ if numba is not None else 'not installed (pip install numba)'}",
              f"data: {source}",
              "× Python loops: how many times faster than step py1 on the same product, in this run "
              "(~: against py1's estimate, where py1 was skipped)"]
    print("\n".join(header) + "\n")
    print(render(rows, options.format == "markdown"))
    if options.record:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True).stdout.strip() or "unknown"
        timing = (f"median of {options.repeat} timed runs per step after one warm-up (1 for runs estimated over 2 s); "
                  "min_ms and max_ms are the extremes; the Swift rows are the runner's (speedup --record)")
        with open(options.record, "w") as file:
            file.write(run_file(rows, ["command: python3 scripts/lesson11.py " + " ".join(sys.argv[1:]),
                                       f"commit: {commit}", f"timing: {timing}"] + header))
        progress(f"wrote the run file {options.record}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
