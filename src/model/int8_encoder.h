// The camera node's encode on the host, exactly as the firmware does it: the int8 device
// runtime through its C API (device/limitnet_device.h). The float reference network
// (DevicePipeline::encode) rounds some latent symbols differently, so only this path gives
// the device's packets byte for byte.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "device/limitnet_device.h"
#include "model/pipeline.h"

namespace limitnet {

// Which network makes the packets: the float reference or the int8 device runtime.
enum class EncodeNetwork { kFloat, kInt8 };
// "float" or "int8"; throws std::invalid_argument naming both for anything else.
EncodeNetwork parse_encode_network(const std::string& name);
// How the output names it: "float reference" or "int8 device runtime".
const char* encode_network_label(EncodeNetwork network);

// Runs the int8 device runtime on one frame (the pipeline's input size and channels, HWC):
// arena sized by limitnet_device_arena_size, open, encode, next_packet until size 0.
// Throws std::runtime_error("<bundle_name>: ...") for a bundle without int8 sections
// (saying to run `limitnet model quantize`) or one the runtime cannot open, and
// std::invalid_argument for a payload the codec cannot use.
EncodedImage encode_int8(const DevicePipeline& pipeline, const std::string& bundle_name, const uint8_t* frame,
                         uint8_t image_id, size_t max_payload);

// The int8 device runtime opened once, for many frames. Opening checks the bundle's CRC, which
// costs more than 20 encodes of fmnist28 (session 25: `limitnet eval --network int8` encoded
// 36 images/s opening per image, 1,409 opening once per 256). Throws as encode_int8 does;
// one object per thread.
class Int8Encoder {
 public:
  Int8Encoder(const DevicePipeline& pipeline, const std::string& bundle_name);
  Int8Encoder(const Int8Encoder&) = delete;
  Int8Encoder& operator=(const Int8Encoder&) = delete;
  // As encode_int8 and encode_frame_int8, on this encoder's open device.
  EncodedImage encode(const uint8_t* frame, uint8_t image_id, size_t max_payload);
  EncodedImage encode_frame(const limitnet_frame& frame, uint8_t image_id, size_t max_payload);

 private:
  const DevicePipeline& pipeline_;
  std::vector<uint64_t> arena_;
  limitnet_device* device_ = nullptr;
};

// Throws as encode_int8 does when the int8 device runtime cannot open the pipeline's bundle
// (e.g. it has no int8.* sections): for refusing a long run before it starts.
void check_int8_network(const DevicePipeline& pipeline, const std::string& bundle_name);

// encode_int8 or pipeline.encode, as `network` says.
EncodedImage encode_with_network(const DevicePipeline& pipeline, EncodeNetwork network, const std::string& bundle_name,
                                 const uint8_t* frame, uint8_t image_id, size_t max_payload);

// Camera frames (device/limitnet_device.h's limitnet_frame: any supported pixel format and
// size): encode_frame_int8 runs limitnet_device_encode_frame, the firmware's call, and
// gives its packets byte for byte; the float network gets the model input the device's
// frame adapter makes (camera_frame.h). Errors as encode_int8.
EncodedImage encode_frame_int8(const DevicePipeline& pipeline, const std::string& bundle_name,
                               const limitnet_frame& frame, uint8_t image_id, size_t max_payload);
EncodedImage encode_frame_with_network(const DevicePipeline& pipeline, EncodeNetwork network,
                                       const std::string& bundle_name, const limitnet_frame& frame, uint8_t image_id,
                                       size_t max_payload);

}  // namespace limitnet
