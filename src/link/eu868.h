// EU863-870 ("EU868") LoRaWAN uplink data rates DR0..DR5, from the LoRaWAN Regional
// Parameters (RP002-1.0.x, EU863-870 section): all at 125 kHz, SF12 down to SF7.
// DR6 (SF7/250 kHz) and DR7 (FSK) are not modelled.
//
// Units: payloads in bytes, bandwidth in Hz, bit rates in bit/s.
// Invalid data rates or oversized payloads throw std::invalid_argument.
#pragma once

#include <cstddef>
#include <cstdint>

#include "link/lora_airtime.h"

namespace limitnet::link {

struct Eu868DataRate {
  int data_rate;                      // 0..5
  int spreading_factor;               // 12..7
  std::uint32_t bandwidth_hz;         // 125000
  std::size_t max_app_payload_bytes;  // N: largest FRMPayload without FOpts, in bytes
  int nominal_bit_rate_bps;           // PHY bit rate listed by the Regional Parameters, bit/s
};

inline constexpr int kEu868MinDataRate = 0;
inline constexpr int kEu868MaxDataRate = 5;

// Table row of `data_rate` (0..5); throws std::invalid_argument otherwise.
const Eu868DataRate& eu868_data_rate(int data_rate);

// Modem settings of an uplink at `data_rate`: CR 4/5, 8-symbol preamble, explicit header,
// CRC on, low data rate optimization automatic (on for DR0 and DR1).
LoRaParams eu868_uplink_params(int data_rate);

// Largest application payload (FRMPayload) at `data_rate`, in bytes: 51, 51, 51, 115, 222, 222.
std::size_t eu868_max_app_payload_bytes(int data_rate);

// Throws std::invalid_argument("payload 60 bytes exceeds DR0 limit of 51 bytes") when
// `app_payload_bytes` does not fit one uplink at `data_rate`.
void validate_payload(int data_rate, std::size_t app_payload_bytes);

// Time on air in ms of one uplink with `app_payload_bytes` of FRMPayload at `data_rate`
// (adds the 13-byte LoRaWAN overhead; validates the payload against the DR limit).
Airtime eu868_uplink_airtime(int data_rate, std::size_t app_payload_bytes);

}  // namespace limitnet::link
