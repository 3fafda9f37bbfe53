// safetensors writer: raw buffers -> one file, tensors laid out in the given order, header padded
// with spaces to a multiple of 8 (so every tensor of a mapped file is 8-byte aligned), written to
// a temporary file beside the target and renamed over it, so readers never see a partial file.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/io/safetensors.h"

namespace slime::io {

struct TensorBuffer {
  std::string name;
  Dtype dtype;
  std::vector<int64_t> shape;
  const void* data;  // nbytes bytes, little-endian, C-contiguous
  size_t nbytes;
  std::shared_ptr<const void> keep_alive;  // optional owner of `data` (e.g. a tensor)
};

// Throws kInvalidArgument for a bad buffer (duplicate or reserved name, nbytes ≠ numel·itemsize)
// and kIo when the file cannot be written; both name the path and the tensor.
void write_safetensors(const std::string& path, const std::vector<TensorBuffer>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace slime::io
