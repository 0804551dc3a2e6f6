#include "server/device_link.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "server/udp_auth.h"

namespace limitnet::server {

namespace {
class MqttUplinkSender final : public UplinkSender {
 public:
  MqttUplinkSender(const MqttOptions& options, UplinkFormat format, const std::string& app)
      : publisher_(options), format_(format), app_(app) {}

  bool send(const std::string& dev_eui, uint32_t fcnt, const std::vector<uint8_t>& packet) override {
    const bool tts = format_ == UplinkFormat::kTheThingsStack;
    const std::string topic = tts ? tts_uplink_topic(app_ + "@ttn", dev_eui) : chirpstack_uplink_topic(app_, dev_eui);
    const std::string body =
        tts ? tts_uplink_json(dev_eui, dev_eui, fcnt, packet) : chirpstack_uplink_json(dev_eui, fcnt, packet);
    // A broker that is restarting refuses for a while: retry for up to 30 s.
    bool ok = false;
    for (int attempt = 0; attempt < 300 && !(ok = publisher_.publish(topic, body)); ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return ok;
  }

  bool flush(int timeout_ms) override { return publisher_.flush(timeout_ms); }

 private:
  MqttPublisher publisher_;
  UplinkFormat format_;
  std::string app_;
};

class UdpUplinkSender final : public UplinkSender {
 public:
  UdpUplinkSender(const std::string& host, int port, const std::vector<uint8_t>& secret) : secret_(secret) {
    address_.sin_family = AF_INET;
    address_.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &address_.sin_addr) != 1) throw std::invalid_argument("bad IPv4 address");
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd_ < 0) throw std::runtime_error("udp: cannot open a socket");
  }
  ~UdpUplinkSender() override { close(fd_); }
  UdpUplinkSender(const UdpUplinkSender&) = delete;
  UdpUplinkSender& operator=(const UdpUplinkSender&) = delete;

  bool send(const std::string& dev_eui, uint32_t fcnt, const std::vector<uint8_t>& packet) override {
    const auto key = derive_device_key(secret_, dev_eui);
    const auto datagram = make_udp_datagram(dev_eui, fcnt, key, packet.data(), packet.size());
    sendto(fd_, datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr*>(&address_), sizeof address_);
    return true;
  }

  bool flush(int) override { return true; }

 private:
  std::vector<uint8_t> secret_;
  sockaddr_in address_{};
  int fd_ = -1;
};
}  // namespace

std::unique_ptr<UplinkSender> make_mqtt_uplink_sender(const MqttOptions& options, UplinkFormat format,
                                                      const std::string& app) {
  return std::make_unique<MqttUplinkSender>(options, format, app);
}

std::unique_ptr<UplinkSender> make_udp_uplink_sender(const std::string& host, int port,
                                                     const std::vector<uint8_t>& secret) {
  return std::make_unique<UdpUplinkSender>(host, port, secret);
}

}  // namespace limitnet::server
