// Camera frame adapter: turns a sensor frame (limitnet_frame: GRAY8, RGB888, RGB565 LE/BE,
// YUYV, any size from the model's input up to 4096, any stride) into the model's input
// rows, one row at a time, for the int8 network's first layer.
//
// Per output row: the centred crop's source rows that cover it are read once each, every
// pixel converted to the model's channels (integer BT.601), filtered horizontally and
// added, weighted by its vertical coverage, to an accumulator row; a source row that
// straddles two output rows feeds the next row's accumulator too. Weights are exact
// integer coverages (crop and model sizes as the units), so an output value is
//   round_half_up(sum(pixel * coverage_x * coverage_y) / (crop_width * crop_height)),
// the true area mean, with no float and no table. Sums stay below 255 * 4096^2 < 2^32.
// Memory (in the arena, after the network's): the adapter state, a ring of the first
// layer's kernel rows of model input and two uint32 accumulator rows.
#pragma once
#include <cstddef>
#include <cstdint>

#include "device/limitnet_device.h"

namespace limitnet {

constexpr int kMaxFrameSide = 4096;

// LIMITNET_DEVICE_OK or the status naming what is wrong with `frame` for a model input of
// side x side: bad_argument (null), pixel_format, frame_too_small, frame_size (over 4096,
// or an odd YUYV width), frame_stride.
int check_frame(const limitnet_frame* frame, int side);

// Bytes per pixel of a limitnet_pixel_format (0 for an unknown one).
int pixel_format_bytes(int format);

// sizeof(FrameAdapter) on a target with pointer_bytes-byte pointers and size_t (4 on a
// Cortex-M): its members, without padding.
constexpr size_t frame_adapter_state_bytes(size_t pointer_bytes) { return 5 * pointer_bytes + 8 * sizeof(int); }

// Arena bytes the adapter takes in the device's arena (its state, 8-byte aligned, then its
// scratch: the ring and the accumulators) for a side x side x channels input whose first
// layer has kernel first_kernel: what limitnet_device_arena_size adds, for tools that size
// a target's arena on a host.
constexpr size_t frame_adapter_arena_bytes(int side, int channels, int first_kernel, size_t pointer_bytes) {
  const size_t row = static_cast<size_t>(side) * static_cast<size_t>(channels);
  const size_t ring = static_cast<size_t>(first_kernel < side ? first_kernel : side) * row;
  return ((frame_adapter_state_bytes(pointer_bytes) + 7) & ~static_cast<size_t>(7)) +
         ((ring + 3) & ~static_cast<size_t>(3)) + 2 * row * sizeof(uint32_t);
}

class FrameAdapter {
 public:
  // Scratch bytes for a side x side x channels model input kept in a ring of ring_rows rows.
  static size_t scratch_bytes(int side, int channels, int ring_rows);

  // Starts a frame (already checked by check_frame). `scratch` (4-byte aligned, at least
  // scratch_bytes) holds the ring and the accumulators; ring_rows is at least 1 and at
  // most side (side: the ring is the whole model input, e.g. to render it for a host).
  void begin(const limitnet_frame& frame, int side, int channels, int ring_rows, uint8_t* scratch);

  // Model input row y (side x channels bytes, HWC). Rows are asked for in increasing order;
  // row y stays valid until row y + ring_rows has been asked for.
  const uint8_t* row(int y);

  // The row() of an Int8RowSource (context: the FrameAdapter).
  static const uint8_t* row_source(void* context, int y) { return static_cast<FrameAdapter*>(context)->row(y); }

 private:
  void produce_next_row();
  void add_source_row(int source_row, uint32_t weight, uint32_t next_weight);

  const uint8_t* pixels_ = nullptr;  // top-left pixel of the crop
  size_t stride_ = 0;
  int format_ = 0;
  int crop_x_ = 0;     // column of the crop's first pixel in the frame (YUYV pairs need it)
  int crop_side_ = 0;  // square crop, crop_side_ x crop_side_ source pixels
  int side_ = 0, channels_ = 0, ring_rows_ = 0;
  int produced_ = 0;     // model rows made so far
  int next_source_ = 0;  // next crop row not yet read
  uint8_t* ring_ = nullptr;
  uint32_t* acc_ = nullptr;       // the current model row's weighted sums
  uint32_t* acc_next_ = nullptr;  // the next row's share of a straddling source row
};

static_assert(sizeof(size_t) != sizeof(void*) || frame_adapter_state_bytes(sizeof(void*)) == sizeof(FrameAdapter),
              "frame_adapter_state_bytes no longer mirrors FrameAdapter's members: update it");

}  // namespace limitnet
