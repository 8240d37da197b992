// zlib's gzip reader, used to read the Fashion-MNIST .gz files (zlib1g-dev).
#include <zlib.h>
