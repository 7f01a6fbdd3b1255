#ifndef LOGSTORE_CSYSTEM_H
#define LOGSTORE_CSYSTEM_H
#include <stddef.h>
#include <stdint.h>

/// memmem(3), which Glibc only declares with _GNU_SOURCE.
const void *logstore_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);

/// Lowers the calling thread's scheduling priority to `nice` (Linux: setpriority on its thread id).
/// Returns 0 on success, -1 with errno set otherwise.
int logstore_lower_thread_priority(int nice);

#endif
