// Raw UDP ingest: one authenticated LimitNet packet per datagram (format in udp_auth.h).
// A receive thread reads batches with recvmmsg(2), verifies each datagram's tag with the
// sending device's key and hands valid uplinks to the Service; everything else is counted
// and logged with its reason (too_short, bad_version, oversized, unknown_device, bad_tag).
#pragma once
#include <atomic>
#include <string>
#include <thread>

#include "server/udp_auth.h"

namespace limitnet::server {

class Service;

class UdpIngest {
 public:
  // Binds host:port (port 0 picks a free one, see port()). Throws std::runtime_error.
  UdpIngest(const std::string& host, int port, DeviceKeys keys, Service* service);
  ~UdpIngest();
  UdpIngest(const UdpIngest&) = delete;
  UdpIngest& operator=(const UdpIngest&) = delete;

  int port() const { return port_; }
  void start();
  void stop();

 private:
  void loop();
  DeviceKeys keys_;
  Service* service_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace limitnet::server
