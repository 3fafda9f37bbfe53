#include "engine/io/torch_tensors.h"

#include <cstring>
#include <set>

#include <fmt/format.h>

#include "engine/common/error.h"

namespace slime::io {
namespace {

const std::pair<Dtype, at::ScalarType> kTypes[] = {
    {Dtype::kBool, at::kBool},  {Dtype::kU8, at::kByte},        {Dtype::kI8, at::kChar},
    {Dtype::kI16, at::kShort},  {Dtype::kI32, at::kInt},        {Dtype::kI64, at::kLong},
    {Dtype::kF16, at::kHalf},   {Dtype::kBF16, at::kBFloat16}, {Dtype::kF32, at::kFloat},
    {Dtype::kF64, at::kDouble},
};

enum class Category { kBool, kIntegral, kFloating };
Category category(at::ScalarType t) {
  if (t == at::kBool) return Category::kBool;
  return at::isFloatingType(t) ? Category::kFloating : Category::kIntegral;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

at::ScalarType to_scalar_type(Dtype dtype) {
  for (const auto& [d, t] : kTypes)
    if (d == dtype) return t;
  throw_error(ErrorCode::kInternal, "unknown Dtype {}", static_cast<int>(dtype));
}

Dtype from_scalar_type(at::ScalarType type) {
  for (const auto& [d, t] : kTypes)
    if (t == type) return d;
  throw_error(ErrorCode::kUnsupported, "tensor dtype {} has no safetensors equivalent here",
              c10::toString(type));
}

at::Tensor to_tensor(const TensorView& view, const std::shared_ptr<const MappedFile>& mapping) {
  const auto options = at::TensorOptions().dtype(to_scalar_type(view.dtype));
  const size_t itemsize = dtype_itemsize(view.dtype);
  if (reinterpret_cast<uintptr_t>(view.data) % itemsize != 0) {
    at::Tensor copy = at::empty(view.shape, options);
    std::memcpy(copy.data_ptr(), view.data, view.nbytes);
    return copy;
  }
  // from_blob wants a mutable pointer; the mapping is PROT_READ, so the view stays read-only.
  return at::from_blob(const_cast<uint8_t*>(view.data), view.shape,
                       [keep = mapping](void*) {}, options);
}

at::Tensor to_tensor(const Checkpoint& checkpoint, const std::string& name) {
  return to_tensor(checkpoint.tensor(name), checkpoint.file_of(name).mapping());
}

at::Tensor load_tensor(const Checkpoint& checkpoint, const std::string& name, at::Device device,
                       std::optional<at::ScalarType> dtype) {
  at::Tensor view = to_tensor(checkpoint, name);
  return view.to(device, dtype.value_or(view.scalar_type()), /*non_blocking=*/false, /*copy=*/true);
}

TensorBuffer to_buffer(const std::string& name, const at::Tensor& tensor) {
  auto owned = std::make_shared<at::Tensor>(tensor.detach().to(at::kCPU).contiguous());
  const at::Tensor& t = *owned;
  std::vector<int64_t> shape(t.sizes().begin(), t.sizes().end());
  return TensorBuffer{name, from_scalar_type(t.scalar_type()), std::move(shape), t.data_ptr(),
                      static_cast<size_t>(t.numel()) * t.element_size(), owned};
}

void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  std::vector<TensorBuffer> buffers;
  buffers.reserve(tensors.size());
  for (const auto& [name, tensor] : tensors) buffers.push_back(to_buffer(name, tensor));
  write_safetensors(path, buffers, metadata);
}

LoadReport load_state_dict(torch::nn::Module& module, const Checkpoint& checkpoint,
                           const LoadOptions& options) {
  auto ignored = [&](const std::string& name) {
    for (const auto& suffix : options.ignore_suffixes)
      if (ends_with(name, suffix)) return true;
    return false;
  };
  std::vector<std::pair<std::string, at::Tensor>> targets;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) targets.emplace_back(item.key(), item.value());
  for (const auto& item : module.named_buffers(/*recurse=*/true)) targets.emplace_back(item.key(), item.value());

  torch::NoGradGuard no_grad;
  LoadReport report;
  std::set<std::string> consumed;
  for (auto& [name, target] : targets) {
    const std::string key = options.prefix + (options.rename ? options.rename(name) : name);
    const TensorView* view = checkpoint.find(key);
    if (view == nullptr) {
      if (ignored(key)) continue;
      throw_error(ErrorCode::kNotFound, "{}: missing tensor '{}' for module parameter '{}' (expected shape {})",
                  checkpoint.path(), key, name, shape_str(target.sizes()));
    }
    const std::string& file = checkpoint.file_of(key).path();
    if (!target.sizes().equals(view->shape))
      throw_error(ErrorCode::kShape, "{}: tensor '{}': shape {} in the checkpoint, module parameter '{}' expects {}",
                  file, key, shape_str(view->shape), name, shape_str(target.sizes()));
    const at::ScalarType stored = to_scalar_type(view->dtype);
    if (category(stored) != category(target.scalar_type()))
      throw_error(ErrorCode::kShape, "{}: tensor '{}': dtype {} cannot be converted to {} of module parameter '{}'",
                  file, key, dtype_name(view->dtype), c10::toString(target.scalar_type()), name);

    const at::ScalarType dtype = options.dtype && target.is_floating_point() ? *options.dtype : target.scalar_type();
    const at::Device device = options.device.value_or(target.device());
    at::Tensor source = to_tensor(*view, checkpoint.file_of(key).mapping());
    if (dtype == target.scalar_type() && device == target.device()) {
      target.copy_(source);
    } else {  // copy=true: never let a parameter alias the read-only mapping
      target.set_data(source.to(device, dtype, /*non_blocking=*/false, /*copy=*/true));
    }
    consumed.insert(key);
    report.loaded.push_back(key);
  }

  std::vector<std::string> unexpected;
  for (const std::string& name : checkpoint.names()) {
    if (name.compare(0, options.prefix.size(), options.prefix) != 0 || consumed.count(name)) continue;
    const bool skippable = ignored(name) || (options.may_skip && options.may_skip(name.substr(options.prefix.size())));
    if (options.strict && !skippable)
      unexpected.push_back(name);
    else
      report.ignored.push_back(name);
  }
  if (!unexpected.empty()) {
    const size_t shown = std::min<size_t>(unexpected.size(), 5);
    throw_error(ErrorCode::kFormat, "{}: {} unexpected tensor(s) under prefix '{}' not used by the module: {}{}",
                checkpoint.file_of(unexpected.front()).path(), unexpected.size(), options.prefix,
                fmt::join(unexpected.begin(), unexpected.begin() + shown, ", "),
                unexpected.size() > shown ? ", ..." : "");
  }
  return report;
}

std::string shape_str(at::IntArrayRef shape) { return fmt::format("[{}]", fmt::join(shape, ", ")); }

}  // namespace slime::io
