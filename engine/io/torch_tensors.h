// The bridge between safetensors views and LibTorch: zero-copy at::Tensor views of mapped data,
// at::Tensor -> writer buffers, and state-dict loading into torch::nn::Module. Uses only APIs that
// LibTorch 1.13 and 2.x share (model.md §12.3).
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <torch/nn/module.h>
#include <torch/types.h>

#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "engine/io/safetensors_writer.h"

namespace slime::io {

at::ScalarType to_scalar_type(Dtype dtype);
Dtype from_scalar_type(at::ScalarType type);  // kUnsupported for types safetensors-1.13 lacks

// A CPU tensor over the mapped bytes, keeping `mapping` alive for as long as the tensor's storage
// lives. The mapping is read-only: writing to the result faults. When the data is not aligned
// to the dtype's item size (a foreign writer without header padding), the bytes are copied instead.
at::Tensor to_tensor(const TensorView& view, const std::shared_ptr<const MappedFile>& mapping);
at::Tensor to_tensor(const Checkpoint& checkpoint, const std::string& name);

// An owned, writable copy on DEVICE in DTYPE (default: the stored dtype).
at::Tensor load_tensor(const Checkpoint& checkpoint, const std::string& name,
                       at::Device device = at::kCPU, std::optional<at::ScalarType> dtype = std::nullopt);

// A writer buffer over a contiguous CPU copy of TENSOR (kept alive by the buffer).
TensorBuffer to_buffer(const std::string& name, const at::Tensor& tensor);
void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

struct LoadOptions {
  // Every checkpoint tensor under PREFIX must be consumed (PyTorch's strict). Tensors outside
  // PREFIX are never looked at, so a sub-module loads from a whole-model checkpoint.
  bool strict = true;
  std::string prefix;  // checkpoint name = prefix + module name, e.g. "model.sampler.post_qformer."
  std::optional<at::ScalarType> dtype;  // floating-point parameters/buffers become this dtype
  std::optional<at::Device> device;     // parameters/buffers move here
  // Names ending in these are skipped both ways: inv_freq is non-persistent in HF 4.37 but older
  // files carry it (model.md §10.3).
  std::vector<std::string> ignore_suffixes = {"rotary_emb.inv_freq"};
  // With strict: an unused tensor under PREFIX for which this answers true (given its name without
  // the prefix) goes to LoadReport::ignored instead of being an error — e.g. the layers a tower
  // truncated at its select layer never builds, or the vision tensors beside an LLM.
  std::function<bool(const std::string& name)> may_skip;
  // Checkpoint name (below PREFIX) of a module parameter/buffer name, for layouts whose key names
  // differ from the module's, e.g. HF's multi_modal_projector.linear_1 for the projector's "0".
  // Null: the names are equal.
  std::function<std::string(const std::string& module_name)> rename;
};

struct LoadReport {
  std::vector<std::string> loaded;   // checkpoint names copied
  std::vector<std::string> ignored;  // checkpoint names under prefix skipped (ignore_suffixes, or non-strict)
};

// Copies checkpoint tensors into MODULE's named parameters and buffers. Errors name the
// checkpoint file and tensor: kNotFound (missing tensor), kShape (shape mismatch, or a dtype of
// another category: float <-> integer <-> bool), kFormat (strict: unexpected tensors).
LoadReport load_state_dict(torch::nn::Module& module, const Checkpoint& checkpoint,
                           const LoadOptions& options = {});

// "[2, 3]": tensor shapes in error messages.
std::string shape_str(at::IntArrayRef shape);

}  // namespace slime::io
