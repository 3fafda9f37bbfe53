// What the CUDA side of this build can do at run time. No CUDA or LibTorch headers here: the
// functions answer "not compiled" / empty lists in a build without nvcc.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace slime::kernels {

struct CudaDeviceInfo {
  int index = 0;
  std::string name;
  std::uint64_t total_memory_bytes = 0;
  int major = 0;
  int minor = 0;
};

bool compiled_with_cuda();
std::string cuda_runtime_version();  // "13.0", "none" when not compiled, "unavailable" when no driver
std::string cuda_driver_version();   // same conventions
std::vector<CudaDeviceInfo> cuda_devices();  // empty without a GPU

}  // namespace slime::kernels
