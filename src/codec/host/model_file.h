// The host's one entry point to the codec's files: opening a model bundle for the codec,
// the model id as people read it, the .lnp file of an encoded image, and the range of
// packet sizes the codec accepts. Host only (throws std::runtime_error "<path>: <reason>").
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codec/codec_model.h"
#include "codec/host/bundle_file.h"
#include "codec/host/container.h"

namespace limitnet {

// A model bundle with the codec tables built from it.
struct ModelFile {
  LoadedBundle bundle;                // owns the bytes; bundle.view parses in place
  std::unique_ptr<CodecModel> codec;  // on the heap: large, and decoders keep its address
};

// Loads the bundle at `path`, checks that it has a device part and builds its codec tables.
// Throws std::runtime_error("<path>: <reason>").
ModelFile open_model_file(const std::string& path);
// The same from bundle bytes in memory (copied); `name` stands for the path in errors.
ModelFile open_model_bytes(const uint8_t* data, size_t size, const std::string& name);

// A model id as printed everywhere (logs, JSON, file names): 8 lower-case hex digits.
std::string model_id_text(uint32_t model_id);

// The cloud part's id: CRC-32 over the names, types, shapes and bytes of the sections
// `decoder.*` and `classifier.*`; 0 when the bundle has none. The model id covers only what
// the device sends, so a cloud update (`train --p2-cloud-only`) keeps the model id and
// changes this one; the receiver keeps each result's cloud id to know which are outdated.
uint32_t cloud_part_id(const BundleView& bundle);
// As above, as text (model_id_text()); "" when the bundle has no cloud part.
std::string cloud_part_id_text(const BundleView& bundle);

// The .lnp file of one encoded image: its packets, in transmission order, with the header
// fields the codec's model gives (model id, latent size, saliency bytes, config byte).
LnpFile make_lnp(const CodecModel& codec, uint8_t image_id, size_t max_payload,
                 std::vector<std::vector<uint8_t>> packets);

// Returns `payload` when the codec can fill packets of that many bytes (kMinPayload ..
// kMaxPayload); else throws std::invalid_argument("--payload N is out of range: use A..B
// bytes (...)"), naming the common link sizes (LoRaWAN EU868, Sigfox).
size_t check_payload_size(size_t payload);

}  // namespace limitnet
