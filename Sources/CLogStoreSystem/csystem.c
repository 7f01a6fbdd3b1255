// Wrappers for Glibc functions that need _GNU_SOURCE, which Swift's Glibc module is built without.
#define _GNU_SOURCE
#include <string.h>
#include "csystem.h"

const void *logstore_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length) {
    return memmem(haystack, haystack_length, needle, needle_length);
}
