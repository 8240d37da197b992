// Swift has no prefetch instruction of its own; this one-line C function gives it the
// compiler's. It is `static inline`, so Swift's optimizer inlines it: one `prefetcht0`.
#pragma once

/// Asks the CPU to start bringing the cache line holding `address` into L1, for writing.
/// Purely a hint: no fault, no effect on results.
static inline void prefetch_for_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

/// Asks the CPU to start bringing the cache line holding `address` into L1, for reading.
static inline void prefetch_for_read(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/// Tells the CPU this thread is spinning in a wait loop (x86's `pause`): it slows the loop a little
/// and gives the core's resources to the other hardware thread. Stage 4's workers wait so.
static inline void spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}
