# The two commands of the course. Both install what is missing first (scripts/install-deps.sh).
#   make speedup            the cumulative speedup table (release build)
#   make speedup ARGS="--stages 1,2,3,5 --size 512 --format csv"
#   make test               every stage's conformance tests
#   make exercises          the exercises' reference solutions pass their tests and each wrong solution
#                           fails them (scripts/check-exercises.sh; CI runs it; your files are untouched)
#   make check-lessons      the lessons agree with the code: excerpts, commands, test filters (CI runs it)
#   make python             fastai lesson 11's Python steps beside Swift's stages, one run (scripts/lesson11.py)
#   make nvrtc              fetches NVIDIA's NVRTC 12 and 13 into .deps/ (2 × 90 MB) and runs Stage 6's tests, the
#                           CUDA compile checks included (CI does this; `make test` does not fetch it)
#   make blas               builds libMatmulBLAS.so (sgemm_ and cblas_sgemm over Stage 4) and prints its path
#   make blas-test          the reference BLAS test programs judge it (scripts/blas-tests.sh; CI runs it)
#   make numpy              NumPy's `@` with its own BLAS and with libMatmulBLAS, compared (scripts/numpy-blas.py)
#   make test-libraries     Stage 5's tests once per kernel family OpenBLAS and BLIS can run on this CPU
#                           (OPENBLAS_CORETYPE, BLIS_ARCH_TYPE; scripts/library-kernels.sh; CI runs it)
#   make asan               the CPU stages', core's and runner's tests under AddressSanitizer (CI runs it)
#   make fuzz               the IDX reader and the command-line parsers under libFuzzer, 60 s each
#                           (scripts/fuzz.sh; CI runs it; FUZZ_SECONDS=600 make fuzz for longer)
#   make gpu-check          builds .build-portable/release/gpu-check(.xz): Stage 6's self-check, one file
#                           to copy to a GPU machine that has no Swift (lessons/06-gpu.md)
.PHONY: speedup test test-libraries deps nvrtc gpu-check check-lessons exercises python blas blas-test numpy asan fuzz

speedup: deps
	swift run -c release speedup $(ARGS)

test: deps
	swift test

deps:
	@scripts/install-deps.sh

test-libraries: deps
	scripts/library-kernels.sh

nvrtc:
	@scripts/install-deps.sh --nvrtc
	swift test --filter Stage6GPUTests

check-lessons:
	swift run lesson-check

# A debug build of its own (.build-asan) with AddressSanitizer: an out-of-bounds read or write in a
# stage stops the run with a report. Leaks are not looked for: Stage 4 keeps its buffers and threads
# for the process's life on purpose, and XCTest's runner leaks a little at exit. ASan is also told
# to leave threads' alternate signal stacks alone (use_sigaltstack=0): at each thread's exit it
# unmaps the thread's alternate stack as if it were its own, and here a thread sometimes holds
# another library's (malloc'd) one, so 1 run in 3 died after every test had passed with
# "failed to deallocate 0x134c0 bytes ... (error code: 22)".
asan: deps
	ASAN_OPTIONS=detect_leaks=0:use_sigaltstack=0 swift test --sanitize=address --scratch-path .build-asan \
		--filter 'Stage1LoopsTests|Stage2DotTests|Stage3BroadcastTests|Stage4BlockedTests|Stage5BLASTests|MatmulCoreTests|RunnerTests'

fuzz: deps
	scripts/fuzz.sh

exercises: deps
	scripts/check-exercises.sh

python: deps
	python3 scripts/lesson11.py --swift

# The library is a release build: it is what a program's products will run on.
blas: deps
	swift build -c release --product MatmulBLAS
	@echo "built $$(swift build -c release --show-bin-path)/libMatmulBLAS.so"
	@echo "use it: LD_PRELOAD=$$(swift build -c release --show-bin-path)/libMatmulBLAS.so your-program"

blas-test: blas
	@scripts/install-deps.sh --blas
	scripts/blas-tests.sh "$$(swift build -c release --show-bin-path)/libMatmulBLAS.so"

numpy: blas
	@scripts/install-deps.sh --blas
	/usr/bin/python3 scripts/numpy-blas.py --library "$$(swift build -c release --show-bin-path)/libMatmulBLAS.so" $(ARGS)

# Swift's runtime linked in (--static-swift-stdlib) and no -march=native (MATMUL_PORTABLE), so the
# binary runs on any x86-64 Linux; its own build folder keeps the native build untouched.
gpu-check:
	MATMUL_PORTABLE=1 swift build -c release --product gpu-check --static-swift-stdlib --scratch-path .build-portable
	strip .build-portable/release/gpu-check
	xz -9 -T0 -k -f .build-portable/release/gpu-check
	@ls -l .build-portable/release/gpu-check .build-portable/release/gpu-check.xz | awk '{ printf "built %s: %.1f MB\n", $$9, $$5 / 1e6 }'
	@echo "copy gpu-check.xz to the GPU machine, then there: xz -d gpu-check.xz && ./gpu-check (README: Stage 6 on a GPU machine)"
