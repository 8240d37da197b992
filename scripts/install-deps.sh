#!/usr/bin/env bash
# Installs what the course needs and is missing, on Debian or Ubuntu:
#   pkg-config and libopenblas-dev (Stage 5 links OpenBLAS), libblis4-pthread (Stage 5b opens BLIS;
#   its pthreads build, as with libgomp's default wait policy the OpenMP build's idle threads spin
#   for a while after each product, on a core the next row may be timed on), zlib1g-dev (the
#   runner reads .gz files), and dataset-fashion-mnist (real images for the fastai workload; optional);
#   for Stage 6, the OpenCL loader and PoCL (OpenCL on the CPU, so the GPU kernels run anywhere).
# With --nvrtc, or where CI is set: also NVIDIA's NVRTC 12 and 13 from PyPI into .deps/nvrtc and
#   .deps/nvrtc13 (they compile the CUDA kernels, so their tests run without a GPU; two 90 MB downloads).
# With --ci, or where CI is set: also librsvg2-bin (the chart test renders the SVG to a PNG).
# With --blas (and --ci, or where CI is set): the reference BLAS tests (libblas-test, libblas3)
#   and Debian's NumPy (python3-numpy), which judge and use libMatmulBLAS (`make blas-test`, `make numpy`).
# As root it uses apt-get; otherwise sudo; failing both it prints the exact command to run.
set -euo pipefail

nvrtc=no
chart=no
blas=no
[ -n "${CI:-}" ] && nvrtc=yes && chart=yes && blas=yes
for argument in "$@"; do
  case "$argument" in
    --nvrtc) nvrtc=yes ;;
    --blas) blas=yes ;;
    --ci) nvrtc=yes; chart=yes; blas=yes ;;
    *) echo "usage: scripts/install-deps.sh [--nvrtc] [--blas] [--ci]" >&2; exit 2 ;;
  esac
done

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if command -v pkg-config >/dev/null 2>&1; then
  pkg-config --exists openblas || missing+=(libopenblas-dev)
  pkg-config --exists zlib || missing+=(zlib1g-dev)
else
  missing+=(libopenblas-dev zlib1g-dev)
fi
[ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || missing+=(dataset-fashion-mnist)
compgen -G '/usr/lib/*/libblis.so.4' >/dev/null || missing+=(libblis4-pthread)
compgen -G '/usr/lib/*/libOpenCL.so.1' >/dev/null || missing+=(ocl-icd-libopencl1)
[ -e /etc/OpenCL/vendors/pocl.icd ] || missing+=(pocl-opencl-icd)
[ "$chart" = yes ] && ! command -v rsvg-convert >/dev/null 2>&1 && missing+=(librsvg2-bin)
if [ "$blas" = yes ]; then
  [ -x /usr/lib/x86_64-linux-gnu/blas/xblat3s ] || missing+=(libblas-test)
  [ -e /usr/lib/x86_64-linux-gnu/blas/libblas.so.3 ] || missing+=(libblas3)
  # Debian's NumPy, in Debian's Python: /usr/bin/python3 (a python3 earlier on PATH may be another one).
  /usr/bin/python3 -c 'import numpy' >/dev/null 2>&1 || missing+=(python3-numpy)
fi

# NVRTC from PyPI: the Stage 6 tests compile every CUDA kernel with it, CUDA 12's and CUDA 13's
# (13's wheel, unlike 12.9's, does not tell the loader to look beside it for its builtins library,
# as a CUDA 13 toolkit outside the loader's path does not: the tests load it by path, as a GPU
# machine may). Without them those tests are skipped, saying so; `make nvrtc` fetches them and runs them.
deps_dir="$(dirname "$0")/../.deps"
fetch_nvrtc() {   # folder, library inside it, pip requirement, download size
  if [ "$nvrtc" = yes ] && [ ! -e "$deps_dir/$1/$2" ]; then
    echo "setup: fetching NVIDIA's NVRTC ($3, a $4 download) into .deps/$1" >&2
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --target "$deps_dir/$1" "$3" >&2 \
      || echo "setup: could not fetch $3; the CUDA compile tests that need it will be skipped" >&2
  fi
}
fetch_nvrtc nvrtc nvidia/cuda_nvrtc/lib/libnvrtc.so.12 'nvidia-cuda-nvrtc-cu12==12.9.86' '89.6 MB'
fetch_nvrtc nvrtc13 nvidia/cu13/lib/libnvrtc.so.13 'nvidia-cuda-nvrtc==13.0.88' '90.2 MB'

if ! command -v swift >/dev/null 2>&1; then
  echo "error: swift is not on PATH. Install Swift 6 from swift.org (or add its usr/bin to PATH), then run this again." >&2
  exit 1
fi
[ ${#missing[@]} -eq 0 ] && exit 0

install="apt-get install -y --no-install-recommends ${missing[*]}"
echo "setup: installing ${missing[*]}" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: no apt-get here. Install the equivalents of: ${missing[*]} (OpenBLAS with its pkg-config file openblas.pc)." >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $install
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive $install
else
  echo "error: installing packages needs root. Run:" >&2
  echo "  sudo apt-get update && sudo $install" >&2
  exit 1
fi
