#include "engine/runtime/memory.h"

#include <sys/resource.h>

#if SLIME_TORCH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

namespace slime::runtime {

void reset_peak_memory(const at::Device& device) {
#if SLIME_TORCH_CUDA
  if (device.is_cuda()) c10::cuda::CUDACachingAllocator::resetPeakStats(device.index() < 0 ? 0 : device.index());
#else
  (void)device;
#endif
}

int64_t peak_memory_bytes(const at::Device& device) {
#if SLIME_TORCH_CUDA
  if (device.is_cuda()) {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index() < 0 ? 0 : device.index());
    return stats.allocated_bytes[0].peak;  // [0] = StatType::AGGREGATE
  }
#else
  (void)device;
#endif
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux reports kilobytes
}

const char* peak_memory_kind(const at::Device& device) {
  return device.is_cuda() ? "cuda_allocated_peak" : "process_peak_rss";
}

}  // namespace slime::runtime
