// bench_server_ingest: how many LimitNet packets per second the receiver ingests with
// persistence, and how long a packet takes until a result includes it.
//
// Runs the real Service with UDP ingest, SQLite (WAL, synchronous as chosen; packets and
// every inference result persisted) and the latent-only inference engine in this process, and a sender thread that
// plays `devices` simulated cameras: each sends its image's packets (fmnist28 random model, 51-byte packets) in order
// with increasing frame counters, authenticated by its own key, the devices interleaved round robin, paced at `--rate`
// packets per second (0 = flat out).
//
//   bench_server_ingest [--devices 10000] [--rate 5000] [--seconds 20] [--sync full|normal]
//                       [--db PATH] [--debounce-ms 50] [--max-result-delay-ms 200]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include "codec/packet_format.h"
#include "codec/presets.h"
#include "model/calibrate.h"
#include "model/pipeline.h"
#include "model/random_model.h"
#include "server/service.h"
#include "server/udp_auth.h"
#include "server/udp_ingest.h"

using namespace limitnet;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  int devices = 10000, seconds = 20, debounce = 50, max_delay = 200;
  double rate = 5000;
  std::string sync = "full", db;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--devices")
      devices = std::atoi(v.c_str());
    else if (k == "--rate")
      rate = std::atof(v.c_str());
    else if (k == "--seconds")
      seconds = std::atoi(v.c_str());
    else if (k == "--sync")
      sync = v;
    else if (k == "--db")
      db = v;
    else if (k == "--debounce-ms")
      debounce = std::atoi(v.c_str());
    else if (k == "--max-result-delay-ms")
      max_delay = std::atoi(v.c_str());
    else {
      std::cerr << "bench_server_ingest: unknown option " << k << "\n";
      return 2;
    }
  }
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("bench-server-" + std::to_string(getpid()))).string();
  std::filesystem::create_directories(dir);
  if (db.empty()) db = dir + "/bench.db";

  // A calibrated random fmnist28 model, as `limitnet model init` makes it.
  const PresetSpec* preset = find_preset("fmnist28");
  BundleWriter writer = random_device_bundle(*preset, preset->codec, 1);
  {
    const std::vector<uint8_t> raw = writer.serialize();
    const LoadedBundle untrained = parse_bundle_bytes(raw.data(), raw.size(), "random bundle");
    std::vector<uint8_t> frame;
    calibrate_bundle(
        untrained.view, 32,
        [&](int i) {
          frame = synthetic_frame(preset->input_size, preset->input_channels, 7919u + static_cast<uint64_t>(i));
          return frame.data();
        },
        &writer);
  }
  const std::string model = dir + "/model.lnm";
  writer.write(model);
  DevicePipeline pipeline(model);
  // 64 different images; device d sends image (d mod 64) with a rolling image id.
  std::vector<std::vector<std::vector<uint8_t>>> images;
  size_t packet_sum = 0;
  for (int i = 0; i < 64; ++i) {
    auto f = synthetic_frame(pipeline.input_size(), pipeline.input_channels(), 100u + static_cast<uint64_t>(i));
    images.push_back(pipeline.encode(f.data(), 0, 51).packets);
    packet_sum += images.back().size();
  }
  std::vector<std::string> euis(static_cast<size_t>(devices));
  std::vector<std::vector<uint8_t>> keys(static_cast<size_t>(devices));
  server::DeviceKeys key_table;
  const std::vector<uint8_t> secret(32, 0x42);
  for (int d = 0; d < devices; ++d) {
    char b[20];
    std::snprintf(b, sizeof b, "%016llx", 0x70b3d57e00000000ull + static_cast<unsigned long long>(d));
    euis[static_cast<size_t>(d)] = b;
    keys[static_cast<size_t>(d)] = server::derive_device_key(secret, b);
    key_table.add(b, keys[static_cast<size_t>(d)]);
  }

  server::ServiceOptions o;
  o.models = {model};
  o.store.path = db;
  o.store.synchronous = sync;
  o.debounce_ms = debounce;
  o.max_result_delay_ms = max_delay;
  server::Service service(o, [](const std::string& line) { std::cerr << "serve: " << line << "\n"; });
  server::UdpIngest udp("127.0.0.1", 0, std::move(key_table), &service);
  service.start();
  udp.start();

  // Sender: round robin over devices; each device walks through its image's packets.
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int sndbuf = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(udp.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::vector<uint32_t> fcnt(static_cast<size_t>(devices), 1), next_packet(static_cast<size_t>(devices), 0);
  std::vector<uint8_t> image_no(static_cast<size_t>(devices), 0);
  uint64_t sent = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(seconds);
  std::vector<uint8_t> packet;
  for (size_t d = 0; Clock::now() < end; d = (d + 1) % static_cast<size_t>(devices)) {
    const auto& img = images[d % images.size()];
    packet = img[next_packet[d]];
    // Rewrite the image id byte; the CRC covers it, so recompute the 2 CRC bytes.
    packet[1] = image_no[d];
    const uint16_t crc = packet_crc(pipeline.codec().model_id, packet.data(), packet.size() - 2);
    packet[packet.size() - 2] = static_cast<uint8_t>(crc);
    packet[packet.size() - 1] = static_cast<uint8_t>(crc >> 8);
    const auto dgram = server::make_udp_datagram(euis[d], fcnt[d]++, keys[d], packet.data(), packet.size());
    sendto(fd, dgram.data(), dgram.size(), 0, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    if (++next_packet[d] == img.size()) {
      next_packet[d] = 0;
      image_no[d]++;
    }
    ++sent;
    if (rate > 0) {
      const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(static_cast<double>(sent) / rate));
      if (due > Clock::now()) std::this_thread::sleep_until(due);
    }
  }
  const double send_s = std::chrono::duration<double>(Clock::now() - start).count();
  // Let the service finish what it has (bounded wait).
  const auto drain_deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < drain_deadline &&
         service.packets_applied() + service.metrics().total("limitnet_uplinks_dropped_total") < sent) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const double total_s = std::chrono::duration<double>(Clock::now() - start).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(max_delay + 200));  // last results
  udp.stop();
  service.stop();
  const uint64_t applied = service.packets_applied();
  server::Metrics& m = service.metrics();
  std::printf("bench_server_ingest: %d devices, %.0f packets/s offered (%s), %d s, SQLite WAL synchronous=%s\n",
              devices, rate, rate > 0 ? "paced" : "flat out", seconds, sync.c_str());
  std::printf("  sent %llu datagrams in %.2f s (%.0f/s); persisted and decoded %llu (%.0f/s over %.2f s incl. drain)\n",
              static_cast<unsigned long long>(sent), send_s, static_cast<double>(sent) / send_s,
              static_cast<unsigned long long>(applied), static_cast<double>(applied) / total_s, total_s);
  std::printf("  dropped: %llu (queue_full %llu, store_failed %llu); not received (socket overflow): %lld\n",
              static_cast<unsigned long long>(m.total("limitnet_uplinks_dropped_total")),
              static_cast<unsigned long long>(m.get("limitnet_uplinks_dropped_total", "queue_full")),
              static_cast<unsigned long long>(m.get("limitnet_uplinks_dropped_total", "store_failed")),
              static_cast<long long>(sent) - static_cast<long long>(m.total("limitnet_uplinks_received_total")));
  std::printf(
      "  inferences: %llu; packet-to-result latency (debounce %d ms, max delay %d ms): p50 %.1f ms, p99 %.1f ms "
      "(%zu samples)\n",
      static_cast<unsigned long long>(m.get("limitnet_inferences_total")), debounce, max_delay,
      m.latency_quantile_ms(0.5), m.latency_quantile_ms(0.99), m.latency_samples());
  std::printf("  results persisted: %llu (not stored: %llu); packets per image: mean %.1f\n",
              static_cast<unsigned long long>(m.get("limitnet_results_stored_total")),
              static_cast<unsigned long long>(m.get("limitnet_results_unsaved_total")),
              static_cast<double>(packet_sum) / 64.0);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
