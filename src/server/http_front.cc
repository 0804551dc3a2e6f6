#include "server/http_front.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace limitnet::server {

namespace {
using Clock = std::chrono::steady_clock;

// A complete request already read by the gate, then the socket (for nothing, normally).
class BufferedStream : public httplib::Stream {
 public:
  BufferedStream(int fd, std::string buffer, std::string client, int client_port)
      : fd_(fd), buffer_(std::move(buffer)), client_(std::move(client)), client_port_(client_port) {}
  bool is_readable() const override {
    if (pos_ < buffer_.size()) return true;
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, 1000) > 0;
  }
  bool is_writable() const override {
    pollfd p{fd_, POLLOUT, 0};
    return poll(&p, 1, 5000) > 0;
  }
  ssize_t read(char* ptr, size_t size) override {
    if (pos_ < buffer_.size()) {
      const size_t n = std::min(size, buffer_.size() - pos_);
      std::memcpy(ptr, buffer_.data() + pos_, n);
      pos_ += n;
      return static_cast<ssize_t>(n);
    }
    if (!is_readable()) return -1;
    return recv(fd_, ptr, size, MSG_DONTWAIT);
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    return send(fd_, ptr, size, MSG_NOSIGNAL);  // a client gone away must not raise SIGPIPE
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = client_;
    port = client_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    ip.clear();
    port = 0;
    if (getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0 || a.ss_family != AF_INET) return;
    char text[INET_ADDRSTRLEN] = {};
    const auto* in = reinterpret_cast<const sockaddr_in*>(&a);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
    ip = text;
    port = ntohs(in->sin_port);
  }
  int socket() const override { return fd_; }

 private:
  int fd_;
  std::string buffer_;
  size_t pos_ = 0;
  std::string client_;
  int client_port_;
};

// The value of header `name` (lower case, with the colon) in a request head, or "".
std::string header_value(const std::string& head, const std::string& name) {
  std::string lower(head.size(), ' ');
  std::transform(head.begin(), head.end(), lower.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
  const size_t at = lower.find("\r\n" + name);
  if (at == std::string::npos) return "";
  const size_t start = at + 2 + name.size();
  const size_t end = lower.find("\r\n", start);
  std::string v = lower.substr(start, end - start);
  v.erase(0, v.find_first_not_of(" \t"));
  v.erase(v.find_last_not_of(" \t") + 1);
  return v;
}

const char* status_text(int status) {
  switch (status) {
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return "Service Unavailable";
  }
}
}  // namespace

FrontServer::FrontServer(const HttpLimits& limits, std::function<void(const std::string&)> refused)
    : limits_(limits), refused_(std::move(refused)) {
  if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0)
    throw std::runtime_error("http: pipe: " + std::string(strerror(errno)));
  // httplib's own pool only hands sockets to the gate: a few threads are plenty.
  new_task_queue = [] { return new httplib::ThreadPool(2); };
  set_keep_alive_max_count(1);
  set_payload_max_length(limits.max_body_bytes);
  workers_ = std::make_unique<httplib::ThreadPool>(std::max<size_t>(1, limits.workers));
  gate_ = std::thread([this] { gate_loop(); });
}

FrontServer::~FrontServer() {
  stop_front();
  close(wake_[0]);
  close(wake_[1]);
}

void FrontServer::stop_front() {
  if (stopping_.exchange(true)) return;
  const char c = 0;
  (void)!::write(wake_[1], &c, 1);
  if (gate_.joinable()) gate_.join();
  workers_->shutdown();
}

void FrontServer::deepen_backlog() { ::listen(svr_sock_, 1024); }  // Linux: re-listen sets the backlog

bool FrontServer::process_and_close_socket(int sock) {
  Connection c;
  c.fd = sock;
  c.deadline = Clock::now() + std::chrono::milliseconds(limits_.request_timeout_ms);
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (getpeername(sock, reinterpret_cast<sockaddr*>(&a), &len) == 0 && a.sin_family == AF_INET) {
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
    c.client = text;
    c.client_port = ntohs(a.sin_port);
  }
  fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK);
  {
    std::lock_guard<std::mutex> lock(mu_);
    const bool full = open_ >= limits_.max_connections || per_client_[c.client] >= limits_.max_connections_per_client;
    if (!full && !stopping_) {
      ++open_;
      ++per_client_[c.client];
      incoming_.push_back(std::move(c));
      const char w = 1;
      (void)!::write(wake_[1], &w, 1);
      return true;
    }
  }
  refuse(c, 503, "too_many_connections");
  shutdown(sock, SHUT_RDWR);
  close(sock);
  return true;
}

