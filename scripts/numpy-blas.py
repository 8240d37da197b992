#!/usr/bin/python3
"""fastai lesson 11's product in NumPy, computed by NumPy's own BLAS and by libMatmulBLAS.

NumPy does not multiply float32 matrices itself: `x @ w` calls `cblas_sgemm` from the BLAS it
was linked with (Debian's python3-numpy: the system's libblas.so.3, OpenBLAS when it is
installed). Preloading libMatmulBLAS (LD_PRELOAD) puts its `cblas_sgemm` first in the dynamic
linker's search, so the same NumPy, unchanged, runs the course's Stage 4.

This script runs the product twice, each in a fresh Python: x_train (50000x784 Fashion-MNIST
images) @ weights (784x10), as `speedup --workload fastai` and scripts/lesson11.py do. Once as
NumPy comes, once with the library preloaded. It then

  - shows who served the call: the preloaded run reads the library's call counter
    (`matmul_blas_calls`) before and after the product, and the library prints one line per call
    (MATMUL_BLAS_VERBOSE=1); the other run lists the BLAS libraries mapped into the process;
  - checks that the two results agree within the shared bound, 2*gamma_k*(|A|.|B|) per entry
    with gamma_k = k*u/(1 - k*u), u = 2^-24, k = 784 (Sources/MatmulTesting/Conformance.swift);
  - times both: the median of --repeat runs after one warm-up.

Use Debian's Python (/usr/bin/python3): a Python earlier on PATH may carry a NumPy wheel with its
own, renamed OpenBLAS, which preloading cannot replace.

    make numpy                                   builds the library, then runs this
    /usr/bin/python3 scripts/numpy-blas.py --library .build/release/libMatmulBLAS.so [--repeat N] [--quick]
    make numpy ARGS="--record docs/runs/numpy-blas.txt"      and keep the output, with machine and date
"""

import argparse
import ctypes
import gzip
import os
import random
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
    sys.exit("error: NumPy is not installed for this Python; run: sudo apt-get install python3-numpy, "
             "then use /usr/bin/python3")


def workload():
    """x_train (50000x784, pixels/255) and the weights (784x10, seeded normal), float32: the
    same numbers as scripts/lesson11.py."""
    if os.path.exists(IMAGES):
        with gzip.open(IMAGES, "rb") as file:
            magic, count, rows, columns = struct.unpack(">IIII", file.read(16))
            if magic != 0x803 or count < TRAIN or rows * columns != PIXELS:
                raise SystemExit(f"error: {IMAGES}: not the Fashion-MNIST training images")
            pixels = np.frombuffer(file.read(TRAIN * PIXELS), dtype=np.uint8)
        x = (pixels.reshape(TRAIN, PIXELS) / 255).astype(np.float32)
        source = f"Fashion-MNIST images from {IMAGES}"
    else:
        x = np.random.default_rng(10).random((TRAIN, PIXELS), dtype=np.float32)
        source = f"SYNTHETIC uniform pixels: {IMAGES} is not installed (apt-get install dataset-fashion-mnist)"
    rng = random.Random(11)
    w = np.array([[rng.gauss(0, 1) for _ in range(CLASSES)] for _ in range(PIXELS)], dtype=np.float32)
    return x, w, source


def blas_libraries():
    """The BLAS libraries mapped into this process, from /proc/self/maps."""
    names = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "blas" in os.path.basename(path).lower() and path not in names:
                names.append(path)
    return names


def child(output, library, repeats):
    """One run: the product, its timing, and who served it, written to `output` (.npz)."""
    x, w, source = workload()
    counter = None
    if library:
        # The loaded library itself (dlopen of a loaded path returns the same one): its counter.
        counter = ctypes.CDLL(library).matmul_blas_calls
        counter.restype = ctypes.c_int64
    before = counter() if counter else 0
    c = x @ w
    after = counter() if counter else 0
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        x @ w
        times.append(time.perf_counter() - start)
    np.savez(output, c=c, times=np.array(times), calls=after - before,
             libraries="\n".join(blas_libraries()), source=source)


def parent(options):
    lines = []

    def say(line=""):   # printed, and kept for --record
        print(line)
        lines.extend(line.split("\n"))

    compare(options, say)
    if options.record:
        with open("/proc/cpuinfo") as info:
            model = next((l.split(":", 1)[1].strip() for l in info if l.startswith("model name")), "unknown CPU")
        header = [f"# command: make numpy ARGS='--record {options.record}'",
                  f"# machine: {model}, {os.cpu_count()} CPUs online",
                  f"# date: {time.strftime('%Y-%m-%d')}"]
        with open(options.record, "w") as file:
            file.write("\n".join(header + lines) + "\n")
        print(f"recorded in {options.record}")


