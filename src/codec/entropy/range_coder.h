// Static range coder (32-bit, byte-wise renormalisation, carry propagated into the bytes
// already written), using the rANS frequency tables (RansTable: sum 4096 per channel).
// Like rANS it spends fractions of a bit on probable symbols, but its flush is lean: at the
// end of a packet at most one byte (written in about 98% of real packets), and the
// renormalisation bytes end below the ideal length, so a payload is about 0.3 bytes above
// sum(-log2 p) / 8, against rANS's fixed 3-byte state (2.3 above), which matters when a
// packet is 51 bytes (docs/FORMAT.md, "Entropy coding"; docs/BENCHMARKS.md).
//
// Per packet the coder starts afresh (low 0, range 2^32 - 1). The decoder reads past the
// end of the payload as zero bytes. A stream is canonical: exactly the renormalisation
// bytes plus the shortest flush (none, or one byte; one byte when the payload would
// otherwise be empty). The decoder follows the encoder's state, so it refuses any other
// length, a wrong flush byte and a slot outside the table as corruption.
#pragma once
#include <cstddef>
#include <cstdint>

#include "codec/entropy/rans.h"

namespace limitnet {

constexpr size_t kRangeFlushBytes = 1;  // worst case; the packet encoder's estimate adds it

// Encodes symbols[0..n) (symbol i uses tables[channels[i]]) into out. Returns the byte
// count, or 0 if it does not fit in `capacity` bytes (n = 0 gives 0 as well).
size_t range_encode(const RansTable* tables, const uint8_t* symbols, const uint8_t* channels, int n, uint8_t* out,
                    size_t capacity);

// Renormalisation bytes range_encode writes for these symbols, i.e. its size without the
// flush: `range`, and so every renormalisation, does not depend on `low`. The flush of an
// encoding is its size minus this (0 or 1). For measurement (bench_codec) and tests; the
// firmware links only what it calls.
size_t range_renormalisation_bytes(const RansTable* tables, const uint8_t* symbols, const uint8_t* channels, int n);

// Decodes n symbols; channels[i] selects the table. kTruncated if the payload is shorter
// than the symbols need, kMalformed on any other non-canonical stream.
Status range_decode(const RansTable* tables, const uint8_t* channels, int n, const uint8_t* in, size_t size,
                    uint8_t* symbols);

}  // namespace limitnet
