#include "device/frame_adapter.h"

#include <cstring>

#if defined(__ARM_FEATURE_SAT)
#include <arm_acle.h>
#endif

namespace limitnet {

namespace {

size_t align4(size_t n) { return (n + 3) & ~static_cast<size_t>(3); }

// v is a colour in 16.16 fixed point: clamp to 0..2^24-1, then the integer part (0..255).
// Clamping first avoids shifting negatives; on Arm one USAT does the clamp.
inline uint32_t clamp_fixed16(int32_t v) {
#if defined(__ARM_FEATURE_SAT)
  return static_cast<uint32_t>(__usat(v, 24)) >> 16;
#else
  v = v < 0 ? 0 : v;
  v = v > 0xFFFFFF ? 0xFFFFFF : v;
  return static_cast<uint32_t>(v) >> 16;
#endif
}

// Full-range BT.601 (JPEG/JFIF) YCbCr -> RGB with libjpeg's 16-bit fixed-point constants.
inline void yuv_to_rgb(int32_t y, int32_t u, int32_t v, uint32_t* rgb) {
  const int32_t d = u - 128, e = v - 128, base = (y << 16) + 32768;
  rgb[0] = clamp_fixed16(base + 91881 * e);
  rgb[1] = clamp_fixed16(base - 22554 * d - 46802 * e);
  rgb[2] = clamp_fixed16(base + 116130 * d);
}

// BT.601 luma with the weights of data::luma601 (sum 256: white stays 255).
inline uint32_t luma(const uint32_t* rgb) { return (77u * rgb[0] + 150u * rgb[1] + 29u * rgb[2] + 128u) >> 8; }

// RGB565 word -> 8-bit channels by bit replication (31 -> 255, 63 -> 255).
inline void rgb565_to_rgb(uint32_t w, uint32_t* rgb) {
  const uint32_t r = w >> 11, g = (w >> 5) & 63u, b = w & 31u;
  rgb[0] = (r << 3) | (r >> 2);
  rgb[1] = (g << 2) | (g >> 4);
  rgb[2] = (b << 3) | (b >> 2);
}

// A little-endian 16-bit word at any address (one LDRH on the Cortex-M4/M7/M33).
inline uint32_t load_le16(const uint8_t* p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
#else
  return p[0] | (static_cast<uint32_t>(p[1]) << 8);
#endif
}
inline uint32_t swap16(uint32_t v) { return ((v & 0xFFu) << 8) | (v >> 8); }

// Pixel x of a frame row (x counts from the frame's left edge) in the model's channels.
template <int kFormat, int kChannels>
inline void read_pixel(const uint8_t* row, int x, uint32_t* px) {
  if constexpr (kFormat == LIMITNET_PIXEL_GRAY8) {
    px[0] = row[x];
    if constexpr (kChannels == 3) px[1] = px[2] = px[0];
    return;
  } else if constexpr (kFormat == LIMITNET_PIXEL_YUYV) {
    const uint8_t* pair = row + 4 * (x >> 1);
    if constexpr (kChannels == 1) {
      px[0] = pair[2 * (x & 1)];  // gray models take Y as it is
    } else {
      yuv_to_rgb(pair[2 * (x & 1)], pair[1], pair[3], px);
    }
    return;
  } else {
    uint32_t rgb[3];
    if constexpr (kFormat == LIMITNET_PIXEL_RGB888) {
      rgb[0] = row[3 * x];
      rgb[1] = row[3 * x + 1];
      rgb[2] = row[3 * x + 2];
    } else if constexpr (kFormat == LIMITNET_PIXEL_RGB565_LE) {
      rgb565_to_rgb(load_le16(row + 2 * x), rgb);
    } else {
      rgb565_to_rgb(swap16(load_le16(row + 2 * x)), rgb);
    }
    if constexpr (kChannels == 1) {
      px[0] = luma(rgb);
    } else {
      px[0] = rgb[0];
      px[1] = rgb[1];
      px[2] = rgb[2];
    }
  }
}

// The per-channel loops below run 1 or 3 times; unrolled, their sums stay in registers
// (GCC 12 at -O2 keeps them in stack arrays otherwise: 3x the instructions on the M7).
#if defined(__GNUC__) && !defined(__clang__)
#define LIMITNET_UNROLL_CHANNELS _Pragma("GCC unroll 3")
#else
#define LIMITNET_UNROLL_CHANNELS
#endif

// Filters one crop row horizontally and adds it, times `weight`, to acc (and times
// `next_weight` to acc_next). Output column i covers [i * crop, (i + 1) * crop) and source
// column x covers [x * side, (x + 1) * side): the overlap is the integer weight. Pixels
// wholly inside a column are summed plainly and weighted once; a pixel straddling two
// columns (at most two: crop >= side) is read once and split.
template <int kFormat, int kChannels>
void add_row(const uint8_t* row, int crop_x, int crop, int side, uint32_t weight, uint32_t next_weight, uint32_t* acc,
             uint32_t* acc_next) {
  const uint32_t step = static_cast<uint32_t>(side), width = static_cast<uint32_t>(crop);
  int x = crop_x;
  uint32_t s_lo = 0;               // where source column x starts
  uint32_t carry[kChannels] = {};  // the straddling pixel's share of the next column
  uint32_t hi = 0;
  for (int i = 0; i < side; ++i) {
    hi += width;
    uint32_t whole[kChannels] = {}, px[kChannels];
    for (; s_lo + step <= hi; s_lo += step, ++x) {
      read_pixel<kFormat, kChannels>(row, x, px);
      LIMITNET_UNROLL_CHANNELS
      for (int c = 0; c < kChannels; ++c) whole[c] += px[c];
    }
    uint32_t h[kChannels];
    LIMITNET_UNROLL_CHANNELS
    for (int c = 0; c < kChannels; ++c) h[c] = carry[c] + step * whole[c];
    if (s_lo < hi) {
      read_pixel<kFormat, kChannels>(row, x, px);
      const uint32_t here = hi - s_lo, there = step - here;
      LIMITNET_UNROLL_CHANNELS
      for (int c = 0; c < kChannels; ++c) {
        h[c] += here * px[c];
        carry[c] = there * px[c];
      }
      s_lo += step;
      ++x;
    } else {
      LIMITNET_UNROLL_CHANNELS
      for (int c = 0; c < kChannels; ++c) carry[c] = 0;
    }
    uint32_t* a = acc + i * kChannels;
    LIMITNET_UNROLL_CHANNELS
    for (int c = 0; c < kChannels; ++c) a[c] += weight * h[c];
    if (next_weight != 0) {
      uint32_t* n = acc_next + i * kChannels;
      LIMITNET_UNROLL_CHANNELS
      for (int c = 0; c < kChannels; ++c) n[c] += next_weight * h[c];
    }
  }
}

using AddRowFn = void (*)(const uint8_t*, int, int, int, uint32_t, uint32_t, uint32_t*, uint32_t*);

template <int kFormat>
AddRowFn add_row_for(int channels) {
  return channels == 1 ? add_row<kFormat, 1> : add_row<kFormat, 3>;
}

AddRowFn pick_add_row(int format, int channels) {
  switch (format) {
    case LIMITNET_PIXEL_GRAY8:
      return add_row_for<LIMITNET_PIXEL_GRAY8>(channels);
    case LIMITNET_PIXEL_RGB888:
      return add_row_for<LIMITNET_PIXEL_RGB888>(channels);
    case LIMITNET_PIXEL_RGB565_LE:
      return add_row_for<LIMITNET_PIXEL_RGB565_LE>(channels);
    case LIMITNET_PIXEL_RGB565_BE:
      return add_row_for<LIMITNET_PIXEL_RGB565_BE>(channels);
    default:
      return add_row_for<LIMITNET_PIXEL_YUYV>(channels);
  }
}

}  // namespace

int pixel_format_bytes(int format) {
  switch (format) {
    case LIMITNET_PIXEL_GRAY8:
      return 1;
    case LIMITNET_PIXEL_RGB888:
      return 3;
    case LIMITNET_PIXEL_RGB565_LE:
    case LIMITNET_PIXEL_RGB565_BE:
    case LIMITNET_PIXEL_YUYV:
      return 2;
    default:
      return 0;
  }
}

int check_frame(const limitnet_frame* frame, int side) {
  if (frame == nullptr || frame->pixels == nullptr) return LIMITNET_DEVICE_BAD_ARGUMENT;
  const int bytes = pixel_format_bytes(frame->format);
  if (bytes == 0) return LIMITNET_DEVICE_PIXEL_FORMAT;
  if (frame->width < side || frame->height < side) return LIMITNET_DEVICE_FRAME_TOO_SMALL;
  if (frame->width > kMaxFrameSide || frame->height > kMaxFrameSide) return LIMITNET_DEVICE_FRAME_SIZE;
  if (frame->format == LIMITNET_PIXEL_YUYV && frame->width % 2 != 0) return LIMITNET_DEVICE_FRAME_SIZE;
  if (frame->stride_bytes < static_cast<size_t>(frame->width) * static_cast<size_t>(bytes)) {
    return LIMITNET_DEVICE_FRAME_STRIDE;
  }
  return LIMITNET_DEVICE_OK;
}

size_t FrameAdapter::scratch_bytes(int side, int channels, int ring_rows) {
  const size_t row = static_cast<size_t>(side) * static_cast<size_t>(channels);
  return align4(static_cast<size_t>(ring_rows) * row) + 2 * row * sizeof(uint32_t);
}

void FrameAdapter::begin(const limitnet_frame& frame, int side, int channels, int ring_rows, uint8_t* scratch) {
  crop_side_ = frame.width < frame.height ? frame.width : frame.height;
  crop_x_ = (frame.width - crop_side_) / 2;
  const int crop_y = (frame.height - crop_side_) / 2;
  stride_ = frame.stride_bytes;
  pixels_ = frame.pixels + static_cast<size_t>(crop_y) * stride_;
  format_ = frame.format;
  side_ = side;
  channels_ = channels;
  ring_rows_ = ring_rows;
  produced_ = 0;
  next_source_ = 0;
  const size_t row = static_cast<size_t>(side) * static_cast<size_t>(channels);
  ring_ = scratch;
  acc_ = reinterpret_cast<uint32_t*>(scratch + align4(static_cast<size_t>(ring_rows) * row));
  acc_next_ = acc_ + row;
  std::memset(acc_, 0, 2 * row * sizeof(uint32_t));
}

void FrameAdapter::produce_next_row() {
  const AddRowFn add = pick_add_row(format_, channels_);
  const uint32_t step = static_cast<uint32_t>(side_), crop = static_cast<uint32_t>(crop_side_);
  // Model row y covers [y * crop, (y + 1) * crop); crop row j covers [j * side, (j + 1) * side).
  const uint32_t hi = static_cast<uint32_t>(produced_ + 1) * crop;
  while (static_cast<uint32_t>(next_source_) * step < hi) {
    const uint32_t s_lo = static_cast<uint32_t>(next_source_) * step, s_hi = s_lo + step;
    const uint32_t weight = (s_hi < hi ? s_hi : hi) - s_lo;  // s_lo >= this row's start
    const uint32_t next_weight = s_hi > hi ? s_hi - hi : 0;
    add(pixels_ + static_cast<size_t>(next_source_) * stride_, crop_x_, crop_side_, side_, weight, next_weight, acc_,
        acc_next_);
    ++next_source_;
  }
  const size_t row = static_cast<size_t>(side_) * static_cast<size_t>(channels_);
  uint8_t* out = ring_ + static_cast<size_t>(produced_ % ring_rows_) * row;
  const uint32_t area = crop * crop, half = area / 2;
  for (size_t k = 0; k < row; ++k) out[k] = static_cast<uint8_t>((acc_[k] + half) / area);
  uint32_t* done = acc_;
  acc_ = acc_next_;
  acc_next_ = done;
  std::memset(acc_next_, 0, row * sizeof(uint32_t));
  ++produced_;
}

const uint8_t* FrameAdapter::row(int y) {
  while (produced_ <= y) produce_next_row();
  return ring_ + static_cast<size_t>(y % ring_rows_) * static_cast<size_t>(side_) * static_cast<size_t>(channels_);
}

}  // namespace limitnet
