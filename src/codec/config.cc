#include "codec/config.h"

namespace limitnet {

const char* entropy_coder_name(EntropyCoderKind kind) {
  switch (kind) {
    case EntropyCoderKind::kRans:
      return "rans";
    case EntropyCoderKind::kRange:
      return "range";
    default:
      return "huffman";
  }
}

Status CodecConfig::validate() const {
  if (latent_channels < 1 || latent_channels > kMaxChannels) return Status::kInvalidArgument;
  if (latent_side < 1 || latent_side > kMaxLatentSide) return Status::kInvalidArgument;
  if (latent_elements() > kMaxLatentElements) return Status::kInvalidArgument;
  if (latent_bits < 2 || latent_bits > kMaxLatentBits) return Status::kInvalidArgument;
  if (saliency_grid < 1 || saliency_grid > kMaxGrid || saliency_grid > latent_side) return Status::kInvalidArgument;
  if (saliency_bits < 1 || saliency_bits > 8) return Status::kInvalidArgument;
  if (gradual_milli < 0 || gradual_milli > 100000) return Status::kInvalidArgument;
  if (interlace_stride == 0) {
    if (interlace_milli != 0) return Status::kInvalidArgument;  // a bonus without a lattice
  } else {
    if (interlace_stride < 2 || interlace_stride > 8 || interlace_stride > latent_side) return Status::kInvalidArgument;
    if (interlace_milli < 1 || interlace_milli > 100000) return Status::kInvalidArgument;
  }
  // Coarse channels live on the interlace lattice, so they need one.
  if (coarse_channels < 0 || coarse_channels > latent_channels) return Status::kInvalidArgument;
  if (coarse_channels > 0 && interlace_stride == 0) return Status::kInvalidArgument;
  if (coder != EntropyCoderKind::kHuffman && coder != EntropyCoderKind::kRans && coder != EntropyCoderKind::kRange)
    return Status::kInvalidArgument;
  return Status::kOk;
}

}  // namespace limitnet
