#include "test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <pwd.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <httplib.h>
#include <mosquitto.h>

#include "data/image.h"
#include "data/image_io.h"
#include "model/calibrate.h"
#include "model/pipeline.h"

#include <mutex>

namespace limitnet::server::test {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "limitnet-server-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

std::string make_model(const TempDir& dir, int seed) {
  const std::string path = dir.file("model" + std::to_string(seed) + ".lnm");
  if (std::filesystem::exists(path)) return path;
  const std::string cmd = std::string(LIMITNET_CLI) + " model init --preset fmnist28 --seed " + std::to_string(seed) +
                          " --calibrate-limit 32 -o " + path + " > /dev/null";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("model init failed: " + cmd);
  return path;
}

Child::Child(const std::vector<std::string>& argv, const std::string& log_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execv(args[0], args.data());
    _exit(127);
  }
  if (pid_ < 0) throw std::runtime_error("fork failed");
}

Child::~Child() { stop(); }

bool Child::running() {
  if (pid_ <= 0) return false;
  const pid_t r = waitpid(pid_, &status_, WNOHANG);
  if (r == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int Child::wait(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return WIFEXITED(status_) ? WEXITSTATUS(status_) : -WTERMSIG(status_);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1000;
}

int Child::stop() {
  if (!running()) return WIFEXITED(status_) ? WEXITSTATUS(status_) : -WTERMSIG(status_);
  kill(pid_, SIGTERM);
  const int rc = wait(10000);
  if (rc != -1000) return rc;
  kill9();
  return -9;
}

void Child::kill9() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, &status_, 0);
  pid_ = -1;
}

