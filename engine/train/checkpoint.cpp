#include "engine/train/checkpoint.h"

#include <filesystem>
#include <fstream>
#include <map>

#include <torch/torch.h>

#include "engine/common/error.h"
#include "engine/io/checkpoint.h"
#include "engine/io/torch_tensors.h"
#include "engine/train/stages.h"

namespace slime::train {

namespace fs = std::filesystem;

namespace {

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw_error(ErrorCode::kIo, "{}: cannot write", path.string());
  f << text;
  f.flush();
  if (!f) throw_error(ErrorCode::kIo, "{}: write failed", path.string());
}

NamedTensorList read_tensors(const fs::path& path) {
  const io::Checkpoint ckpt = io::Checkpoint::open(path.string());
  NamedTensorList out;
  for (const std::string& name : ckpt.names()) out.emplace_back(name, io::load_tensor(ckpt, name));
  return out;
}

Checkpoint read_dir(const fs::path& dir) {
  Checkpoint c;
  std::ifstream in(dir / "state.json", std::ios::binary);
  if (!in) throw_error(ErrorCode::kFormat, "{}: no state.json", dir.string());
  try {
    c.state = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw_error(ErrorCode::kFormat, "{}: state.json: {}", dir.string(), e.what());
  }
  c.model = read_tensors(dir / "model.safetensors");
  c.optimizer = read_tensors(dir / "optimizer.safetensors");
  return c;
}

void remove_dir(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
  if (ec) throw_error(ErrorCode::kIo, "{}: cannot remove: {}", p.string(), ec.message());
}

}  // namespace

void save_checkpoint(const std::string& out_dir, const Checkpoint& c) {
  const fs::path out(out_dir), tmp = out / "checkpoint.tmp", dst = out / "checkpoint", old = out / "checkpoint.old";
  remove_dir(tmp);
  fs::create_directories(tmp);
  io::save_safetensors((tmp / "model.safetensors").string(), c.model, {{"format", "pt"}});
  io::save_safetensors((tmp / "optimizer.safetensors").string(), c.optimizer, {{"format", "pt"}});
  write_text(tmp / "state.json", c.state.dump(2) + "\n");  // last: its presence marks a complete dir
  remove_dir(old);
  if (fs::exists(dst)) fs::rename(dst, old);
  fs::rename(tmp, dst);
  remove_dir(old);
}

std::optional<Checkpoint> load_checkpoint(const std::string& out_dir) {
  const fs::path out(out_dir);
  for (const char* name : {"checkpoint", "checkpoint.old"})
    if (fs::exists(out / name / "state.json")) return read_dir(out / name);
  return std::nullopt;
}

void restore_parameters(model::Vlm& vlm, const NamedTensorList& named) {
  torch::NoGradGuard no_grad;
  std::map<std::string, at::Tensor> params;
  for (const TrainableParam& p : named_model_parameters(vlm)) params.emplace(p.name, p.tensor);
  for (const auto& [name, t] : named) {
    auto it = params.find(name);
    if (it == params.end()) throw_error(ErrorCode::kFormat, "checkpoint: '{}' is no parameter of the model", name);
    if (it->second.sizes() != t.sizes())
      throw_error(ErrorCode::kShape, "checkpoint: '{}' is {}, the model's {}", name, io::shape_str(t.sizes()),
                  io::shape_str(it->second.sizes()));
    it->second.copy_(t);
  }
}

void export_model(const model::Vlm& vlm, const std::string& source_dir, const std::string& out_dir,
                  std::optional<at::ScalarType> save_dtype) {
  const fs::path out(out_dir);
  fs::create_directories(out);
  const io::Checkpoint source = io::Checkpoint::open(source_dir);
  std::map<std::string, at::Tensor> params;
  for (const TrainableParam& p : named_model_parameters(vlm)) params.emplace(p.name, p.tensor);
  NamedTensorList tensors;
  for (const std::string& name : source.names()) {
    at::ScalarType stored = io::to_scalar_type(source.tensor(name).dtype);
    if (save_dtype && at::isFloatingType(stored)) stored = *save_dtype;
    auto it = params.find(name);
    if (it != params.end()) tensors.emplace_back(name, it->second.detach().to(at::kCPU, stored).contiguous());
    else tensors.emplace_back(name, io::load_tensor(source, name).to(stored).contiguous());
  }
  for (const auto& [name, t] : params)
    if (source.find(name) == nullptr)
      throw_error(ErrorCode::kFormat, "{}: the model's parameter '{}' is not in the source checkpoint; cannot export",
                  source_dir, name);
  nlohmann::json config = vlm.config.raw;
  if (save_dtype)  // HF's name of the stored dtype
    config["torch_dtype"] = *save_dtype == at::kHalf ? "float16" : *save_dtype == at::kBFloat16 ? "bfloat16" : "float32";
  write_text(out / "config.json", config.dump(2) + "\n");
  io::save_safetensors((out / "model.safetensors").string(), tensors, {{"format", "pt"}});
  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "tokenizer.model", "special_tokens_map.json"}) {
    const fs::path src = fs::path(source_dir) / name;
    if (!fs::exists(src)) continue;
    std::error_code ec;
    fs::copy_file(src, out / name, fs::copy_options::overwrite_existing, ec);
    if (ec) throw_error(ErrorCode::kIo, "{} -> {}: {}", src.string(), (out / name).string(), ec.message());
  }
}

}  // namespace slime::train
