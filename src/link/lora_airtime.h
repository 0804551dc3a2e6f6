// LoRa time on air (how long one frame occupies the radio), by Semtech's formula from the
// SX1276/77/78/79 datasheet (section 4.1.1.6) and the LoRa Modem Designer's Guide AN1200.13:
//
//   T_sym      = 2^SF / BW                                          [s]
//   T_preamble = (n_preamble + 4.25) * T_sym
//   n_payload  = 8 + max(ceil((8 PL - 4 SF + 28 + 16 CRC - 20 IH) / (4 (SF - 2 DE))) * (CR + 4), 0)
//   T_packet   = T_preamble + n_payload * T_sym
//
// PL is the PHY payload in bytes (for LoRaWAN: MHDR + MACPayload + MIC, see
// lorawan_phy_payload_bytes), IH = 1 for implicit header, DE = 1 with low data rate
// optimization, CR = 1..4 for coding rates 4/5..4/8.
//
// Units: durations in milliseconds (double), sizes in bytes, bandwidth in Hz.
// Invalid parameters throw std::invalid_argument whose message lists the valid choices
// (host code only; the device never computes airtime).
#pragma once

#include <cstddef>
#include <cstdint>

namespace limitnet::link {

// Whether the modem's low data rate optimization (DE in the formula) is on.
enum class LowDataRateOptimize {
  kAuto,  // on when the symbol time is >= 16 ms (SX1276 datasheet's requirement):
          // SF11 and SF12 at 125 kHz, SF12 at 250 kHz
  kOn,    // forced on
  kOff,   // forced off
};

// Modem settings of one LoRa frame. Defaults are LoRaWAN's uplink settings at SF7/125 kHz.
struct LoRaParams {
  int spreading_factor = 7;             // 6..12; SF6 works only with implicit header
  std::uint32_t bandwidth_hz = 125000;  // 125000, 250000 or 500000
  int coding_rate_denominator = 5;      // coding rate 4/5..4/8, given as 5..8
  int preamble_symbols = 8;             // programmed preamble length, 6..65535 symbols
                                        // (the modem adds 4.25 symbols of sync word)
  bool explicit_header = true;          // LoRaWAN always uses the explicit header
  bool crc_on = true;                   // LoRaWAN uplinks carry a payload CRC, downlinks not
  LowDataRateOptimize low_data_rate_optimize = LowDataRateOptimize::kAuto;
};

// Result of an airtime computation; every duration in milliseconds.
struct Airtime {
  double time_on_air_ms = 0.0;          // preamble_ms + payload_ms
  double symbol_time_ms = 0.0;          // 2^SF / BW
  double preamble_ms = 0.0;             // (preamble_symbols + 4.25) * symbol_time_ms
  double payload_ms = 0.0;              // payload_symbols * symbol_time_ms (header + payload + CRC)
  double preamble_symbols = 0.0;        // programmed preamble + 4.25, in symbols
  int payload_symbols = 0;              // n_payload of the formula, in symbols
  bool low_data_rate_optimize = false;  // DE actually used (kAuto resolved)

  double total_symbols() const { return preamble_symbols + static_cast<double>(payload_symbols); }
};

// Largest PHY payload the LoRa modem can send in one frame, in bytes.
inline constexpr std::size_t kLoRaMaxPhyPayloadBytes = 255;

// LoRaWAN 1.0.x framing around an uplink FRMPayload, in bytes: MHDR (1) + FHDR without
// FOpts (DevAddr 4, FCtrl 1, FCnt 2) + FPort (1) + MIC (4) = 13.
inline constexpr std::size_t kLoRaWanUplinkOverheadBytes = 13;

// Throws std::invalid_argument if any field of `p` is out of range (message lists valid values).
void validate(const LoRaParams& p);

// Symbol time 2^SF / BW in milliseconds. Validates sf and bandwidth.
double lora_symbol_time_ms(int spreading_factor, std::uint32_t bandwidth_hz);

// Whether low data rate optimization is used for these settings (resolves kAuto).
bool lora_low_data_rate_optimize(const LoRaParams& p);

// Time on air of one frame carrying `phy_payload_bytes` (0..255) bytes of PHY payload.
Airtime lora_airtime(const LoRaParams& p, std::size_t phy_payload_bytes);

// PHY payload in bytes of a LoRaWAN uplink whose application data (FRMPayload) is
// `app_payload_bytes`, with FPort present and no FOpts: app_payload_bytes + 13.
std::size_t lorawan_phy_payload_bytes(std::size_t app_payload_bytes);

}  // namespace limitnet::link
