// EU868 data-rate table (LoRaWAN Regional Parameters, EU863-870) and payload limits.
#include "link/eu868.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace limitnet::link {
namespace {

TEST(LinkEu868, TableMatchesRegionalParameters) {
  const int sf[] = {12, 11, 10, 9, 8, 7};
  const std::size_t max_payload[] = {51, 51, 51, 115, 222, 222};
  const int bps[] = {250, 440, 980, 1760, 3125, 5470};
  for (int dr = 0; dr <= 5; ++dr) {
    const Eu868DataRate& row = eu868_data_rate(dr);
    EXPECT_EQ(row.data_rate, dr);
    EXPECT_EQ(row.spreading_factor, sf[dr]);
    EXPECT_EQ(row.bandwidth_hz, 125000u);
    EXPECT_EQ(row.max_app_payload_bytes, max_payload[dr]);
    EXPECT_EQ(eu868_max_app_payload_bytes(dr), max_payload[dr]);
    EXPECT_EQ(row.nominal_bit_rate_bps, bps[dr]);
  }
}

TEST(LinkEu868, UplinkParamsAreLorawanDefaults) {
  const LoRaParams p = eu868_uplink_params(0);
  EXPECT_EQ(p.spreading_factor, 12);
  EXPECT_EQ(p.coding_rate_denominator, 5);
  EXPECT_EQ(p.preamble_symbols, 8);
  EXPECT_TRUE(p.explicit_header);
  EXPECT_TRUE(p.crc_on);
  EXPECT_TRUE(lora_low_data_rate_optimize(eu868_uplink_params(0)));
  EXPECT_TRUE(lora_low_data_rate_optimize(eu868_uplink_params(1)));
  EXPECT_FALSE(lora_low_data_rate_optimize(eu868_uplink_params(2)));
}

TEST(LinkEu868, InvalidDataRate) {
  EXPECT_THROW(eu868_data_rate(-1), std::invalid_argument);
  try {
    eu868_data_rate(6);
    FAIL() << "DR6 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("DR0..DR5"), std::string::npos);
  }
}

TEST(LinkEu868, ValidatePayloadMessage) {
  EXPECT_NO_THROW(validate_payload(0, 51));
  EXPECT_NO_THROW(validate_payload(5, 222));
  try {
    validate_payload(0, 60);
    FAIL() << "60 bytes accepted at DR0";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "payload 60 bytes exceeds DR0 limit of 51 bytes");
  }
  EXPECT_THROW(validate_payload(3, 116), std::invalid_argument);
  EXPECT_THROW(validate_payload(5, 223), std::invalid_argument);
}

// Airtime of a maximum-size uplink per DR. DR0 is the tanupoo/lorawan_toa 64-byte PHY value
// (see lora_airtime_test.cc); the others follow from the same formula (by hand):
// DR5: 222 + 13 = 235 bytes, ceil((1880 - 28 + 44) / 28) = 68 blocks -> 348 symbols,
// (12.25 + 348) * 1.024 ms = 368.896 ms.
TEST(LinkEu868, MaxPayloadAirtimes) {
  EXPECT_NEAR(eu868_uplink_airtime(0, 51).time_on_air_ms, 2793.472, 1e-9);
  EXPECT_NEAR(eu868_uplink_airtime(1, 51).time_on_air_ms, 1560.576, 1e-9);
  EXPECT_NEAR(eu868_uplink_airtime(2, 51).time_on_air_ms, 698.368, 1e-9);
  EXPECT_NEAR(eu868_uplink_airtime(3, 115).time_on_air_ms, 676.864, 1e-9);
  EXPECT_NEAR(eu868_uplink_airtime(4, 222).time_on_air_ms, 655.872, 1e-9);
  EXPECT_NEAR(eu868_uplink_airtime(5, 222).time_on_air_ms, 368.896, 1e-9);
  EXPECT_EQ(eu868_uplink_airtime(5, 222).payload_symbols, 348);
  EXPECT_THROW(eu868_uplink_airtime(0, 52), std::invalid_argument);
}

}  // namespace
}  // namespace limitnet::link
