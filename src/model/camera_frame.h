// Camera frames on the host: raw sensor buffers (the pixel formats of limitnet_frame,
// device/limitnet_device.h) read from files and turned into model input through the
// device's own frame adapter (device/frame_adapter.h), so a host and a camera node make
// the same pixels, and the same packets, byte for byte.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "device/limitnet_device.h"

namespace limitnet {

// "gray8", "rgb888", "rgb565le", "rgb565be" or "yuyv" -> a limitnet_pixel_format; throws
// std::invalid_argument listing the names for anything else.
int parse_pixel_format(const std::string& name);
// The name parse_pixel_format reads ("unknown" for other values).
const char* pixel_format_name(int format);

struct FrameSize {
  int width = 0, height = 0;
};
// "160x120" -> {160, 120}; throws std::invalid_argument for anything else (sizes 1..4096).
FrameSize parse_frame_size(const std::string& text);

// A frame read from a raw file, row after row, stride_bytes apart.
struct RawFrame {
  std::vector<uint8_t> bytes;
  int width = 0, height = 0, format = 0;
  size_t stride_bytes = 0;
  limitnet_frame frame() const { return {bytes.data(), width, height, stride_bytes, format}; }
};
// stride_bytes 0: rows packed (width x bytes per pixel). Throws std::invalid_argument for a
// stride shorter than a row and std::runtime_error naming the file when it cannot be read
// or is shorter than the frame (the last row needs only its pixels, not a whole stride).
RawFrame load_raw_frame(const std::string& path, int format, FrameSize size, size_t stride_bytes);

// Throws std::invalid_argument naming the device status (e.g. frame_too_small) and the
// frame when the device would refuse `frame` for a side x side model input.
void require_usable_frame(const limitnet_frame& frame, int side);

// The side x side x channels model input (HWC) the device makes from `frame`: centre crop,
// channel conversion and area resize by the device's adapter. Throws std::invalid_argument
// with the device status name for a frame it refuses.
std::vector<uint8_t> frame_to_model_input(const limitnet_frame& frame, int side, int channels);

}  // namespace limitnet
