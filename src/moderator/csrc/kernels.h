/* Shared by every kernel file: fixed-width types and the library's identity. */
#ifndef MODERATOR_KERNELS_H
#define MODERATOR_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Every exported kernel is `EXPORT`; everything else is static. Arrays are C-contiguous
 * numpy arrays (their dtypes are declared beside each wrapper, in moderator/model/ngrams.py,
 * cues.py and context.py). */
#define EXPORT __attribute__((visibility("default")))

#endif
