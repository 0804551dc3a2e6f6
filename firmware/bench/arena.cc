// The one static arena of the benchmark, sized at compile time from the model:
// the device state (sizeof on this target) plus the largest model's activation area
// (FW_WORK_BYTES, computed by fw_assets from the int8 sections).
#include "device/device_state.h"
#include "device/frame_adapter.h"
#include "fw_assets.h"

extern "C" {
alignas(8) uint8_t fw_arena[kLimitnetDeviceStateBytes + FW_WORK_BYTES];
extern const size_t fw_arena_size = sizeof fw_arena;
extern const size_t fw_state_bytes = kLimitnetDeviceStateBytes;
extern const size_t fw_frame_adapter_state_bytes = sizeof(limitnet::FrameAdapter);
}
