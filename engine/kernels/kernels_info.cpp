#include "engine/kernels/kernels_info.h"

#include <fmt/format.h>

#if SLIME_WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace slime::kernels {

bool compiled_with_cuda() { return SLIME_WITH_CUDA != 0; }

#if SLIME_WITH_CUDA
namespace {

// CUDA packs versions as 1000·major + 10·minor.
std::string format_version(int version) { return fmt::format("{}.{}", version / 1000, (version % 1000) / 10); }

}  // namespace

std::string cuda_runtime_version() {
  int version = 0;
  if (cudaRuntimeGetVersion(&version) != cudaSuccess || version == 0) return "unavailable";
  return format_version(version);
}

std::string cuda_driver_version() {
  // Without a driver this succeeds with 0 rather than failing.
  int version = 0;
  if (cudaDriverGetVersion(&version) != cudaSuccess || version == 0) return "unavailable";
  return format_version(version);
}

std::vector<CudaDeviceInfo> cuda_devices() {
  std::vector<CudaDeviceInfo> devices;
  int count = 0;
  // No driver, no device, a driver older than the runtime: all mean "no usable GPU" here. Clear
  // the error so that it does not surface from a later, unrelated cudaGetLastError().
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    (void)cudaGetLastError();
    return devices;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) {
      (void)cudaGetLastError();
      continue;
    }
    devices.push_back({i, prop.name, static_cast<std::uint64_t>(prop.totalGlobalMem), prop.major, prop.minor});
  }
  return devices;
}
#else
std::string cuda_runtime_version() { return "none"; }
std::string cuda_driver_version() { return "none"; }
std::vector<CudaDeviceInfo> cuda_devices() { return {}; }
#endif

}  // namespace slime::kernels
