#include "nets/device.h"

#include <cctype>
#include <stdexcept>

#include <ATen/Context.h>
#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace limitnet::train {

namespace {

// libtorch 2.4 made autocast's switches per device type; older ones had CUDA-only calls.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool cuda_autocast_enabled() { return at::autocast::is_autocast_enabled(at::kCUDA); }
void set_cuda_autocast(bool on) {
  at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
  at::autocast::set_autocast_enabled(at::kCUDA, on);
}
#else
bool cuda_autocast_enabled() { return at::autocast::is_enabled(); }
void set_cuda_autocast(bool on) {
  at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
  at::autocast::set_enabled(on);
}
#endif

const char* const kValidDevices = "valid: auto, cpu, cuda, cuda:N";

// "cuda" -> 0, "cuda:N" -> N, anything else -> -1.
int cuda_index(const std::string& spec) {
  if (spec == "cuda") return 0;
  if (spec.rfind("cuda:", 0) != 0 || spec.size() == 5 || spec.size() > 8) return -1;
  int index = 0;
  for (size_t i = 5; i < spec.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(spec[i]))) return -1;
    index = index * 10 + (spec[i] - '0');
  }
  return index;
}

}  // namespace

CudaAvailability cuda_availability() {
  CudaAvailability c;
  c.built_with_cuda = at::Context::hasCUDART();
  c.devices = c.built_with_cuda ? static_cast<int>(torch::cuda::device_count()) : 0;
  return c;
}

torch::Device parse_device(const std::string& spec, const CudaAvailability& cuda) {
  if (spec == "cpu") return torch::Device(torch::kCPU);
  if (spec == "auto") return cuda.devices > 0 ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  const int index = cuda_index(spec);
  const std::string flag = "--device '" + spec + "': ";
  if (index < 0) throw std::runtime_error(flag + "unknown device (" + kValidDevices + ")");
  if (!cuda.built_with_cuda) {
    throw std::runtime_error(flag +
                             "this libtorch was built without CUDA (valid here: auto, cpu; for a GPU, build "
                             "against a CUDA libtorch with -DTorch_DIR=..., docs/TRAINING.md)");
  }
  if (index >= cuda.devices) {
    const std::string valid = cuda.devices > 0 ? "valid: auto, cpu, cuda:0 to cuda:" + std::to_string(cuda.devices - 1)
                                               : "no driver, or CUDA_VISIBLE_DEVICES hides them; valid: auto, cpu";
    throw std::runtime_error(flag + "no CUDA device " + std::to_string(index) + ": this machine has " +
                             std::to_string(cuda.devices) + " (" + valid + ")");
  }
  return torch::Device(torch::kCUDA, static_cast<torch::DeviceIndex>(index));
}

torch::Device parse_device(const std::string& spec) { return parse_device(spec, cuda_availability()); }

void check_amp(bool amp, const torch::Device& device) {
  if (amp && !device.is_cuda()) {
    throw std::runtime_error("--amp: mixed precision runs on CUDA only, and the device is " + device.str() +
                             " (valid: --amp with --device cuda[:N], or auto on a machine with a GPU)");
  }
}

torch::Tensor to_device(const torch::Tensor& host, const torch::Device& device) {
  if (!device.is_cuda()) return host.clone();
  return host.pin_memory().to(device, /*non_blocking=*/true);
}

CudaAutocast::CudaAutocast(bool enabled) : previous_(cuda_autocast_enabled()), enabled_(enabled) {
  if (enabled_ != previous_) set_cuda_autocast(enabled_);
  if (enabled_) at::autocast::increment_nesting();
}

CudaAutocast::~CudaAutocast() {
  // Casts of the weights are cached while autocast is on; they go stale when the optimiser
  // steps, so the outermost scope drops them (as torch.autocast does on exit).
  if (enabled_ && at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  if (enabled_ != previous_) set_cuda_autocast(previous_);
}

CudnnBenchmark::CudnnBenchmark(bool on) : previous_(at::globalContext().benchmarkCuDNN()) {
  at::globalContext().setBenchmarkCuDNN(on);
}

CudnnBenchmark::~CudnnBenchmark() { at::globalContext().setBenchmarkCuDNN(previous_); }

}  // namespace limitnet::train
