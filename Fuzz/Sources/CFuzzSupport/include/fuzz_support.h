#ifndef FUZZ_SUPPORT_H
#define FUZZ_SUPPORT_H
#include <stddef.h>
#include <stdint.h>

typedef int (*fuzz_callback_t)(const uint8_t *data, size_t size);

/// Runs libFuzzer's driver with `cb` as the test function when the binary is linked with libFuzzer
/// (`-sanitize=fuzzer`); returns -1 when it is not (a plain build), so the caller can replay files itself.
int fuzz_run_driver(int *argc, char ***argv, fuzz_callback_t cb);

#endif
