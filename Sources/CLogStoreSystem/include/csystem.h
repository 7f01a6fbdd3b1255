#ifndef LOGSTORE_CSYSTEM_H
#define LOGSTORE_CSYSTEM_H
#include <stddef.h>
#include <stdint.h>

/// memmem(3), which Glibc only declares with _GNU_SOURCE.
const void *logstore_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);

#endif
