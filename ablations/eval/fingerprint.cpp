#include "ablations/eval/fingerprint.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <vector>

#include "ablations/eval/sample_log.h"
#include "datasets/formats/sha256.h"
#include "engine/common/error.h"

namespace slime::suite {
namespace fs = std::filesystem;
namespace {

bool is_model_file(const std::string& name) {
  auto ends = [&](const std::string& suffix) {
    return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return name == "config.json" || ends(".safetensors") || ends(".bin") || ends(".safetensors.index.json") ||
         name == "tokenizer.json" || name == "tokenizer.model" || name == "tokenizer_config.json";
}

nlohmann::json read_cache(const std::string& path) {
  if (path.empty() || !fs::exists(path)) return nlohmann::json::object();
  std::ifstream in(path);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : nlohmann::json::object();  // a broken cache is only a slower start
}

}  // namespace

std::string model_fingerprint(const std::string& model_dir, const std::string& cache_path) {
  if (!fs::is_directory(model_dir)) throw_error(ErrorCode::kNotFound, "{}: model directory does not exist", model_dir);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(model_dir)) {
    if (e.is_regular_file() && is_model_file(e.path().filename().string())) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) throw_error(ErrorCode::kNotFound, "{}: no config.json or weight files to fingerprint", model_dir);

  const std::string canonical = fs::weakly_canonical(model_dir).string();
  nlohmann::json cache = read_cache(cache_path);
  nlohmann::json& files = cache[canonical];
  data::Sha256 total;
  bool changed = false;
  for (const auto& name : names) {
    const fs::path p = fs::path(model_dir) / name;
    const auto size = static_cast<int64_t>(fs::file_size(p));
    const auto mtime = static_cast<int64_t>(fs::last_write_time(p).time_since_epoch().count());
    std::string hash;
    const nlohmann::json& c = files.is_object() && files.contains(name) ? files[name] : nlohmann::json();
    if (c.is_object() && c.value("size", int64_t(-1)) == size && c.value("mtime", int64_t(-1)) == mtime) {
      hash = c.value("sha256", "");
    }
    if (hash.empty()) {
      hash = data::sha256_file(p.string());
      files[name] = {{"size", size}, {"mtime", mtime}, {"sha256", hash}};
      changed = true;
    }
    total.update(name + "\n" + hash + "\n");
  }
  if (changed && !cache_path.empty()) write_file_atomic(cache_path, cache.dump(2) + "\n");
  return total.hex();
}

std::string sample_fingerprint(const std::string& model_fp, const nlohmann::json& task_config,
                               const nlohmann::json& prompt, const nlohmann::json& generation_config) {
  data::Sha256 h;
  const auto dump = [](const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  h.update("slime-eval-sample-v1\n" + model_fp + "\n" + dump(task_config) + "\n" + dump(prompt) + "\n" +
           dump(generation_config));
  return h.hex();
}

}  // namespace slime::suite
