#include "link/lora_airtime.h"

#include <stdexcept>
#include <string>

namespace limitnet::link {
namespace {

// Symbol time at or above which the SX1276 datasheet requires low data rate optimization.
constexpr double kLowDataRateSymbolMs = 16.0;

// Symbols of sync word and start-of-frame the modem appends to the programmed preamble.
constexpr double kPreambleExtraSymbols = 4.25;

void check_sf(int sf) {
  if (sf < 6 || sf > 12) {
    throw std::invalid_argument("LoRa spreading factor " + std::to_string(sf) +
                                " is invalid; valid: 6..12 (SF6 needs implicit header)");
  }
}

void check_bandwidth(std::uint32_t bw) {
  if (bw != 125000 && bw != 250000 && bw != 500000) {
    throw std::invalid_argument("LoRa bandwidth " + std::to_string(bw) +
                                " Hz is invalid; valid: 125000, 250000, 500000 Hz");
  }
}

}  // namespace

void validate(const LoRaParams& p) {
  check_sf(p.spreading_factor);
  check_bandwidth(p.bandwidth_hz);
  if (p.coding_rate_denominator < 5 || p.coding_rate_denominator > 8) {
    throw std::invalid_argument("LoRa coding rate 4/" + std::to_string(p.coding_rate_denominator) +
                                " is invalid; valid: 4/5, 4/6, 4/7, 4/8 (denominator 5..8)");
  }
  if (p.preamble_symbols < 6 || p.preamble_symbols > 65535) {
    throw std::invalid_argument("LoRa preamble of " + std::to_string(p.preamble_symbols) +
                                " symbols is invalid; valid: 6..65535 (LoRaWAN uses 8)");
  }
  // The SX1276 supports SF6 only in implicit header mode (datasheet 4.1.1.2).
  if (p.spreading_factor == 6 && p.explicit_header) {
    throw std::invalid_argument("LoRa SF6 requires implicit header mode; set explicit_header = false or use SF7..12");
  }
}

double lora_symbol_time_ms(int spreading_factor, std::uint32_t bandwidth_hz) {
  check_sf(spreading_factor);
  check_bandwidth(bandwidth_hz);
  // 2^SF chips per symbol at BW chips per second.
  return static_cast<double>(1u << spreading_factor) * 1000.0 / static_cast<double>(bandwidth_hz);
}

bool lora_low_data_rate_optimize(const LoRaParams& p) {
  switch (p.low_data_rate_optimize) {
    case LowDataRateOptimize::kOn:
      return true;
    case LowDataRateOptimize::kOff:
      return false;
    case LowDataRateOptimize::kAuto:
      break;
  }
  return lora_symbol_time_ms(p.spreading_factor, p.bandwidth_hz) >= kLowDataRateSymbolMs;
}

Airtime lora_airtime(const LoRaParams& p, std::size_t phy_payload_bytes) {
  validate(p);
  if (phy_payload_bytes > kLoRaMaxPhyPayloadBytes) {
    throw std::invalid_argument("LoRa PHY payload of " + std::to_string(phy_payload_bytes) +
                                " bytes is invalid; valid: 0..255 bytes");
  }
  Airtime a;
  a.low_data_rate_optimize = lora_low_data_rate_optimize(p);
  a.symbol_time_ms = lora_symbol_time_ms(p.spreading_factor, p.bandwidth_hz);

  // Integer arithmetic for the symbol count so that the ceiling is exact.
  const int sf = p.spreading_factor;
  const int pl = static_cast<int>(phy_payload_bytes);
  const int crc = p.crc_on ? 1 : 0;
  const int ih = p.explicit_header ? 0 : 1;
  const int de = a.low_data_rate_optimize ? 1 : 0;
  const int cr = p.coding_rate_denominator - 4;
  const int num = 8 * pl - 4 * sf + 28 + 16 * crc - 20 * ih;
  const int den = 4 * (sf - 2 * de);
  // ceil(num / den) for den > 0; a negative numerator contributes no extra symbols (max(.., 0)).
  const int blocks = num > 0 ? (num + den - 1) / den : 0;
  a.payload_symbols = 8 + blocks * (cr + 4);

  a.preamble_symbols = static_cast<double>(p.preamble_symbols) + kPreambleExtraSymbols;
  a.preamble_ms = a.preamble_symbols * a.symbol_time_ms;
  a.payload_ms = static_cast<double>(a.payload_symbols) * a.symbol_time_ms;
  a.time_on_air_ms = a.preamble_ms + a.payload_ms;
  return a;
}

std::size_t lorawan_phy_payload_bytes(std::size_t app_payload_bytes) {
  return app_payload_bytes + kLoRaWanUplinkOverheadBytes;
}

}  // namespace limitnet::link
