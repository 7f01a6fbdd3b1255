#include "fuzz_support.h"

// Weak: resolved only when libFuzzer is linked, so a plain `swift build` still links (TOOLCHAIN.md, 6, gotcha A).
extern int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t)) __attribute__((weak));

int fuzz_run_driver(int *argc, char ***argv, fuzz_callback_t cb) {
    return LLVMFuzzerRunDriver ? LLVMFuzzerRunDriver(argc, argv, cb) : -1;
}
