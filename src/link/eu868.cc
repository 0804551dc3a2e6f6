#include "link/eu868.h"

#include <stdexcept>
#include <string>

namespace limitnet::link {
namespace {

// LoRaWAN Regional Parameters, EU863-870: data rate table and maximum payload size N
// (no FOpts; repeater-compatible values are the same for these DRs).
constexpr Eu868DataRate kTable[] = {
    {0, 12, 125000, 51, 250},  {1, 11, 125000, 51, 440},  {2, 10, 125000, 51, 980},
    {3, 9, 125000, 115, 1760}, {4, 8, 125000, 222, 3125}, {5, 7, 125000, 222, 5470},
};

}  // namespace

const Eu868DataRate& eu868_data_rate(int data_rate) {
  if (data_rate < kEu868MinDataRate || data_rate > kEu868MaxDataRate) {
    throw std::invalid_argument("EU868 data rate DR" + std::to_string(data_rate) +
                                " is invalid; valid: DR0..DR5 (SF12..SF7 at 125 kHz)");
  }
  return kTable[data_rate];
}

LoRaParams eu868_uplink_params(int data_rate) {
  const Eu868DataRate& dr = eu868_data_rate(data_rate);
  LoRaParams p;
  p.spreading_factor = dr.spreading_factor;
  p.bandwidth_hz = dr.bandwidth_hz;
  p.coding_rate_denominator = 5;
  p.preamble_symbols = 8;
  p.explicit_header = true;
  p.crc_on = true;
  p.low_data_rate_optimize = LowDataRateOptimize::kAuto;
  return p;
}

std::size_t eu868_max_app_payload_bytes(int data_rate) { return eu868_data_rate(data_rate).max_app_payload_bytes; }

void validate_payload(int data_rate, std::size_t app_payload_bytes) {
  const std::size_t limit = eu868_max_app_payload_bytes(data_rate);
  if (app_payload_bytes > limit) {
    throw std::invalid_argument("payload " + std::to_string(app_payload_bytes) + " bytes exceeds DR" +
                                std::to_string(data_rate) + " limit of " + std::to_string(limit) + " bytes");
  }
}

Airtime eu868_uplink_airtime(int data_rate, std::size_t app_payload_bytes) {
  validate_payload(data_rate, app_payload_bytes);
  return lora_airtime(eu868_uplink_params(data_rate), lorawan_phy_payload_bytes(app_payload_bytes));
}

}  // namespace limitnet::link
