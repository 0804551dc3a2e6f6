// server::run_device_sim in-process: a UDP run to a local socket (every delivered packet
// is one datagram the ingest accepts with the written key file) and the plan's checks.
#include "server/device_sim.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <stdexcept>

#include "server/udp_auth.h"
#include "test_support.h"

namespace limitnet::server {
namespace {

using test::TempDir;

// A UDP socket on a free loopback port whose receives time out after 500 ms.
struct UdpSink {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int port = 0;
  UdpSink() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    const timeval timeout{0, 500000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~UdpSink() { close(fd); }
  std::vector<std::vector<uint8_t>> receive_all() {
    std::vector<std::vector<uint8_t>> out;
    uint8_t buf[2048];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) out.emplace_back(buf, buf + n);
    return out;
  }
};

size_t count_lines(const std::string& path) {
  std::ifstream f(path);
  size_t n = 0;
  for (std::string line; std::getline(f, line);) ++n;
  return n;
}

TEST(DeviceSim, UdpRunSendsOneDatagramPerDeliveredPacket) {
  TempDir dir;
  UdpSink sink;
  ASSERT_GT(sink.port, 0);
  DeviceSimPlan plan;
  plan.model = test::make_model(dir, 1);
  plan.dataset = test::make_image_folder(dir, plan.model, 4);
  plan.devices = 2;
  plan.images = 2;
  plan.udp = "127.0.0.1:" + std::to_string(sink.port);
  plan.key_secret = "00112233445566778899aabbccddeeff";
  plan.keys_out = dir.file("keys.txt");
  plan.log_path = dir.file("attempts.jsonl");
  const DeviceSimSummary s = run_device_sim(plan);

  EXPECT_GT(s.delivered, 0u);
  EXPECT_LE(s.delivered, s.attempts);
  EXPECT_EQ(s.images_ready + s.images_skipped, 4u) << "120 s per image is plenty at DR5";
  EXPECT_EQ(s.publish_failures, 0u);
  EXPECT_TRUE(s.all_acknowledged);
  EXPECT_EQ(count_lines(plan.log_path), s.attempts);
  const std::vector<std::vector<uint8_t>> datagrams = sink.receive_all();
  ASSERT_EQ(datagrams.size(), s.delivered);
  const DeviceKeys keys = DeviceKeys::load(plan.keys_out);
  std::set<std::string> devices;
  for (const std::vector<uint8_t>& d : datagrams) {
    const UdpParse r = parse_udp_datagram(d.data(), d.size(), keys);
    ASSERT_TRUE(r.ok) << r.reason;
    devices.insert(r.uplink.device);
  }
  EXPECT_EQ(devices, (std::set<std::string>{"70b3d57ed0000001", "70b3d57ed0000002"}));
}

TEST(DeviceSim, RefusesABadPlanNamingTheFlag) {
  DeviceSimPlan plan;  // no transport
  try {
    run_device_sim(plan);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "give --mqtt-host or --udp HOST:PORT");
  }
  plan.udp = "127.0.0.1:9";
  plan.policy = "loudest";
  EXPECT_THROW(run_device_sim(plan), std::invalid_argument);
}

}  // namespace
}  // namespace limitnet::server
