// bench_server_soak: the receiver under sustained MQTT load for minutes, to see that disk
// and memory stay bounded and the API stays responsive (issue 22's acceptance run).
//
// Starts mosquitto and `limitnet serve` (cloud inference on when the bundle has a cloud
// part) on free loopback ports in a temporary folder, holds `--idle` idle HTTP connections
// open (reopened when the server closes them), publishes ChirpStack uplinks from
// `--devices` simulated cameras round robin at `--rate` packets per second, and every
// `--report-s` seconds prints the server's RSS, database + WAL bytes, bytes per stored
// packet, inference lag, queue depth, drops and the slowest /healthz of the interval
// (polled every 250 ms). Ends with a summary against the acceptance limits.
//
//   bench_server_soak [--seconds 600] [--rate 1000] [--devices 10000] [--report-s 30]
//                     [--idle 100] [--model models/fmnist28/model.lnm]
//                     [--limitnet build/bin/limitnet] [--mosquitto /usr/sbin/mosquitto]
//                     [--serve-arg ARG]...   (extra `limitnet serve` arguments)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/calibrate.h"
#include "model/pipeline.h"
#include "server/mqtt_link.h"
#include "server/uplink_json.h"

using namespace limitnet;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {

struct Options {
  int seconds = 600, devices = 10000, report_s = 30, idle = 100;
  double rate = 1000;
  std::string model = "models/fmnist28/model.lnm", limitnet, mosquitto = "/usr/sbin/mosquitto";
  std::vector<std::string> serve_args;
};

Options parse(int argc, char** argv) {
  Options o;
  o.limitnet = (fs::path(argv[0]).parent_path() / "limitnet").string();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--seconds")
      o.seconds = std::atoi(v.c_str());
    else if (k == "--rate")
      o.rate = std::atof(v.c_str());
    else if (k == "--devices")
      o.devices = std::atoi(v.c_str());
    else if (k == "--report-s")
      o.report_s = std::atoi(v.c_str());
    else if (k == "--idle")
      o.idle = std::atoi(v.c_str());
    else if (k == "--model")
      o.model = v;
    else if (k == "--limitnet")
      o.limitnet = v;
    else if (k == "--mosquitto")
      o.mosquitto = v;
    else if (k == "--serve-arg")
      o.serve_args.push_back(v);
    else
      throw std::runtime_error("unknown option " + k);
  }
  return o;
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (!freopen(log.c_str(), "a", stdout) || !freopen(log.c_str(), "a", stderr)) _exit(126);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

void stop(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  for (int i = 0; i < 300 && waitpid(pid, nullptr, WNOHANG) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

int connect_to(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
  close(fd);
  return -1;
}

// GET path; the body, or "" (the server closes after each answer).
std::string http_get(int port, const std::string& path, int* status) {
  *status = -1;
  const int fd = connect_to(port);
  if (fd < 0) return "";
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  (void)!send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string answer;
  char buf[65536];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, static_cast<size_t>(n));
  close(fd);
  if (answer.size() > 12) *status = std::atoi(answer.c_str() + 9);
  const size_t body = answer.find("\r\n\r\n");
  return body == std::string::npos ? "" : answer.substr(body + 4);
}

long rss_kib(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

uint64_t file_bytes(const std::string& path) {
  std::error_code ec;
  const auto n = fs::file_size(path, ec);
  return ec ? 0 : n;
}

// Reopens idle connections that the server closed (it answers 408 after its timeout).
void keep_idle(int port, std::vector<int>* fds) {
  for (int& fd : *fds) {
    pollfd p{fd, POLLIN, 0};
    if (fd >= 0 && poll(&p, 1, 0) == 0) continue;
    if (fd >= 0) close(fd);
    fd = connect_to(port);
  }
}

uint64_t counter(const nlohmann::json& m, const char* name) {
  return m.contains(name) ? m[name].value("total", uint64_t{0}) : 0;
}

// "reason=n,..." of a counter with reasons ("-" when none).
std::string by_reason(const nlohmann::json& m, const char* name) {
  std::string out;
  if (m.contains(name) && m[name].is_object()) {
    for (const auto& [reason, n] : m[name].items()) {
      if (reason != "total") out += (out.empty() ? "" : ",") + reason + "=" + std::to_string(n.get<uint64_t>());
    }
  }
  return out.empty() ? "-" : out;
}
}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  const std::string dir = (fs::temp_directory_path() / ("bench-soak-" + std::to_string(getpid()))).string();
  fs::create_directories(dir);
  const int broker_port = free_port();
  {
    std::ofstream conf(dir + "/mosquitto.conf");
    conf << "listener " << broker_port << " 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\n";
  }
  const pid_t broker = spawn({o.mosquitto, "-c", dir + "/mosquitto.conf"}, dir + "/mosquitto.log");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const std::string db = dir + "/soak.db";
  std::vector<std::string> serve = {o.limitnet,    "serve",
                                    "-m",          o.model,
                                    "--db",        db,
                                    "--http-port", "0",
                                    "--port-file", dir + "/ports.json",
                                    "--mqtt-host", "127.0.0.1",
                                    "--mqtt-port", std::to_string(broker_port)};
  serve.insert(serve.end(), o.serve_args.begin(), o.serve_args.end());
  const pid_t server = spawn(serve, dir + "/serve.log");
  int http = -1;
  for (int i = 0; i < 600 && http < 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream f(dir + "/ports.json");
    const auto j = nlohmann::json::parse(f, nullptr, false);
    if (j.is_object()) http = j.value("http_port", -1);
  }
  if (http < 0) throw std::runtime_error("serve did not start: see " + dir + "/serve.log");

  // Packets: 16 frames; a device's n-th image is frame n % 16 with image id n % 256, as a
  // camera counts its images (encoded once per frame and image id, when first needed).
  DevicePipeline pipeline(o.model);
  std::vector<std::vector<uint8_t>> pixels;
  for (int f = 0; f < 16; ++f)
    pixels.push_back(
        synthetic_frame(pipeline.input_size(), pipeline.input_channels(), 100u + static_cast<uint64_t>(f)));
  std::map<uint32_t, std::vector<std::vector<uint8_t>>> encoded;  // image number % 256 -> packets
  auto packets_of = [&](uint32_t n) -> const std::vector<std::vector<uint8_t>>& {
    auto it = encoded.find(n % 256);
    if (it == encoded.end())
      it = encoded.emplace(n % 256, pipeline.encode(pixels[n % 16].data(), static_cast<uint8_t>(n % 256), 51).packets)
               .first;
    return it->second;
  };
  server::MqttOptions mo;
  mo.port = broker_port;
  mo.client_id = "bench-soak";
  server::MqttPublisher pub(mo);
  std::vector<int> idle(static_cast<size_t>(o.idle), -1);
  keep_idle(http, &idle);
  std::vector<uint32_t> fcnt(static_cast<size_t>(o.devices), 1), image(static_cast<size_t>(o.devices), 0),
      packet(static_cast<size_t>(o.devices), 0);

  std::printf("%6s %9s %9s %8s %7s %7s %8s %7s %6s %7s %6s %7s %9s %s\n", "t_s", "sent", "accepted", "rss_mb", "db_mb",
              "wal_mb", "B/packet", "lag_ms", "queue", "infer_q", "images", "infers", "healthz", "drops");
  const auto start = Clock::now();
  auto next_report = start + std::chrono::seconds(o.report_s), next_health = start;
  uint64_t sent = 0, wal_max = 0;
  double health_max = 0, health_all = 0, lag_max = 0;
  std::vector<long> rss;
  while (Clock::now() - start < std::chrono::seconds(o.seconds)) {
    const double due = o.rate * std::chrono::duration<double>(Clock::now() - start).count();
    for (; static_cast<double>(sent) < due; ++sent) {
      const size_t d = sent % static_cast<size_t>(o.devices);
      const auto& pk = packets_of(image[d]);
      char eui[20];
      std::snprintf(eui, sizeof eui, "%016llx", 0x70b3d57e00000000ULL + d + 1);
      const std::vector<uint8_t>& data = pk[packet[d]];
      pub.publish(std::string("application/soak/device/") + eui + "/event/up",
                  server::chirpstack_uplink_json(eui, fcnt[d]++, data));
      if (++packet[d] == pk.size()) {
        packet[d] = 0;
        ++image[d];
      }
    }
    if (Clock::now() >= next_health) {
      next_health += std::chrono::milliseconds(250);
      keep_idle(http, &idle);
      const auto t0 = Clock::now();
      int status = 0;
      http_get(http, "/healthz", &status);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      health_max = std::max(health_max, status == 200 ? ms : 1e9);
    }
    if (Clock::now() >= next_report) {
      next_report += std::chrono::seconds(o.report_s);
      int status = 0;
      const auto m = nlohmann::json::parse(http_get(http, "/metrics.json", &status), nullptr, false);
      const uint64_t db_b = file_bytes(db), wal_b = file_bytes(db + "-wal");
      const uint64_t accepted = m.is_object() ? counter(m, "limitnet_packets_accepted_total") : 0;
      wal_max = std::max(wal_max, wal_b);
      rss.push_back(rss_kib(server));
      health_all = std::max(health_all, health_max);
      const bool ok = m.is_object();
      const auto gauge = [&](const char* name) { return ok ? m.value(name, 0.0) : -1.0; };
      lag_max = std::max(lag_max, gauge("limitnet_inference_lag_ms"));
      std::printf("%6.0f %9llu %9llu %8.1f %7.1f %7.1f %8.0f %7.0f %6.0f %7.0f %6.0f %7llu %7.0fms %s\n",
                  std::chrono::duration<double>(Clock::now() - start).count(), static_cast<unsigned long long>(sent),
                  static_cast<unsigned long long>(accepted), static_cast<double>(rss.back()) / 1024,
                  static_cast<double>(db_b) / 1048576, static_cast<double>(wal_b) / 1048576,
                  accepted ? static_cast<double>(db_b + wal_b) / static_cast<double>(accepted) : 0.0,
                  gauge("limitnet_inference_lag_ms"), gauge("limitnet_queue_depth"),
                  gauge("limitnet_inference_queue_depth"), gauge("limitnet_images_in_memory"),
                  static_cast<unsigned long long>(ok ? counter(m, "limitnet_inferences_total") : 0), health_max,
                  ok ? by_reason(m, "limitnet_uplinks_dropped_total").c_str() : "?");
      std::fflush(stdout);
      health_max = 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // RSS flat: the reports of the last half (the last 5 minutes of 10) within 10 %.
  const auto half = rss.begin() + static_cast<std::ptrdiff_t>(rss.size() / 2);
  const long lo = rss.empty() ? 0 : *std::min_element(half, rss.end());
  const long hi = rss.empty() ? 0 : *std::max_element(half, rss.end());
  std::printf(
      "summary: published %.0f packets/s, wal max %.1f MB (limit 64), rss last half %.1f-%.1f MB (%.1f %%, limit "
      "10), slowest healthz %.0f ms (limit 1000), largest inference lag %.0f ms, logs in %s\n",
      static_cast<double>(sent) / o.seconds, static_cast<double>(wal_max) / 1048576, static_cast<double>(lo) / 1024,
      static_cast<double>(hi) / 1024, lo ? 100.0 * static_cast<double>(hi - lo) / static_cast<double>(lo) : 0.0,
      health_all, lag_max, dir.c_str());
  for (int fd : idle) close(fd);
  stop(server);
  stop(broker);
  return 0;
} catch (const std::exception& e) {
  std::cerr << "bench_server_soak: " << e.what() << "\n";
  return 1;
}
