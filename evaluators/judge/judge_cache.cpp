#include "evaluators/judge/judge_cache.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "datasets/formats/sha256.h"
#include "engine/common/error.h"

namespace slime::eval::judge {
namespace fs = std::filesystem;

JudgeCache::JudgeCache(std::string dir) : dir_(std::move(dir)) {
  if (!enabled()) return;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw_error(ErrorCode::kIo, "judge cache {}: cannot create: {}", dir_, ec.message());
}

std::string JudgeCache::key(const std::string& model, double temperature, int max_tokens, const std::string& system,
                            const std::string& prompt) {
  // A JSON array as the hashed text: unambiguous field boundaries, and %.17g-exact temperature.
  const nlohmann::json k = {model, temperature, max_tokens, system, prompt};
  return data::sha256_hex(k.dump());
}

std::string JudgeCache::path_of(const std::string& key) const { return (fs::path(dir_) / (key + ".json")).string(); }

std::optional<nlohmann::json> JudgeCache::get(const std::string& key) const {
  if (!enabled()) return std::nullopt;
  std::ifstream in(path_of(key), std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

void JudgeCache::put(const std::string& key, const nlohmann::json& value) const {
  if (!enabled()) return;
  const std::string final_path = path_of(key);
  const std::string tmp = fmt::format("{}.tmp{}", final_path, ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw_error(ErrorCode::kIo, "judge cache {}: cannot write", tmp);
    out << value.dump(2) << "\n";
  }
  std::error_code ec;
  fs::rename(tmp, final_path, ec);
  if (ec) throw_error(ErrorCode::kIo, "judge cache {}: cannot rename: {}", final_path, ec.message());
}

}  // namespace slime::eval::judge
