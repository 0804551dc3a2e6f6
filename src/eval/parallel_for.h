// Runs body(i) for i in [0, n) on up to `threads` threads (the calling thread is one of
// them), in contiguous blocks. For independent, thread-safe work such as encoding and
// decoding pictures with libjpeg/libwebp, which would otherwise leave a core idle between
// classifier calls. The first exception thrown by a body is rethrown after all threads end.
#pragma once
#include <algorithm>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace limitnet::eval {

template <typename Body>
void parallel_for(size_t n, unsigned threads, const Body& body) {
  const size_t workers = std::max<size_t>(1, std::min<size_t>(threads, n));
  std::exception_ptr error;
  std::mutex error_mutex;
  auto run_block = [&](size_t w) {
    try {
      for (size_t i = n * w / workers; i < n * (w + 1) / workers; ++i) body(i);
    } catch (...) {
      const std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(run_block, w);
  run_block(0);
  for (std::thread& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace limitnet::eval
