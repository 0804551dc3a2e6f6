// Which device the networks run on (--device auto|cpu|cuda[:N]) and mixed precision (--amp)
// on it, for training and cloud inference. Internal to the libtorch folders (src/nets,
// src/train, src/cloud): callers outside them pass the choice as a string (TrainOptions,
// CloudModel), so that no header they include needs libtorch.
#pragma once
#include <string>

#include <torch/torch.h>

namespace limitnet::train {

// What this process can run CUDA on: a libtorch built with CUDA, and how many devices it sees.
struct CudaAvailability {
  bool built_with_cuda = false;
  int devices = 0;
};
CudaAvailability cuda_availability();

// Parses --device: "auto" (cuda:0 when libtorch has CUDA and sees a device, else the CPU),
// "cpu", "cuda" (= cuda:0) or "cuda:N". Throws std::runtime_error naming --device and the
// valid choices; for CUDA it says what is missing ("this libtorch was built without CUDA",
// "no CUDA device N: this machine has M").
torch::Device parse_device(const std::string& spec, const CudaAvailability& cuda);
torch::Device parse_device(const std::string& spec);

// --amp (bfloat16 autocast) runs on CUDA only: throws std::runtime_error naming --amp and
// the device otherwise.
void check_amp(bool amp, const torch::Device& device);

// A copy of borrowed host memory (e.g. torch::from_blob over a batch buffer) on `device`. On
// CUDA it goes through pinned host memory and an asynchronous transfer, so the CPU can go on
// assembling the next batch.
torch::Tensor to_device(const torch::Tensor& host, const torch::Device& device);

// While alive, CUDA operations autocast to bfloat16 (enabled) or run in their own types
// (disabled); the previous state returns at the end. bfloat16 has float32's range, so no
// loss scaling is needed (compute capability 8.0 or newer runs it natively).
class CudaAutocast {
 public:
  explicit CudaAutocast(bool enabled);
  ~CudaAutocast();
  CudaAutocast(const CudaAutocast&) = delete;
  CudaAutocast& operator=(const CudaAutocast&) = delete;

 private:
  bool previous_;
  bool enabled_;
};

// While alive, cuDNN searches for its fastest kernels at each new input shape (benchmark
// mode, when `on`); the previous setting returns at the end. Training's fixed shapes gain
// from it; an evaluation after training in the same process ends each packet count with a
// partial batch of a new size, and would pay a search for each.
class CudnnBenchmark {
 public:
  explicit CudnnBenchmark(bool on);
  ~CudnnBenchmark();
  CudnnBenchmark(const CudnnBenchmark&) = delete;
  CudnnBenchmark& operator=(const CudnnBenchmark&) = delete;

 private:
  bool previous_;
};

// forward() under bfloat16 autocast when `amp`, its result back in float32 (losses, scoring
// and quantisation stay in float32); without `amp` exactly forward().
template <typename Forward>
torch::Tensor amp_forward(bool amp, Forward&& forward) {
  if (!amp) return forward();
  CudaAutocast on(true);
  return forward().to(torch::kFloat32);
}

}  // namespace limitnet::train
