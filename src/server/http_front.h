// The HTTP front: what stands between the listening socket and cpp-httplib's request
// handling, so that slow or idle clients cannot starve the API.
//
// cpp-httplib 0.11 (Debian 12) gives every connection one of a few pool threads from
// accept to close, and its read timeout restarts with every byte: 8 idle sockets made
// /healthz wait 5 s, and a slowloris sender held a thread for ever. Its Server lets a
// subclass take over each accepted socket, and its request handler (process_request) runs
// on any httplib::Stream, so this front keeps the library for parsing and routing and
// does the waiting itself:
//  * one gate thread poll()s every connection that has not yet sent a whole request
//    (head and body); it costs a file descriptor, not a thread, and is closed with 408
//    after `request_timeout_ms` counted from accept (not per byte);
//  * a head over `max_header_bytes` is answered 431, a Content-Length over
//    `max_body_bytes` 413 (before the body is read), a chunked body 411;
//  * at most `max_connections_per_client` connections per client address and
//    `max_connections` in all (503 beyond);
//  * only complete requests reach the `workers` threads, one request per connection
//    (Connection: close), so a worker never waits for a client to send.
#pragma once
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace limitnet::server {

struct HttpLimits {
  int request_timeout_ms = 5000;  // from accept to the last byte of the request
  size_t max_header_bytes = 8192;
  size_t max_body_bytes = 64 * 1024;
  size_t max_connections_per_client = 128;
  size_t max_connections = 512;
  size_t workers = 8;
};

class FrontServer : public httplib::Server {
 public:
  // `refused(reason)` is called for every connection refused by a limit (timeout,
  // header_too_large, body_too_large, length_required, too_many_connections).
  FrontServer(const HttpLimits& limits, std::function<void(const std::string& reason)> refused);
  ~FrontServer() override;
  // Stops the gate and the workers (after httplib::Server::stop()).
  void stop_front();
  // After binding: a listen backlog of 1024 instead of the library's 5, so that a burst of
  // connections is not slowed by SYN retries (1 s, 3 s, ...).
  void deepen_backlog();

 private:
  struct Connection {
    int fd = -1;
    std::string client;
    int client_port = 0;
    std::chrono::steady_clock::time_point deadline;
    std::string buffer;  // bytes read so far
  };
  enum class Verdict { kWait, kReady, kClosed, kHeaderTooLarge, kBodyTooLarge, kLengthRequired };

  bool process_and_close_socket(int sock) override;
  void gate_loop();
  Verdict read_more(Connection& c) const;
  void refuse(Connection& c, int status, const char* reason);
  void serve(Connection c);
  void release(Connection& c);

  HttpLimits limits_;
  std::function<void(const std::string&)> refused_;
  std::mutex mu_;
  std::vector<Connection> incoming_;
  std::map<std::string, size_t> per_client_;
  size_t open_ = 0;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stopping_{false};
  std::unique_ptr<httplib::ThreadPool> workers_;
  std::thread gate_;
};

}  // namespace limitnet::server
