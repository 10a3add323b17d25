#include "contract.h"

#ifndef MODERATOR_KERNELS_DIGEST
#define MODERATOR_KERNELS_DIGEST "unknown"
#endif

/* The digest of the sources this library was built from (moderator/_kernel_sources.py). */
EXPORT const char *moderator_kernels_digest(void) { return MODERATOR_KERNELS_DIGEST; }
