// The text `limitnet demo --codec-only` prints: what the untrained encoder is, and the
// latent values each prefix of packets delivers.
#pragma once
#include <string>

#include "sim/codec_demo.h"

namespace limitnet::sim {

std::string codec_demo_text(const CodecDemoResult& result);

}  // namespace limitnet::sim
