// Peak memory of a run, for the `peak_memory_bytes` field of generate/eval records: on CUDA the
// caching allocator's peak of allocated bytes on the device (reset before a run), on the CPU the
// process's peak resident set size (getrusage; it cannot be reset, so it covers the whole process).
#pragma once
#include <cstdint>

#include <torch/types.h>

namespace slime::runtime {

void reset_peak_memory(const at::Device& device);
int64_t peak_memory_bytes(const at::Device& device);
const char* peak_memory_kind(const at::Device& device);  // "cuda_allocated_peak" | "process_peak_rss"

}  // namespace slime::runtime