int free_tcp_port() {
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

std::string find_program(const std::string& name) {
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/usr/bin:/sbin";
  std::istringstream dirs(path);
  std::string d;
  while (std::getline(dirs, d, ':')) {
    const std::string p = d + "/" + name;
    if (!d.empty() && access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

Broker::Broker(const TempDir& dir, int p, const std::string& listener_options) : port(p) {
  conf = dir.file("mosquitto-" + std::to_string(p) + ".conf");
  log = dir.file("mosquitto-" + std::to_string(p) + ".log");
  const std::string data = dir.file("mosquitto-data-" + std::to_string(p));
  std::filesystem::create_directories(data);
  std::ofstream f(conf);
  // mosquitto started as root drops to user "mosquitto", which cannot write our temporary
  // folder: keep it as the user running the test (the option is ignored when not root).
  if (const passwd* pw = getpwuid(geteuid())) f << "user " << pw->pw_name << "\n";
  // Loopback only; persistence so that queued QoS 1 messages survive a broker restart.
  f << "listener " << port << " 127.0.0.1\n"
    << listener_options << "allow_anonymous true\npersistence true\npersistence_location " << data
    << "/\nmax_queued_messages 100000\nautosave_interval 1\n";
  f.close();
  restart();
}

void Broker::restart() {
  if (child) child->stop();
  child = std::make_unique<Child>(std::vector<std::string>{find_program("mosquitto"), "-c", conf}, log);
  // Ready when it accepts a TCP connection.
  wait_until(
      [&] {
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        close(fd);
        return ok;
      },
      10000);
}

TestPki make_test_pki(const TempDir& dir) {
  TestPki pki;
  const std::string openssl = find_program("openssl");
  if (openssl.empty()) {
    pki.error = "openssl is not installed";
    return pki;
  }
  const std::string d = dir.path + "/pki";
  std::filesystem::create_directories(d);
  {
    std::ofstream ext(d + "/server.ext");
    ext << "subjectAltName=IP:127.0.0.1,DNS:localhost\n";
  }
  // P-256 keys: quick to make, and a certificate valid for two days is plenty for a test.
  const std::string key = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2";
  const std::vector<std::string> steps = {
      openssl + " req -x509" + key + " -subj /CN=limitnet-test-ca -keyout " + d + "/ca.key -out " + d + "/ca.crt",
      openssl + " req -x509" + key + " -subj /CN=limitnet-other-ca -keyout " + d + "/other.key -out " + d +
          "/other.crt",
      openssl + " req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=127.0.0.1 -keyout " + d +
          "/server.key -out " + d + "/server.csr",
      openssl + " x509 -req -days 2 -in " + d + "/server.csr -CA " + d + "/ca.crt -CAkey " + d +
          "/ca.key -CAcreateserial" + " -extfile " + d + "/server.ext -out " + d + "/server.crt",
  };
  for (const std::string& cmd : steps) {
    if (std::system((cmd + " > " + d + "/openssl.log 2>&1").c_str()) != 0) {
      pki.error = "openssl failed: " + cmd + ": " + read_file(d + "/openssl.log");
      return pki;
    }
  }
  pki.ca_cert = d + "/ca.crt";
  pki.server_cert = d + "/server.crt";
  pki.server_key = d + "/server.key";
  pki.other_ca_cert = d + "/other.crt";
  return pki;
}

std::string make_image_folder(const TempDir& dir, const std::string& model, int count) {
  DevicePipeline pipeline(model);
  const int side = pipeline.input_size(), channels = pipeline.input_channels();
  const std::string root = dir.path + "/images";
  for (int i = 0; i < count; ++i) {
    const std::string cls = root + "/class" + std::to_string(i % 2);
    std::filesystem::create_directories(cls);
    data::Image image;
    image.width = side;
    image.height = side;
    image.channels = channels;
    image.pixels = synthetic_frame(side, channels, 1000u + static_cast<uint64_t>(i));
    const std::vector<uint8_t> png = data::encode_png(image);
    char name[32];
    std::snprintf(name, sizeof name, "/%03d.png", i);
    std::ofstream(cls + name, std::ios::binary)
        .write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
  }
  return root;
}

struct Subscriber::Impl {
  mosquitto* m = nullptr;
  std::string topic;
  std::mutex mu;
  std::vector<std::string> bodies;
};

Subscriber::Subscriber(int port, const std::string& topic) : impl_(std::make_unique<Impl>()) {
  mosquitto_lib_init();
  impl_->topic = topic;
  impl_->m = mosquitto_new(nullptr, true, impl_.get());
  mosquitto_connect_callback_set(impl_->m, [](mosquitto* m, void* p, int) {
    mosquitto_subscribe(m, nullptr, static_cast<Impl*>(p)->topic.c_str(), 0);
  });
  mosquitto_message_callback_set(impl_->m, [](mosquitto*, void* p, const mosquitto_message* msg) {
    auto* impl = static_cast<Impl*>(p);
    std::lock_guard<std::mutex> lock(impl->mu);
    impl->bodies.emplace_back(static_cast<const char*>(msg->payload), static_cast<size_t>(msg->payloadlen));
  });
  mosquitto_connect(impl_->m, "127.0.0.1", port, 30);
  mosquitto_loop_start(impl_->m);
}

Subscriber::~Subscriber() {
  mosquitto_disconnect(impl_->m);
  mosquitto_loop_stop(impl_->m, true);
  mosquitto_destroy(impl_->m);
}

std::vector<std::string> Subscriber::messages() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->bodies;
}

std::string http_get_text(int port, const std::string& path, int* status, std::map<std::string, std::string>* headers) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(2, 0);
  c.set_read_timeout(15, 0);
  auto res = c.Get(path.c_str());
  if (status) *status = res ? res->status : -1;
  if (!res) return "";
  if (headers) {
    for (const auto& [name, value] : res->headers) {
      std::string lower = name;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      (*headers)[lower] = value;
    }
  }
  return res->body;
}

nlohmann::json http_post_json(int port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(2, 0);
  c.set_read_timeout(15, 0);
  auto res = c.Post(path.c_str());
  if (!res || res->status != 200) return nullptr;
  return nlohmann::json::parse(res->body, nullptr, false);
}

nlohmann::json http_get_json(int port, const std::string& path) {
  int status = 0;
  const std::string body = http_get_text(port, path, &status);
  if (status != 200) return nullptr;
  return nlohmann::json::parse(body, nullptr, false);
}

int open_idle_connection(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string raw_http(int port, const std::string& request, int timeout_ms) {
  const int fd = open_idle_connection(port);
  if (fd < 0) return "";
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)!send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buf[4096];
  for (;;) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    answer.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return answer;
}

bool wait_until(const std::function<bool()>& pred, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return pred();
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

nlohmann::json wait_port_file(const std::string& path, int timeout_ms) {
  nlohmann::json j;
  wait_until(
      [&] {
        j = nlohmann::json::parse(read_file(path), nullptr, false);
        return !j.is_discarded() && j.is_object();
      },
      timeout_ms);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

}  // namespace limitnet::server::test
