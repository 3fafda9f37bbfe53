// A model's weights as one name -> tensor map over one or more safetensors files:
//   - a directory with model.safetensors (preferred, as HF from_pretrained does), or
//   - a directory with model.safetensors.index.json {"metadata": {"total_size"},
//     "weight_map": {name: shard}}, or an index file itself, or a single .safetensors file.
// PyTorch pickles (*.bin) are refused with kUnsupported pointing at the offline converter
// (LibTorch 1.13 cannot read torch.save'd state dicts; model.md §12.2).
//
// The index and the shards must agree exactly. A tensor that a shard holds but the index does not
// list (or lists under another shard) is an error, not a warning: it means the files come from
// different conversions, and silently taking either copy could load the wrong weights.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/io/safetensors.h"

namespace slime::io {

inline constexpr const char* kConverterScript = "scripts/convert_bin_to_safetensors.py";

class Checkpoint {
 public:
  static Checkpoint open(const std::string& path);

  const std::string& path() const { return path_; }              // as given
  const std::string& index_path() const { return index_path_; }  // empty without an index
  const std::vector<SafetensorsFile>& files() const { return files_; }
  size_t size() const { return entries_.size(); }
  std::vector<std::string> names() const;  // sorted

  const TensorView* find(const std::string& name) const;
  const TensorView& tensor(const std::string& name) const;  // kNotFound naming the checkpoint
  const SafetensorsFile& file_of(const std::string& name) const;

  std::optional<uint64_t> index_total_size() const { return index_total_size_; }
  // Non-fatal findings, e.g. an index total_size that differs from the bytes in the shards.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  struct Entry {
    size_t file;
    size_t tensor;
  };
  void add_file(SafetensorsFile file);
  void open_index(const std::string& index_path);

  std::string path_;
  std::string index_path_;
  std::vector<SafetensorsFile> files_;
  std::map<std::string, Entry> entries_;
  std::optional<uint64_t> index_total_size_;
  std::vector<std::string> warnings_;
};

// {path, index?, files: [{path, tensors, header_bytes, metadata}], tensors: [{name, dtype, shape,
// shard}] (sorted by name; shard = file name), totals: {tensors, parameters, bytes}, warnings}.
nlohmann::json to_json(const Checkpoint& checkpoint);

}  // namespace slime::io
