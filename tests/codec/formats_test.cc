// Host file formats: the .lnp packet container and the LNMB model bundle.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "codec/bundle/bundle.h"
#include "codec/crc.h"
#include "codec/host/bundle_file.h"
#include "codec/host/bundle_writer.h"
#include "codec/host/container.h"
#include "codec/host/model_file.h"
#include "codec/presets.h"
#include "codec_test_util.h"
#include "device/float_reference.h"
#include "model/random_model.h"

namespace limitnet::test {
namespace {

LnpFile sample_lnp() {
  const TestModel& m = test_model("cifar32");
  const EncodedImage enc = encode_test_image(m, 3, 77, kPayloadLoRaDR0);
  return make_lnp(m.codec(), 77, kPayloadLoRaDR0, enc.packets);
}

void expect_same(const LnpFile& a, const LnpFile& b) {
  EXPECT_EQ(a.max_payload, b.max_payload);
  EXPECT_EQ(a.model_id, b.model_id);
  EXPECT_EQ(a.values_sent, b.values_sent);
  EXPECT_EQ(a.saliency_bytes, b.saliency_bytes);
  EXPECT_EQ(a.config_byte, b.config_byte);
  EXPECT_EQ(a.image_id, b.image_id);
  EXPECT_EQ(a.packets, b.packets);
}

std::string error_of(const std::vector<uint8_t>& bytes, size_t size) {
  try {
    parse_lnp(bytes.data(), size, "x.lnp");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Lnp, MakeLnpTakesTheHeaderFromTheCodecModel) {
  const TestModel& m = test_model("cifar32");
  const LnpFile f = sample_lnp();
  EXPECT_EQ(f.max_payload, kPayloadLoRaDR0);
  EXPECT_EQ(f.model_id, m.codec().model_id);
  EXPECT_EQ(f.values_sent, m.config().sent_elements());
  EXPECT_EQ(f.saliency_bytes, m.config().saliency_bytes());
  EXPECT_EQ(f.config_byte, config_byte(m.config()));
  EXPECT_EQ(f.image_id, 77);
  EXPECT_EQ(f.packets, encode_test_image(m, 3, 77, kPayloadLoRaDR0).packets);
}

TEST(Lnp, RoundTripInMemoryAndOnDisk) {
  const LnpFile f = sample_lnp();
  const std::vector<uint8_t> bytes = serialize_lnp(f);
  size_t expected = 24;
  for (const auto& p : f.packets) expected += 2 + p.size();
  EXPECT_EQ(bytes.size(), expected);
  EXPECT_EQ(std::memcmp(bytes.data(), "LNP1", 4), 0);
  expect_same(parse_lnp(bytes.data(), bytes.size(), "mem"), f);
  const std::string path = (std::filesystem::temp_directory_path() / "limitnet_codec_test.lnp").string();
  write_lnp(path, f);
  expect_same(read_lnp(path), f);
  std::remove(path.c_str());
  // Empty packet list.
  LnpFile empty;
  const std::vector<uint8_t> e = serialize_lnp(empty);
  EXPECT_EQ(e.size(), 24u);
  EXPECT_TRUE(parse_lnp(e.data(), e.size(), "e").packets.empty());
}

TEST(Lnp, EveryTruncationAndTrailingBytesAreErrors) {
  const std::vector<uint8_t> bytes = serialize_lnp(sample_lnp());
  for (size_t len = 0; len < bytes.size(); ++len) {
    const std::string err = error_of(bytes, len);
    ASSERT_FALSE(err.empty()) << "prefix of " << len << " bytes accepted";
    EXPECT_EQ(err.rfind("x.lnp: ", 0), 0u) << err;
  }
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  EXPECT_NE(error_of(longer, longer.size()).find("unexpected bytes"), std::string::npos);
}

TEST(Lnp, BadMagicVersionAndCount) {
  const std::vector<uint8_t> good = serialize_lnp(sample_lnp());
  std::vector<uint8_t> b = good;
  b[0] = 'X';
  EXPECT_NE(error_of(b, b.size()).find("bad magic"), std::string::npos);
  b = good;
  b[4] = 2;
  EXPECT_NE(error_of(b, b.size()).find("unsupported .lnp version 2"), std::string::npos);
  b = good;
  b[20] = b[21] = b[22] = b[23] = 0xFF;  // packet count 2^32 - 1
  EXPECT_NE(error_of(b, b.size()).find("packet count"), std::string::npos);
  b = good;
  b[24] = 0xFF;  // first packet length
  b[25] = 0xFF;
  EXPECT_NE(error_of(b, b.size()).find("truncated in packet 0"), std::string::npos);
  EXPECT_THROW(read_lnp("/nonexistent/dir/x.lnp"), std::runtime_error);
}

// Bundle bytes (4-byte aligned copy) and helpers to corrupt them with a fixed CRC.
struct AlignedBytes {
  std::vector<uint32_t> words;
  size_t size = 0;
  explicit AlignedBytes(const std::vector<uint8_t>& b) : words((b.size() + 3) / 4), size(b.size()) {
    if (!b.empty()) std::memcpy(words.data(), b.data(), b.size());
  }
  uint8_t* data() { return reinterpret_cast<uint8_t*>(words.data()); }
};

void fix_crc(std::vector<uint8_t>* b) {
  const uint32_t crc = crc32_update(0, b->data(), b->size() - 4);
  for (int i = 0; i < 4; ++i) (*b)[b->size() - 4 + static_cast<size_t>(i)] = static_cast<uint8_t>(crc >> (8 * i));
}

Status parse(const std::vector<uint8_t>& b, BundleView* view = nullptr) {
  AlignedBytes a(b);
  BundleView v;
  const Status s = v.parse(a.data(), a.size);
  if (view) *view = v;  // only valid while `a` lives: callers use the status only
  return s;
}

TEST(Bundle, ParsesAndLoads) {
  const TestModel& m = test_model("fmnist28");
  AlignedBytes a(m.bundle);
  BundleView v;
  ASSERT_EQ(v.parse(a.data(), a.size), Status::kOk);
  EXPECT_EQ(v.parts(), kBundlePartDevice);
  EXPECT_EQ(v.model_id(), m.codec().model_id);
  BundleTensor t;
  ASSERT_TRUE(v.find("encoder.0.weight", &t));
  EXPECT_EQ(t.dtype, DType::kF32);
  EXPECT_EQ(t.ndim, 4);
  EXPECT_EQ(t.dims[0], 16u);
  EXPECT_EQ(t.elements(), 16u * 1 * 5 * 5);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % 4, 0u);
  EXPECT_FALSE(v.find("nope", &t));
  for (uint32_t i = 0; i < v.section_count(); ++i) EXPECT_TRUE(v.section(i, &t));
  EXPECT_FALSE(v.section(v.section_count(), &t));
  int k = 0;
  EXPECT_TRUE(v.config_int("latent_side", &k));
  EXPECT_EQ(k, 7);
  char coder[8];
  EXPECT_TRUE(v.config_string("coder", coder, sizeof coder));
  EXPECT_STREQ(coder, "huffman");
  EXPECT_FALSE(v.config_string("coder", coder, 4)) << "value does not fit";
  EXPECT_FALSE(v.config_int("nope", &k));
  auto model = std::make_unique<CodecModel>();
  ASSERT_EQ(load_codec_model(v, model.get()), Status::kOk);
  EXPECT_EQ(model->config.latent_channels, 8);
  ReferenceNetwork net;
  ASSERT_EQ(net.bind(v), Status::kOk);
  EXPECT_EQ(net.latent_side(), 7);
  EXPECT_EQ(net.input_size(), 28);
}

TEST(Bundle, ModelIdIsDeviceContentCrc) {
  const PresetSpec& p = *find_preset("cifar32");
  BundleWriter w = random_device_bundle(p, p.codec, 5);
  const uint32_t id = w.device_content_id();
  AlignedBytes a(w.serialize());
  BundleView v;
  ASSERT_EQ(v.parse(a.data(), a.size), Status::kOk);
  EXPECT_EQ(v.model_id(), id);
  // Cloud sections do not change the id; device sections do.
  const float x = 1.0f;
  w.add_f32("decoder.0.weight", {1}, &x);
  EXPECT_EQ(w.device_content_id(), id);
  w.add_f32("quant.min", {1}, &x);
  EXPECT_NE(w.device_content_id(), id);
  // Explicit id.
  AlignedBytes b(w.serialize(0xCAFEF00Du));
  ASSERT_EQ(v.parse(b.data(), b.size), Status::kOk);
  EXPECT_EQ(v.model_id(), 0xCAFEF00Du);
  // Same seed, same bytes.
  EXPECT_EQ(random_device_bundle(p, p.codec, 5).serialize(), random_device_bundle(p, p.codec, 5).serialize());
  EXPECT_NE(random_device_bundle(p, p.codec, 5).serialize(), random_device_bundle(p, p.codec, 6).serialize());
}

TEST(Bundle, ParseErrors) {
  const std::vector<uint8_t> good = test_model("fmnist28").bundle;
  ASSERT_EQ(parse(good), Status::kOk);
  std::vector<uint8_t> b = good;
  b[0] = 'X';
  EXPECT_EQ(parse(b), Status::kBadMagic);
  b = good;
  b[4] = 2;
  EXPECT_EQ(parse(b), Status::kUnsupportedVersion);
  b = good;
  b[4] = 2;
  fix_crc(&b);
  EXPECT_EQ(parse(b), Status::kUnsupportedVersion);
  // Any single corrupted byte after the header fails the CRC.
  for (size_t at : {size_t{8}, size_t{20}, good.size() / 2, good.size() - 5, good.size() - 1}) {
    b = good;
    b[at] ^= 0x10;
    EXPECT_EQ(parse(b), Status::kChecksumMismatch) << at;
  }
  // Truncations are refused (every length near both ends, a stride in between: each
  // parse runs a bitwise CRC-32 over the whole prefix).
  for (size_t len = 0; len < good.size(); len += (len < 256 || len + 256 > good.size()) ? 1 : 61) {
    const std::vector<uint8_t> t(good.begin(), good.begin() + static_cast<long>(len));
    ASSERT_NE(parse(t), Status::kOk) << len;
  }
  EXPECT_EQ(parse(std::vector<uint8_t>(10, 0)), Status::kTruncated);
  BundleView v;
  EXPECT_EQ(v.parse(nullptr, 100), Status::kTruncated);
  // Structural damage behind a valid CRC.
  b = good;
  b[12] = static_cast<uint8_t>(b[12] + 1);  // one more section than present
  fix_crc(&b);
  EXPECT_EQ(parse(b), Status::kMalformed);
  b = good;
  b[16] = 0;  // first section's name length = 0
  b[17] = 0;
  fix_crc(&b);
  EXPECT_EQ(parse(b), Status::kMalformed);
}

TEST(Bundle, StructuralDamageBehindValidCrc) {
  const std::vector<uint8_t> good = test_model("fmnist28").bundle;
  // Locate the first section's header: name_len(2) name dtype ndim dims.. bytes.
  const size_t name_len = good[16] | (good[17] << 8);
  const size_t dtype_at = 18 + name_len, ndim_at = dtype_at + 1;
  const size_t bytes_at = ndim_at + 1 + 4 * good[ndim_at];
  std::vector<uint8_t> b = good;
  b[dtype_at] = 7;  // unknown dtype
  fix_crc(&b);
  EXPECT_EQ(parse(b), Status::kMalformed);
  b = good;
  b[ndim_at] = 5;  // too many dims
  fix_crc(&b);
  EXPECT_EQ(parse(b), Status::kMalformed);
  b = good;
  b[bytes_at] = static_cast<uint8_t>(b[bytes_at] + 4);  // byte count disagrees with dims
  fix_crc(&b);
  EXPECT_EQ(parse(b), Status::kMalformed);
  b = good;
  b[bytes_at + 3] = 0x7F;  // byte count far past the end
  fix_crc(&b);
  EXPECT_EQ(parse(b), Status::kMalformed);
}

TEST(Bundle, LoadCodecModelErrors) {
  const PresetSpec& p = *find_preset("fmnist28");
  auto load = [](const BundleWriter& w) {
    AlignedBytes a(w.serialize());
    BundleView v;
    EXPECT_EQ(v.parse(a.data(), a.size), Status::kOk);
    auto model = std::make_unique<CodecModel>();
    return load_codec_model(v, model.get());
  };
  EXPECT_EQ(load(random_device_bundle(p, p.codec, 1)), Status::kOk);
  BundleWriter w = random_device_bundle(p, p.codec, 1);
  w.set_config("latent_channels=8\n");
  EXPECT_EQ(load(w), Status::kMalformed);
  w = random_device_bundle(p, p.codec, 1);
  std::string text = preset_config_text(p, p.codec);
  text.replace(text.find("coder=huffman"), 13, "coder=arith");
  w.set_config(text);
  EXPECT_EQ(load(w), Status::kUnsupported);
  w = random_device_bundle(p, p.codec, 1);
  text = preset_config_text(p, p.codec);
  text.replace(text.find("latent_bits=6"), 13, "latent_bits=9");
  w.set_config(text);
  EXPECT_EQ(load(w), Status::kMalformed);
  // More latent channels than this build holds: the build's capacity, not a corrupt bundle
  // (the device API reports LIMITNET_DEVICE_CAPACITY, so a larger build is the fix).
  w = random_device_bundle(p, p.codec, 1);
  text = preset_config_text(p, p.codec);
  const size_t at = text.find("latent_channels=");
  text.replace(at, text.find('\n', at) - at, "latent_channels=" + std::to_string(kMaxChannels + 1));
  w.set_config(text);
  EXPECT_EQ(load(w), Status::kCapacity);
  // Wrong table shape.
  w = random_device_bundle(p, p.codec, 1);
  const std::vector<float> three(3, 0.0f);
  w.add_f32("quant.min", {3}, three.data());
  EXPECT_EQ(load(w), Status::kMalformed);
  // Inverted quantisation range.
  w = random_device_bundle(p, p.codec, 1);
  const std::vector<float> ones(8, 1.0f);
  w.add_f32("quant.max", {8}, ones.data());
  w.add_f32("quant.min", {8}, ones.data());
  EXPECT_EQ(load(w), Status::kMalformed);
  // Incomplete Huffman code.
  w = random_device_bundle(p, p.codec, 1);
  const std::vector<uint8_t> lengths(8 * 64, 7);
  w.add("entropy.huffman_lengths", DType::kU8, {8, 64}, lengths.data());
  EXPECT_EQ(load(w), Status::kMalformed);
  // rANS frequencies not summing to 4096.
  w = random_device_bundle(p, p.codec, 1);
  const std::vector<uint16_t> freqs(8 * 64, 1);
  w.add("entropy.rans_freqs", DType::kU16, {8, 64}, freqs.data());
  EXPECT_EQ(load(w), Status::kMalformed);
}

TEST(Bundle, InterlacedOrderSettingsRoundTripAndBrokenOnesAreMalformed) {
  const PresetSpec& p = *find_preset("fmnist28");
  CodecConfig interlaced = p.codec;
  interlaced.interlace_stride = 2;
  interlaced.interlace_milli = 1500;
  auto read = [&p](const std::string& config, CodecConfig* out) {
    BundleWriter w = random_device_bundle(p, p.codec, 1);
    w.set_config(config);
    AlignedBytes a(w.serialize());
    BundleView v;
    EXPECT_EQ(v.parse(a.data(), a.size), Status::kOk);
    return read_codec_config(v, out);
  };
  CodecConfig got;
  ASSERT_EQ(read(preset_config_text(p, interlaced), &got), Status::kOk);
  EXPECT_EQ(got.interlace_stride, 2);
  EXPECT_EQ(got.interlace_milli, 1500);
  // Off: the keys are not written, so bundles from before the interlace keep their bytes.
  const std::string plain = preset_config_text(p, p.codec);
  EXPECT_EQ(plain.find("interlace"), std::string::npos);
  ASSERT_EQ(read(plain, &got), Status::kOk);
  EXPECT_EQ(got.interlace_stride, 0);
  EXPECT_EQ(got.interlace_milli, 0);
  // A stride without its bonus, a stride out of range, a bonus that is not a number.
  EXPECT_EQ(read(plain + "interlace_stride=2\n", &got), Status::kMalformed);
  EXPECT_EQ(read(plain + "interlace_stride=9\ninterlace_milli=1000\n", &got), Status::kMalformed);
  EXPECT_EQ(read(plain + "interlace_stride=2\ninterlace_milli=x\n", &got), Status::kMalformed);
  EXPECT_EQ(read(plain + "interlace_stride=\ninterlace_milli=1000\n", &got), Status::kMalformed);
  // Coarse channels: written only when on; they need the lattice and at most L channels.
  CodecConfig coarse = interlaced;
  coarse.coarse_channels = 3;
  ASSERT_EQ(read(preset_config_text(p, coarse), &got), Status::kOk);
  EXPECT_EQ(got.coarse_channels, 3);
  EXPECT_EQ(preset_config_text(p, interlaced).find("coarse_channels"), std::string::npos);
  EXPECT_EQ(read(plain + "coarse_channels=2\n", &got), Status::kMalformed);  // no lattice
  const std::string with_lattice = preset_config_text(p, interlaced);
  EXPECT_EQ(read(with_lattice + "coarse_channels=9\n", &got), Status::kMalformed);  // fmnist28 has 8
  EXPECT_EQ(read(with_lattice + "coarse_channels=-1\n", &got), Status::kMalformed);
  EXPECT_EQ(read(with_lattice + "coarse_channels=two\n", &got), Status::kMalformed);
}

TEST(Bundle, RejectsElementCountOverflow) {
  // Dimensions whose product wraps around 2^64 to the (zero) byte count of the section.
  for (const std::vector<uint32_t>& dims :
       {std::vector<uint32_t>{16, 1, 1u << 30, 1u << 30}, std::vector<uint32_t>{1u << 31, 1u << 31, 4, 1}}) {
    BundleWriter w(kBundlePartDevice);
    const float dummy = 0.0f;
    w.add("encoder.0.weight", DType::kF32, dims, &dummy);
    const std::vector<uint8_t> bytes = w.serialize();
    // BundleWriter computes the same wrapped element count, so the section really is empty.
    ASSERT_LT(bytes.size(), 100u);
    EXPECT_EQ(parse(bytes), Status::kMalformed) << dims[0] << "x" << dims[1] << "x" << dims[2] << "x" << dims[3];
  }
}

TEST(Bundle, BindRejectsLayersThatGrowTheImage) {
  // A huge padding makes layer 0's output 2^30 x 2^30 x 16 floats, a size_t product that
  // wraps to 0; layer 1's stride brings the latent back to 12 x 64 x 64, so the shapes
  // look fine to the codec, while run() would write far past the workspace.
  CodecConfig codec;
  codec.latent_channels = 12;
  codec.latent_side = 64;
  const PresetSpec evil = {"evil",
                           "",
                           1,
                           8,
                           2,
                           {{1, 16, 1, 1, (1 << 29) - 4}, {16, 12, 1, 1 << 24, 0}},
                           1,
                           {{12, 1, 3, 1, 1}},
                           codec,
                           {0.5f, 0.f, 0.f},
                           {0.25f, 1.f, 1.f}};
  AlignedBytes a(random_device_bundle(evil, codec, 1).serialize());
  BundleView v;
  ASSERT_EQ(v.parse(a.data(), a.size), Status::kOk);
  ReferenceNetwork net;
  EXPECT_EQ(net.bind(v), Status::kMalformed);
  // Plainly growing layers (padding beyond the kernel) are refused too.
  CodecConfig small;
  small.latent_channels = 2;
  small.latent_side = 18;
  small.saliency_grid = 2;
  const PresetSpec grow = {
      "grow", "", 1, 8, 1, {{1, 2, 3, 1, 6}}, 1, {{2, 1, 3, 1, 1}}, small, {0.5f, 0.f, 0.f}, {0.25f, 1.f, 1.f}};
  AlignedBytes b(random_device_bundle(grow, small, 1).serialize());
  ASSERT_EQ(v.parse(b.data(), b.size), Status::kOk);
  EXPECT_EQ(net.bind(v), Status::kMalformed);
  // Every preset still binds.
  int count = 0;
  const PresetSpec* presets = all_presets(&count);
  for (int i = 0; i < count; ++i) {
    AlignedBytes ok(random_device_bundle(presets[i], presets[i].codec, 1).serialize());
    ASSERT_EQ(v.parse(ok.data(), ok.size), Status::kOk);
    EXPECT_EQ(net.bind(v), Status::kOk) << presets[i].name;
  }
}

TEST(Bundle, FileErrorsNameThePath) {
  try {
    load_bundle("/nonexistent/model.lnmb");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.lnmb"), std::string::npos);
  }
  const std::string path = (std::filesystem::temp_directory_path() / "limitnet_codec_test_bad.lnmb").string();
  LnpFile junk;
  write_lnp(path, junk);  // not a bundle
  try {
    load_bundle(path);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bad_magic"), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
  const std::vector<uint8_t> bytes = test_model("fmnist28").bundle;
  EXPECT_THROW(DevicePipeline(bytes.data(), bytes.size() - 1, "cut"), std::runtime_error);
}

std::string open_error(const std::vector<uint8_t>& bytes, const std::string& name) {
  try {
    open_model_bytes(bytes.data(), bytes.size(), name);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(ModelFile, OpensABundleIntoTheCodecModel) {
  const TestModel& m = test_model("fmnist28");
  const ModelFile f = open_model_bytes(m.bundle.data(), m.bundle.size(), "fmnist28.lnm");
  EXPECT_EQ(f.codec->model_id, m.codec().model_id);
  EXPECT_EQ(f.codec->config.latent_elements(), m.config().latent_elements());
  EXPECT_EQ(f.bundle.view.model_id(), m.codec().model_id);
}

TEST(ModelFile, ErrorsNameThePathAndTheReason) {
  try {
    open_model_file("/nonexistent/model.lnm");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("/nonexistent/model.lnm: ", 0), 0u) << e.what();
  }
  const std::vector<uint8_t>& good = test_model("fmnist28").bundle;
  EXPECT_NE(open_error({good.begin(), good.end() - 1}, "cut.lnm").find("cut.lnm: not a valid model bundle"),
            std::string::npos);
  BundleWriter cloud_only(kBundlePartCloud);
  cloud_only.set_config("preset=fmnist28\n");
  EXPECT_EQ(open_error(cloud_only.serialize(), "cloud.lnm"), "cloud.lnm: bundle has no device part");
  BundleWriter no_tables(kBundlePartDevice);
  no_tables.set_config("preset=fmnist28\n");
  EXPECT_EQ(open_error(no_tables.serialize(), "empty.lnm").rfind("empty.lnm: bad codec tables (", 0), 0u);
}

TEST(ModelFile, ModelIdTextIsEightHexDigits) {
  EXPECT_EQ(model_id_text(0x0062c7dcu), "0062c7dc");
  EXPECT_EQ(model_id_text(0xDEADBEEFu), "deadbeef");
  EXPECT_EQ(model_id_text(0), "00000000");
}

TEST(ModelFile, PayloadSizeRangeAndItsOneErrorText) {
  EXPECT_EQ(check_payload_size(kMinPayload), kMinPayload);
  EXPECT_EQ(check_payload_size(kMaxPayload), kMaxPayload);
  try {
    check_payload_size(kMaxPayload + 1);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "--payload 1025 is out of range: use 12..1024 bytes (LoRaWAN EU868: 51 for DR0-2, 115 for DR3, 222 for "
              "DR4-5; Sigfox: 12)");
  }
  EXPECT_THROW(check_payload_size(kMinPayload - 1), std::invalid_argument);
}

}  // namespace
}  // namespace limitnet::test
