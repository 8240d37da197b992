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
