#include "codec/status.h"

namespace limitnet {

const char* status_name(Status s) {
  switch (s) {
    case Status::kOk:
      return "ok";
    case Status::kInvalidArgument:
      return "invalid_argument";
    case Status::kBufferTooSmall:
      return "buffer_too_small";
    case Status::kTruncated:
      return "truncated";
    case Status::kBadMagic:
      return "bad_magic";
    case Status::kUnsupportedVersion:
      return "unsupported_version";
    case Status::kChecksumMismatch:
      return "checksum_mismatch";
    case Status::kForeignModel:
      return "foreign_model";
    case Status::kMalformed:
      return "malformed";
    case Status::kConflict:
      return "conflict";
    case Status::kNotReady:
      return "not_ready";
    case Status::kUnsupported:
      return "unsupported";
    case Status::kCapacity:
      return "capacity";
  }
  return "unknown";
}

const char* status_message(Status s) {
  switch (s) {
    case Status::kOk:
      return "ok";
    case Status::kInvalidArgument:
      return "invalid argument";
    case Status::kBufferTooSmall:
      return "buffer too small";
    case Status::kTruncated:
      return "truncated input";
    case Status::kBadMagic:
      return "not a LimitNet stream (bad magic or packet kind)";
    case Status::kUnsupportedVersion:
      return "unsupported format version";
    case Status::kChecksumMismatch:
      return "integrity check failed (corrupted, or from a model with another id)";
    case Status::kForeignModel:
      return "belongs to a different model";
    case Status::kMalformed:
      return "malformed fields";
    case Status::kConflict:
      return "conflicts with data already received";
    case Status::kNotReady:
      return "nothing decodable yet: the header/saliency packet has not arrived";
    case Status::kUnsupported:
      return "not supported by this build";
    case Status::kCapacity:
      return "beyond this build's capacities (LIMITNET_MAX_*)";
  }
  return "unknown error";
}

}  // namespace limitnet
