// Helpers shared by the receiver tests: temporary folders, models made by the CLI, child
// processes (started on loopback, always stopped), free ports and HTTP JSON fetches.
#pragma once
#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace limitnet::server::test {

// A fresh temporary directory, removed with its contents by the destructor.
struct TempDir {
  TempDir();
  ~TempDir();
  std::string path;
  std::string file(const std::string& name) const { return path + "/" + name; }
};

// `limitnet model init --preset fmnist28 --seed SEED -o PATH` (cached per seed per dir).
std::string make_model(const TempDir& dir, int seed);

// A child process with stdout+stderr to `log_path`. stop() sends SIGTERM and waits up to
// 10 s, then SIGKILL; kill9() sends SIGKILL at once. The destructor stops it.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::string& log_path);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  pid_t pid() const { return pid_; }
  bool running();
  int stop();  // exit status (or -signal)
  void kill9();
  // Waits for exit up to timeout_ms; returns the exit code, or -1000 on timeout.
  int wait(int timeout_ms);

 private:
  pid_t pid_ = -1;
  int status_ = 0;
};

int free_tcp_port();
// Absolute path of a program on PATH or in /usr/sbin, "" when absent.
std::string find_program(const std::string& name);

// A mosquitto broker on 127.0.0.1:port with a persistent session store in `dir`.
// `listener_options`: extra lines for the listener (e.g. cafile/certfile/keyfile for TLS).
struct Broker {
  Broker(const TempDir& dir, int port, const std::string& listener_options = "");
  void restart();
  int port;
  std::string conf, log;
  std::unique_ptr<Child> child;
};

// A throwaway PKI made with the openssl command line: a CA, a server certificate for
// 127.0.0.1 / localhost signed by it, and an unrelated second CA. Empty paths when openssl
// is missing or fails (`error` says why).
struct TestPki {
  std::string ca_cert, server_cert, server_key, other_ca_cert, error;
  bool ok() const { return error.empty(); }
};
TestPki make_test_pki(const TempDir& dir);

// An ImageFolder dataset (root/<class>/<n>.png) of `count` synthetic frames of the model's
// input size, so that device-sim runs without any dataset installed. Returns the root.
std::string make_image_folder(const TempDir& dir, const std::string& model, int count);

// Subscribes to `topic` on 127.0.0.1:port (libmosquitto) and collects message bodies.
class Subscriber {
 public:
  Subscriber(int port, const std::string& topic);
  ~Subscriber();
  std::vector<std::string> messages();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// GET http://127.0.0.1:port/path as JSON (null on failure or 404).
nlohmann::json http_get_json(int port, const std::string& path);
// GET as text; `status` -1 when there was no answer; `headers` (names lower-cased).
std::string http_get_text(int port, const std::string& path, int* status = nullptr,
                          std::map<std::string, std::string>* headers = nullptr);
// POST with an empty body, answer as JSON (null on failure or an error status).
nlohmann::json http_post_json(int port, const std::string& path);
// Sends `request` as is on a new connection to 127.0.0.1:port and returns everything the
// server sent until it closed the connection or `timeout_ms` passed.
std::string raw_http(int port, const std::string& request, int timeout_ms = 3000);
// Opens a connection to 127.0.0.1:port that sends nothing; returns the socket (-1 on failure).
int open_idle_connection(int port);
// Waits until `pred` holds, polling every 100 ms for up to timeout_ms. Returns pred().
bool wait_until(const std::function<bool()>& pred, int timeout_ms);
// Reads a JSON file written by `serve --port-file`, waiting up to timeout_ms.
nlohmann::json wait_port_file(const std::string& path, int timeout_ms);
std::string read_file(const std::string& path);

}  // namespace limitnet::server::test
