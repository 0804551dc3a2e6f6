// Checksums used by the packet format (CRC-16) and the model bundle / model id (CRC-32).
#pragma once
#include <cstddef>
#include <cstdint>

namespace limitnet {

// CRC-16/CCITT-FALSE (poly 0x1021). Pass a previous result as `crc` to continue a running
// checksum over several buffers; start with 0xFFFF.
uint16_t crc16_update(uint16_t crc, const uint8_t* data, size_t size);
inline uint16_t crc16(const uint8_t* data, size_t size) { return crc16_update(0xFFFF, data, size); }

// CRC-32 (IEEE 802.3, reflected, as zlib). Start with 0; chaining works like zlib's crc32().
uint32_t crc32_update(uint32_t crc, const uint8_t* data, size_t size);

}  // namespace limitnet
