#include "engine/io/checkpoint.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/common/error.h"
#include "engine/common/input_limits.h"

namespace slime::io {
namespace fs = std::filesystem;
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

[[noreturn]] void refuse_pickle(const std::string& where, const std::string& files) {
  throw_error(ErrorCode::kUnsupported,
              "{}: PyTorch pickle checkpoint ({}) cannot be loaded; convert it to safetensors with "
              "`python {} {} OUT_DIR`",
              where, files, kConverterScript, where);
}

// Pickled weights in a directory. training_args.bin sits in every HF Trainer output and holds no
// weights, so it does not count.
std::vector<std::string> pickle_files(const fs::path& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) throw_error(ErrorCode::kIo, "{}: cannot list: {}", dir.string(), ec.message());
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name == "training_args.bin") continue;
    if (ends_with(name, ".bin") || name == "pytorch_model.bin.index.json") found.push_back(name);
  }
  std::sort(found.begin(), found.end());
  return found;
}

}  // namespace

Checkpoint Checkpoint::open(const std::string& path) {
  Checkpoint ckpt;
  ckpt.path_ = path;
  const fs::path p(path);
  std::error_code ec;
  if (!fs::exists(p, ec)) throw_error(ErrorCode::kNotFound, "{}: no such checkpoint", path);
  if (!fs::is_directory(p, ec)) {
    if (ends_with(path, ".bin") || ends_with(path, ".bin.index.json")) refuse_pickle(path, p.filename().string());
    if (ends_with(path, ".index.json")) {
      ckpt.open_index(path);
    } else {
      ckpt.add_file(SafetensorsFile::open(path));
    }
    return ckpt;
  }
  if (fs::exists(p / "model.safetensors", ec)) {
    ckpt.add_file(SafetensorsFile::open((p / "model.safetensors").string()));
  } else if (fs::exists(p / "model.safetensors.index.json", ec)) {
    ckpt.open_index((p / "model.safetensors.index.json").string());
  } else {
    std::vector<std::string> pickles = pickle_files(p);
    if (!pickles.empty()) refuse_pickle(path, fmt::format("{}", fmt::join(pickles, ", ")));
    throw_error(ErrorCode::kNotFound,
                "{}: no model.safetensors or model.safetensors.index.json in this directory", path);
  }
  return ckpt;
}

void Checkpoint::add_file(SafetensorsFile file) {
  const size_t f = files_.size();
  for (size_t t = 0; t < file.tensors().size(); ++t) {
    const std::string& name = file.tensors()[t].name;
    auto [it, inserted] = entries_.emplace(name, Entry{f, t});
    if (!inserted)
      throw_error(ErrorCode::kFormat, "{}: tensor '{}' is in both {} and {}", path_, name,
                  files_[it->second.file].path(), file.path());
  }
  files_.push_back(std::move(file));
}

