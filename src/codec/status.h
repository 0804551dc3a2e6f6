// Status codes of the codec core. The core is freestanding-friendly: it reports errors by
// value (no exceptions) and every code has a stable name for logs and error messages.
#pragma once
#include <cstdint>

namespace limitnet {

enum class Status : uint8_t {
  kOk = 0,
  kInvalidArgument,     // a caller-supplied parameter is out of range
  kBufferTooSmall,      // an output buffer or arena cannot hold the result
  kTruncated,           // input ended early
  kBadMagic,            // not a LimitNet packet / bundle / container
  kUnsupportedVersion,  // format version this build does not read
  kChecksumMismatch,    // CRC failed: corrupted, or sent by a model with another id
  kForeignModel,        // packet or bundle belongs to a different model id
  kMalformed,           // structurally invalid (bad field values, rank range out of bounds)
  kConflict,            // duplicate carries different content than what was received
  kNotReady,            // nothing decodable yet (no header/saliency packet received)
  kUnsupported,         // valid, but not implemented by this build
  kCapacity,            // valid, but beyond this build's LIMITNET_MAX_* capacities
};

// Stable, lower-case name such as "checksum_mismatch".
const char* status_name(Status s);
// One-line human explanation such as "integrity check failed (corrupted or foreign model)".
const char* status_message(Status s);

}  // namespace limitnet
