#include "server/udp_ingest.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "server/service.h"

namespace limitnet::server {

UdpIngest::UdpIngest(const std::string& host, int port, DeviceKeys keys, Service* service)
    : keys_(std::move(keys)), service_(service) {
  fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("udp: socket: ") + std::strerror(errno));
  // A deep receive buffer absorbs bursts while the core thread commits a batch.
  int rcvbuf = 8 << 20;
  setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    close(fd_);
    throw std::runtime_error("udp: '" + host + "' is not an IPv4 address");
  }
  if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    const std::string err = std::strerror(errno);
    close(fd_);
    throw std::runtime_error("udp: cannot bind " + host + ":" + std::to_string(port) + ": " + err);
  }
  socklen_t len = sizeof addr;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
}

UdpIngest::~UdpIngest() {
  stop();
  if (fd_ >= 0) close(fd_);
}

void UdpIngest::start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] { loop(); });
}

void UdpIngest::stop() {
  if (!running_.exchange(false)) return;
  if (thread_.joinable()) thread_.join();
}

void UdpIngest::loop() {
  constexpr int kBatch = 64;
  constexpr size_t kMaxDatagram = 2048;  // larger datagrams are truncated and then refused
  std::vector<uint8_t> buffers(kBatch * kMaxDatagram);
  std::vector<mmsghdr> msgs(kBatch);
  std::vector<iovec> iovs(kBatch);
  while (running_) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;  // wake up regularly to notice stop()
    for (int i = 0; i < kBatch; ++i) {
      iovs[i].iov_base = buffers.data() + static_cast<size_t>(i) * kMaxDatagram;
      iovs[i].iov_len = kMaxDatagram;
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = recvmmsg(fd_, msgs.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (n <= 0) continue;
    for (int i = 0; i < n; ++i) {
      const uint8_t* data = buffers.data() + static_cast<size_t>(i) * kMaxDatagram;
      size_t size = msgs[i].msg_len;
      if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) size = kMaxDatagram + 1;  // counted as oversized below
      UdpParse r;
      if (size > kMaxDatagram) {
        r.reason = "oversized";
      } else {
        r = parse_udp_datagram(data, size, keys_);
      }
      if (!r.ok) {
        service_->metrics().add("limitnet_uplinks_received_total", "udp");
        service_->drop("udp", r.reason,
                       (r.uplink.device.empty() ? std::string("datagram") : "device " + r.uplink.device) + " of " +
                           std::to_string(size) + " bytes");
        continue;
      }
      service_->submit(std::move(r.uplink));
    }
  }
}

}  // namespace limitnet::server
