// How libMatmulBLAS reports a bad argument: through the error handlers BLAS programs provide.
// Swift cannot call a C variadic function through a pointer, and Fortran passes a string's
// length as a hidden last argument; these two static inline calls give both the C ABI.
#pragma once
#include <stddef.h>

/// Calls Fortran's `XERBLA(SRNAME, INFO)` at `handler`: the name, a pointer to the argument
/// number, and the name's length (gfortran's hidden argument).
static inline void matmul_call_xerbla(void *handler, const char *name, int info, size_t length) {
    ((void (*)(const char *, const int *, size_t))handler)(name, &info, length);
}

/// Calls CBLAS's `cblas_xerbla(info, routine, form, ...)` at `handler`, with an empty format.
static inline void matmul_call_cblas_xerbla(void *handler, int info, const char *routine) {
    ((void (*)(int, const char *, const char *, ...))handler)(info, routine, "");
}
