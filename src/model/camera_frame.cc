#include "model/camera_frame.h"

#include <fstream>
#include <iterator>
#include <stdexcept>

#include "device/frame_adapter.h"

namespace limitnet {

namespace {

struct FormatName {
  int format;
  const char* name;
};
constexpr FormatName kFormats[] = {{LIMITNET_PIXEL_GRAY8, "gray8"},
                                   {LIMITNET_PIXEL_RGB888, "rgb888"},
                                   {LIMITNET_PIXEL_RGB565_LE, "rgb565le"},
                                   {LIMITNET_PIXEL_RGB565_BE, "rgb565be"},
                                   {LIMITNET_PIXEL_YUYV, "yuyv"}};

int parse_side(const std::string& digits, const std::string& text) {
  if (digits.empty() || digits.size() > 4 || digits.find_first_not_of("0123456789") != std::string::npos) {
    throw std::invalid_argument("frame size '" + text + "' is not WIDTHxHEIGHT (e.g. 160x120)");
  }
  const int v = std::stoi(digits);
  if (v < 1 || v > kMaxFrameSide) {
    throw std::invalid_argument("frame size '" + text + "': sides must be 1.." + std::to_string(kMaxFrameSide));
  }
  return v;
}

}  // namespace

int parse_pixel_format(const std::string& name) {
  for (const FormatName& f : kFormats) {
    if (name == f.name) return f.format;
  }
  throw std::invalid_argument("pixel format '" + name + "' is unknown: use gray8, rgb888, rgb565le, rgb565be or yuyv");
}

const char* pixel_format_name(int format) {
  for (const FormatName& f : kFormats) {
    if (format == f.format) return f.name;
  }
  return "unknown";
}

FrameSize parse_frame_size(const std::string& text) {
  const size_t x = text.find('x');
  if (x == std::string::npos)
    throw std::invalid_argument("frame size '" + text + "' is not WIDTHxHEIGHT (e.g. 160x120)");
  return {parse_side(text.substr(0, x), text), parse_side(text.substr(x + 1), text)};
}

RawFrame load_raw_frame(const std::string& path, int format, FrameSize size, size_t stride_bytes) {
  const int bytes_per_pixel = pixel_format_bytes(format);
  if (bytes_per_pixel == 0) throw std::invalid_argument("unknown pixel format " + std::to_string(format));
  const size_t row = static_cast<size_t>(size.width) * static_cast<size_t>(bytes_per_pixel);
  if (stride_bytes == 0) stride_bytes = row;
  if (stride_bytes < row) {
    throw std::invalid_argument("stride " + std::to_string(stride_bytes) + " is shorter than a row of " +
                                std::to_string(size.width) + " " + pixel_format_name(format) + " pixels (" +
                                std::to_string(row) + " bytes)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  RawFrame f;
  f.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  const size_t need = stride_bytes * static_cast<size_t>(size.height - 1) + row;
  if (f.bytes.size() < need) {
    throw std::runtime_error(path + ": " + std::to_string(f.bytes.size()) + " bytes, a " + std::to_string(size.width) +
                             "x" + std::to_string(size.height) + " " + pixel_format_name(format) +
                             " frame with stride " + std::to_string(stride_bytes) + " needs " + std::to_string(need));
  }
  f.width = size.width;
  f.height = size.height;
  f.format = format;
  f.stride_bytes = stride_bytes;
  return f;
}

void require_usable_frame(const limitnet_frame& frame, int side) {
  const int s = check_frame(&frame, side);
  if (s != LIMITNET_DEVICE_OK) {
    throw std::invalid_argument(std::string("camera frame refused (") + limitnet_device_status_name(s) +
                                "): " + std::to_string(frame.width) + "x" + std::to_string(frame.height) + " " +
                                pixel_format_name(frame.format) + ", stride " + std::to_string(frame.stride_bytes) +
                                ", model input " + std::to_string(side) + "x" + std::to_string(side));
  }
}

std::vector<uint8_t> frame_to_model_input(const limitnet_frame& frame, int side, int channels) {
  require_usable_frame(frame, side);
  if (channels != 1 && channels != 3) throw std::invalid_argument("model input must have 1 or 3 channels");
  // A ring of `side` rows is the whole model input: the adapter writes it in place.
  std::vector<uint32_t> scratch((FrameAdapter::scratch_bytes(side, channels, side) + 3) / 4);
  uint8_t* rows = reinterpret_cast<uint8_t*>(scratch.data());
  FrameAdapter adapter;
  adapter.begin(frame, side, channels, side, rows);
  for (int y = 0; y < side; ++y) adapter.row(y);
  return std::vector<uint8_t>(rows, rows + static_cast<size_t>(side) * side * channels);
}

}  // namespace limitnet
