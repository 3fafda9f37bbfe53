// safetensors reader (huggingface/safetensors format): u64-LE header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}, then the data section.
// Opening validates everything the reference implementation checks (model.md §12.2), so a view
// handed out is always in bounds; views are zero-copy pointers into a read-only mapping.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/io/mapped_file.h"

namespace slime::io {

// The safetensors dtypes LibTorch 1.13 can represent (FP8 and U16/U32/U64 cannot; SliME needs none).
enum class Dtype { kBool, kU8, kI8, kI16, kI32, kI64, kF16, kBF16, kF32, kF64 };

const char* dtype_name(Dtype dtype);  // "BF16", ...
size_t dtype_itemsize(Dtype dtype);
std::optional<Dtype> parse_dtype(std::string_view name);

// The largest header the reference implementation accepts (MAX_HEADER_SIZE).
inline constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct TensorView {
  std::string name;
  Dtype dtype;
  std::vector<int64_t> shape;  // empty for a rank-0 tensor
  const uint8_t* data;         // into the mapping; valid while the mapping lives
  size_t nbytes;
  size_t offset;               // from the start of the data section
  int64_t numel() const;
};

class SafetensorsFile {
 public:
  // Maps and validates `path`. Errors: kNotFound/kIo (open), kFormat (malformed),
  // kUnsupported (a dtype outside Dtype); every message names the file and, where one is
  // involved, the tensor.
  static SafetensorsFile open(const std::string& path);
  static SafetensorsFile parse(std::shared_ptr<const MappedFile> file);

  const std::string& path() const { return file_->path(); }
  const std::shared_ptr<const MappedFile>& mapping() const { return file_; }
  size_t header_bytes() const { return header_bytes_; }  // N
  const std::vector<TensorView>& tensors() const { return tensors_; }  // by data offset
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  const TensorView* find(const std::string& name) const;
  const TensorView& at(const std::string& name) const;  // kNotFound naming file and tensor

 private:
  std::shared_ptr<const MappedFile> file_;
  size_t header_bytes_ = 0;
  std::vector<TensorView> tensors_;
  std::unordered_map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace slime::io
