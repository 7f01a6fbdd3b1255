// Wrappers for Glibc functions that need _GNU_SOURCE, which Swift's Glibc module is built without.
#define _GNU_SOURCE
#include <string.h>
#include "csystem.h"

const void *logstore_memmem(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length) {
    return memmem(haystack, haystack_length, needle, needle_length);
}

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int logstore_lower_thread_priority(int nice) {
#ifdef __linux__
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
#else
    (void)nice;
    return 0;
#endif
}