def compare(options, say):
    library = os.path.abspath(options.library)
    if not os.path.exists(library):
        sys.exit(f"error: {library} does not exist; build it with: make blas")
    repeats = 3 if options.quick else options.repeat
    x, w, source = workload()
    flops = 2 * TRAIN * PIXELS * CLASSES
    say(f"NumPy {np.__version__} ({os.path.dirname(np.__file__)}), Python {sys.executable}")
    say(f"x_train ({TRAIN}x{PIXELS}) @ weights ({PIXELS}x{CLASSES}), float32; {source}; "
          f"median of {repeats} after one warm-up")
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, preload in (("NumPy's BLAS", None), ("libMatmulBLAS", library)):
            output = os.path.join(folder, f"{len(results)}.npz")
            environment = dict(os.environ)
            environment.pop("LD_PRELOAD", None)
            command = [sys.executable, __file__, "--child", output, "--repeat", str(repeats)]
            if preload:
                environment.update(LD_PRELOAD=preload, MATMUL_BLAS_VERBOSE="1")
                command += ["--library", preload]
            run = subprocess.run(command, env=environment, capture_output=True, text=True)
            if run.returncode != 0:
                sys.exit(f"error: the {name} run failed (exit {run.returncode}):\n{run.stdout}{run.stderr}")
            data = np.load(output)
            lines = [line for line in run.stderr.splitlines() if line.startswith("libMatmulBLAS:")]
            results[name] = (data, lines)

    say(f"\n{'':16}{'median ms':>10}{'GFLOP/s':>9}   served by")
    for name, (data, lines) in results.items():
        median = statistics.median(data["times"].tolist())
        libraries = str(data["libraries"]).split("\n")
        if name == "libMatmulBLAS":
            calls = int(data["calls"])
            served = f"libMatmulBLAS: its counter rose by {calls} during the first product"
        else:
            served = "BLAS libraries mapped in: " + ", ".join(libraries)
        say(f"{name:16}{median * 1e3:>10.2f}{flops / median / 1e9:>9.1f}   {served}")
    data, lines = results["libMatmulBLAS"]
    # The library's own line for the first product (later lines are the timed repeats), and
    # anything else it said (a stage that could not serve, a bad setting).
    calls = [line for line in lines if " → stage " in line]
    for line in lines:
        if " → stage " not in line:
            say(f"  the library said: {line}")
    if calls:
        say(f"  first call, as the library reports it: {calls[0]}")
    if int(data["calls"]) < 1:
        sys.exit("FAIL: libMatmulBLAS's counter did not move: NumPy's product did not reach the library "
                 "(was it preloaded? is this Debian's NumPy?)")

    # Agreement within the shared bound: 2*gamma_k*(|x|.|w|) per entry, k = 784.
    ours, theirs = results["libMatmulBLAS"][0]["c"], results["NumPy's BLAS"][0]["c"]
    u = 2.0 ** -24
    gamma = PIXELS * u / (1 - PIXELS * u)
    allowed = 2 * gamma * (np.abs(x).astype(np.float64) @ np.abs(w).astype(np.float64))
    difference = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
    worst = float(np.max(difference / np.maximum(allowed, np.finfo(np.float64).tiny)))
    say(f"\nagree: the largest difference is {worst:.4f} of the allowed 2*gamma_k*(|A|.|B|) "
          f"(k = {PIXELS}); max |difference| = {float(difference.max()):.3g}")
    if not (worst <= 1 and np.isfinite(ours).all()):
        sys.exit("FAIL: the results differ by more than the bound")
    ratio = statistics.median(results["NumPy's BLAS"][0]["times"].tolist()) / \
        statistics.median(results["libMatmulBLAS"][0]["times"].tolist())
    if ratio >= 1:
        say(f"libMatmulBLAS was {ratio:.2f}x as fast as NumPy's BLAS on this product")
    else:
        say(f"NumPy's BLAS was {1 / ratio:.2f}x as fast as libMatmulBLAS on this product")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", help="path of libMatmulBLAS.so (make blas prints it)")
    parser.add_argument("--repeat", type=int, default=10, help="timed runs of each product (default 10)")
    parser.add_argument("--quick", action="store_true", help="3 timed runs (CI)")
    parser.add_argument("--record", metavar="FILE", help="also write the output, with the machine and date, to FILE")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.repeat < 1:
        parser.error("--repeat must be at least 1")
    if options.child:
        child(options.child, options.library, options.repeat)
    elif not options.library:
        parser.error("--library is required (make numpy passes it)")
    else:
        parent(options)


if __name__ == "__main__":
    main()
