// OpenBLAS's CBLAS interface plus its extensions (openblas_get_corename, openblas_set_num_threads).
// The include path comes from pkg-config `openblas` (libopenblas-dev).
#include <cblas.h>
