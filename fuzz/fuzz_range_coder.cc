// libFuzzer entry point of fuzz_range_coder; the body is in fuzz_targets.cc (shared with the
// GoogleTest replay). Build: see docs/FUZZING.md.
#include <cstddef>
#include <cstdint>

#include "fuzz_targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return limitnet::fuzz::range_coder_one_input(data, size);
}
