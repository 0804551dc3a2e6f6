// The host tools on packet files: `limitnet inspect`'s description (codec/host/inspect.h)
// and the receiver's decode of a .lnp (model/receive.h).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "codec/host/inspect.h"
#include "codec/host/model_file.h"
#include "codec_test_util.h"
#include "model/receive.h"

namespace limitnet::test {
namespace {

// A model bundle and one encoded image written to the temp folder; removed at the end.
struct SampleFiles {
  std::string model, lnp;
  LnpFile file;
  explicit SampleFiles(const std::string& name, const char* preset = "cifar32") {
    const TestModel& m = test_model(preset);
    const auto dir = std::filesystem::temp_directory_path();
    model = (dir / ("limitnet_" + name + ".lnm")).string();
    lnp = (dir / ("limitnet_" + name + ".lnp")).string();
    std::ofstream(model, std::ios::binary)
        .write(reinterpret_cast<const char*>(m.bundle.data()), static_cast<std::streamsize>(m.bundle.size()));
    file = make_lnp(m.codec(), 5, kPayloadLoRaDR0, encode_test_image(m, 3, 5, kPayloadLoRaDR0).packets);
    write_lnp(lnp, file);
  }
  ~SampleFiles() {
    std::remove(model.c_str());
    std::remove(lnp.c_str());
  }
};

TEST(FormatsInspect, PacketFileSummaryAddsUp) {
  const SampleFiles f("inspect_lnp");
  const nlohmann::json s = inspect_codec_file(f.lnp);
  EXPECT_EQ(s["packet_count"].get<size_t>(), f.file.packets.size());
  EXPECT_EQ(s["image_id"].get<int>(), 5);
  EXPECT_EQ(s["ranks_covered"].get<uint32_t>(), f.file.values_sent);
  EXPECT_EQ(s["total_bytes"].get<size_t>(),
            s["overhead_bytes"].get<size_t>() + s["saliency_bytes"].get<size_t>() + s["payload_bytes"].get<size_t>());
  for (const auto& p : s["packets"]) EXPECT_TRUE(p["crc_ok"].get<bool>());
  const std::string text = inspect_text(s);
  EXPECT_EQ(text.rfind(f.lnp + ": " + std::to_string(f.file.packets.size()) + " packets, ", 0), 0u) << text;
}

TEST(FormatsInspect, BundleSummaryListsSections) {
  const SampleFiles f("inspect_lnm");
  const nlohmann::json s = inspect_codec_file(f.model);
  EXPECT_EQ(s["parts"], "device");
  EXPECT_EQ(s["model_id"], model_id_text(f.file.model_id));
  EXPECT_FALSE(s["config"].get<std::string>().empty());
  EXPECT_FALSE(s["sections"].empty());
  EXPECT_NE(inspect_text(s).find(": model bundle " + model_id_text(f.file.model_id) + " (device)"), std::string::npos);
}

TEST(FormatsInspect, OtherFilesAreNamedErrors) {
  const std::string path = (std::filesystem::temp_directory_path() / "limitnet_inspect_junk.txt").string();
  std::ofstream(path) << "hello";
  try {
    inspect_codec_file(path);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), path + ": neither a LimitNet packet file (.lnp) nor a model bundle (.lnm)");
  }
  std::remove(path.c_str());
}

TEST(ModelReceive, AllPacketsGiveTheWholeLatent) {
  const SampleFiles f("receive_all");
  const PacketFileWithModel in = open_packet_file(f.lnp, f.model);
  int warnings = 0;
  const ReceivedImage r = receive_packets(in, {}, [&](const std::string&) { ++warnings; });
  EXPECT_EQ(warnings, 0);
  EXPECT_EQ(r.packets_used, f.file.packets.size());
  EXPECT_EQ(r.values_received, f.file.values_sent);
  EXPECT_EQ(r.latent.size(), r.shape[0] * r.shape[1] * r.shape[2]);
  EXPECT_EQ(r.summary["packets_rejected"].size(), 0u);
  EXPECT_EQ(received_line(r, "x.lnp", "").rfind("x.lnp: " + std::to_string(r.values_received) + " of ", 0), 0u);
}

TEST(ModelReceive, RefusedPacketsAreReportedAndMissingHeadIsAnError) {
  SampleFiles f("receive_bad");
  ASSERT_GE(f.file.packets.size(), 2u);
  f.file.packets.back().back() ^= 0xff;  // breaks the last packet's CRC
  write_lnp(f.lnp, f.file);
  const PacketFileWithModel in = open_packet_file(f.lnp, f.model);
  std::string warning;
  const ReceivedImage r = receive_packets(in, {}, [&](const std::string& w) { warning = w; });
  EXPECT_EQ(r.packets_used, f.file.packets.size() - 1);
  EXPECT_EQ(warning.rfind(f.lnp + ": packet " + std::to_string(f.file.packets.size() - 1) + " rejected: ", 0), 0u);
  EXPECT_EQ(r.summary["packets_rejected"][0]["reason"], "checksum_mismatch");
  EXPECT_THROW(receive_packets(in, {f.file.packets.size() - 1}, [](const std::string&) {}), std::runtime_error);
}

TEST(ModelReceive, AnotherModelIsRefused) {
  const SampleFiles f("receive_ids"), other("receive_ids_other", "fmnist28");
  EXPECT_THROW(open_packet_file(f.lnp, other.model), std::runtime_error);
}

}  // namespace
}  // namespace limitnet::test