FrontServer::Verdict FrontServer::read_more(Connection& c) const {
  // Reads everything that is there (so that a refusal is not lost to a reset), up to the
  // largest request plus a little.
  const size_t cap = limits_.max_header_bytes + limits_.max_body_bytes + 4096;
  char chunk[16384];
  for (;;) {
    if (c.buffer.size() >= cap) break;
    const ssize_t n = recv(c.fd, chunk, std::min(sizeof chunk, cap - c.buffer.size()), MSG_DONTWAIT);
    if (n == 0) return Verdict::kClosed;
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      return Verdict::kClosed;
    }
    c.buffer.append(chunk, static_cast<size_t>(n));
  }
  const size_t end = c.buffer.find("\r\n\r\n");
  if (end == std::string::npos || end + 4 > limits_.max_header_bytes) {
    return c.buffer.size() > limits_.max_header_bytes ? Verdict::kHeaderTooLarge : Verdict::kWait;
  }
  const std::string head = c.buffer.substr(0, end + 2);
  if (!header_value(head, "transfer-encoding:").empty()) return Verdict::kLengthRequired;
  const std::string length = header_value(head, "content-length:");
  size_t body = 0;
  if (!length.empty()) {
    if (length.size() > 12 || length.find_first_not_of("0123456789") != std::string::npos)
      return Verdict::kBodyTooLarge;
    body = std::stoull(length);
  }
  if (body > limits_.max_body_bytes) return Verdict::kBodyTooLarge;
  return c.buffer.size() >= end + 4 + body ? Verdict::kReady : Verdict::kWait;
}

void FrontServer::gate_loop() {
  std::vector<Connection> waiting;
  std::vector<pollfd> fds;
  while (!stopping_) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (Connection& c : incoming_) waiting.push_back(std::move(c));
      incoming_.clear();
    }
    fds.assign(1, pollfd{wake_[0], POLLIN, 0});
    auto next = Clock::now() + std::chrono::milliseconds(200);
    for (const Connection& c : waiting) {
      fds.push_back(pollfd{c.fd, POLLIN, 0});
      next = std::min(next, c.deadline);
    }
    const auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
    poll(fds.data(), fds.size(), static_cast<int>(std::max<int64_t>(0, wait_ms) + 1));
    char drain[64];
    while (::read(wake_[0], drain, sizeof drain) > 0) {
    }
    const auto now = Clock::now();
    std::vector<Connection> still;
    for (size_t i = 0; i < waiting.size(); ++i) {
      Connection& c = waiting[i];
      const Verdict v = fds[i + 1].revents ? read_more(c) : Verdict::kWait;
      if (v == Verdict::kReady) {
        workers_->enqueue([this, conn = std::move(c)]() mutable { serve(std::move(conn)); });
      } else if (v == Verdict::kWait && now < c.deadline) {
        still.push_back(std::move(c));
      } else {
        if (v == Verdict::kWait) refuse(c, 408, "timeout");
        if (v == Verdict::kHeaderTooLarge) refuse(c, 431, "header_too_large");
        if (v == Verdict::kBodyTooLarge) refuse(c, 413, "body_too_large");
        if (v == Verdict::kLengthRequired) refuse(c, 411, "length_required");
        release(c);
      }
    }
    waiting.swap(still);
  }
  for (Connection& c : waiting) release(c);
}

void FrontServer::refuse(Connection& c, int status, const char* reason) {
  const std::string body = std::string(reason) + "\n";
  const std::string text =
      "HTTP/1.1 " + std::to_string(status) + " " + status_text(status) +
      "\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n" + body;
  (void)!send(c.fd, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (refused_) refused_(reason);
}

void FrontServer::serve(Connection c) {
  BufferedStream stream(c.fd, std::move(c.buffer), c.client, c.client_port);
  bool closed = false;
  process_request(stream, /*close_connection=*/true, closed, nullptr);
  release(c);
}

void FrontServer::release(Connection& c) {
  shutdown(c.fd, SHUT_RDWR);
  close(c.fd);
  std::lock_guard<std::mutex> lock(mu_);
  --open_;
  if (--per_client_[c.client] == 0) per_client_.erase(c.client);
}

}  // namespace limitnet::server
