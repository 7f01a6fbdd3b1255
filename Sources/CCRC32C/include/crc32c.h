#ifndef LOGSTORE_CRC32C_H
#define LOGSTORE_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/// Extends a CRC32C (Castagnoli, reflected polynomial 0x82F63B78) over `length` bytes.
/// Start with crc = 0; the function applies the usual initial and final inversion,
/// so crc32c_update(crc32c_update(0, a), b) == crc32c of a||b.
uint32_t logstore_crc32c_update(uint32_t crc, const void *data, size_t length);

#endif