void Checkpoint::open_index(const std::string& index_path) {
  index_path_ = index_path;
  nlohmann::json index;
  {
    std::ifstream in(index_path);
    if (!in) throw_error(ErrorCode::kIo, "{}: cannot read", index_path);
    const std::string text = read_file_limited(index_path, kMaxModelJsonBytes, "shard index");
    try {
      index = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw_error(ErrorCode::kFormat, "{}: not valid JSON: {}", index_path, e.what());
    }
  }
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
    throw_error(ErrorCode::kFormat, "{}: expected an object with a 'weight_map' object", index_path);
  if (index.contains("metadata") && index["metadata"].is_object() &&
      index["metadata"].contains("total_size")) {
    const auto& total = index["metadata"]["total_size"];
    // Writers differ on int vs float here (HF has written both); only a non-negative number that
    // fits a uint64 counts (a float beyond 2^64 converted to it is undefined behaviour, found by
    // tests/fuzz/fuzz_safetensors).
    if (total.is_number_unsigned()) index_total_size_ = total.get<uint64_t>();
    else if (total.is_number_integer() && total.get<int64_t>() >= 0) index_total_size_ = uint64_t(total.get<int64_t>());
    else if (total.is_number_float() && total.get<double>() >= 0 && total.get<double>() < 18446744073709551616.0)
      index_total_size_ = uint64_t(total.get<double>());
  }

  // Shards in first-mention order; each opened once.
  const fs::path dir = fs::path(index_path).parent_path();
  std::map<std::string, std::string> shard_of;  // tensor -> shard file name
  std::vector<std::string> shards;
  for (const auto& [name, shard] : index["weight_map"].items()) {
    if (!shard.is_string())
      throw_error(ErrorCode::kFormat, "{}: weight_map['{}'] is not a file name", index_path, name);
    const std::string file = shard.get<std::string>();
    if (ends_with(file, ".bin")) refuse_pickle(index_path, file);
    if (std::find(shards.begin(), shards.end(), file) == shards.end()) {
      if (!fs::exists(dir / file))
        throw_error(ErrorCode::kNotFound, "{}: shard '{}' (holding tensor '{}') does not exist",
                    index_path, (dir / file).string(), name);
      shards.push_back(file);
    }
    shard_of[name] = file;
  }
  for (const std::string& shard : shards) {
    SafetensorsFile file = SafetensorsFile::open((dir / shard).string());
    for (const TensorView& t : file.tensors()) {
      auto it = shard_of.find(t.name);
      if (it == shard_of.end())
        throw_error(ErrorCode::kFormat, "{}: tensor '{}' is not listed in the index {}", file.path(),
                    t.name, index_path);
      if (it->second != shard)
        throw_error(ErrorCode::kFormat, "{}: tensor '{}' is also here, but the index {} maps it to {}",
                    file.path(), t.name, index_path, it->second);
    }
    add_file(std::move(file));
  }
  uint64_t bytes = 0;
  for (const auto& [name, shard] : shard_of) {
    if (entries_.count(name) == 0)
      throw_error(ErrorCode::kNotFound, "{}: tensor '{}' is missing from its shard {} (index {})",
                  (dir / shard).string(), name, shard, index_path);
    bytes += tensor(name).nbytes;
  }
  if (index_total_size_ && *index_total_size_ != bytes)
    warnings_.push_back(fmt::format("{}: metadata.total_size {} differs from the {} bytes of tensor "
                                    "data in the shards", index_path, *index_total_size_, bytes));
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> names;
  names.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) names.push_back(name);
  return names;
}

const TensorView* Checkpoint::find(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &files_[it->second.file].tensors()[it->second.tensor];
}

const TensorView& Checkpoint::tensor(const std::string& name) const {
  const TensorView* view = find(name);
  if (view == nullptr) throw_error(ErrorCode::kNotFound, "{}: no tensor '{}'", path_, name);
  return *view;
}

const SafetensorsFile& Checkpoint::file_of(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw_error(ErrorCode::kNotFound, "{}: no tensor '{}'", path_, name);
  return files_[it->second.file];
}

nlohmann::json to_json(const Checkpoint& ckpt) {
  nlohmann::json out;
  out["path"] = ckpt.path();
  if (!ckpt.index_path().empty()) out["index"] = ckpt.index_path();
  out["files"] = nlohmann::json::array();
  for (const auto& file : ckpt.files())
    out["files"].push_back({{"path", file.path()}, {"tensors", file.tensors().size()},
                            {"header_bytes", file.header_bytes()}, {"metadata", file.metadata()}});
  uint64_t parameters = 0, bytes = 0;
  out["tensors"] = nlohmann::json::array();
  for (const std::string& name : ckpt.names()) {
    const TensorView& t = ckpt.tensor(name);
    parameters += static_cast<uint64_t>(t.numel());
    bytes += t.nbytes;
    out["tensors"].push_back({{"name", name}, {"dtype", dtype_name(t.dtype)}, {"shape", t.shape},
                              {"shard", fs::path(ckpt.file_of(name).path()).filename().string()}});
  }
  out["totals"] = {{"tensors", ckpt.size()}, {"parameters", parameters}, {"bytes", bytes}};
  out["warnings"] = ckpt.warnings();
  return out;
}

}  // namespace slime::io
