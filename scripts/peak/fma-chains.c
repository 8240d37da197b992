// The runner's peak measurement written in C with intrinsics, as a cross-check of the Swift one
// (Sources/Runner/Peak.swift): 12 independent chains of FMAs on 8-lane (ymm) and, where the CPU
// has AVX-512, 16-lane (zmm) vectors, in registers; the best of 3 timed runs of each, after one
// untimed. scripts/peak-in-c.sh builds and runs it.
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

// The empty asm keeps the compiler from merging or hoisting the chains: each must stay a chain.
#define CHAINS(NAME, TYPE, FMA, SET, ATTRIBUTE)                                                   \
    ATTRIBUTE __attribute__((noinline)) static float NAME(long steps, volatile float *in) {        \
        TYPE x = SET(in[0]), y = SET(in[1]);                                                       \
        TYPE c0 = y, c1 = y, c2 = y, c3 = y, c4 = y, c5 = y, c6 = y, c7 = y, c8 = y, c9 = y,       \
             c10 = y, c11 = y;                                                                     \
        for (long i = 0; i < steps; i++) {                                                         \
            c0 = FMA(x, y, c0); c1 = FMA(x, y, c1); c2 = FMA(x, y, c2); c3 = FMA(x, y, c3);        \
            c4 = FMA(x, y, c4); c5 = FMA(x, y, c5); c6 = FMA(x, y, c6); c7 = FMA(x, y, c7);        \
            c8 = FMA(x, y, c8); c9 = FMA(x, y, c9); c10 = FMA(x, y, c10); c11 = FMA(x, y, c11);    \
            __asm__ volatile("" : "+x"(c0), "+x"(c1), "+x"(c2), "+x"(c3), "+x"(c4), "+x"(c5));      \
        }                                                                                          \
        TYPE s = c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11;                      \
        float first;                                                                               \
        __builtin_memcpy(&first, &s, sizeof first);                                                \
        return first;                                                                              \
    }

CHAINS(chains8, __m256, _mm256_fmadd_ps, _mm256_set1_ps, __attribute__((target("avx2,fma"))))
CHAINS(chains16, __m512, _mm512_fmadd_ps, _mm512_set1_ps, __attribute__((target("avx512f"))))

static double best(float (*chains)(long, volatile float *), int lanes) {
    volatile float in[2] = {1e-7f, 1.0f};
    const long steps = 1000000;
    double fastest = 0;
    chains(steps, in);
    for (int run = 0; run < 3; run++) {
        double start = now();
        volatile float sink = chains(steps, in);
        (void)sink;
        double gflops = 12.0 * lanes * 2 * steps / (now() - start) / 1e9;
        if (gflops > fastest) fastest = gflops;
    }
    return fastest;
}

int main(void) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        printf("no AVX2 and FMA on this CPU: nothing to measure\n");
        return 0;
    }
    printf("8-lane FMA chains (ymm):  %.1f GFLOP/s\n", best(chains8, 8));
    if (__builtin_cpu_supports("avx512f"))
        printf("16-lane FMA chains (zmm): %.1f GFLOP/s\n", best(chains16, 16));
    else
        printf("16-lane FMA chains: no AVX-512 on this CPU\n");
    return 0;
}
