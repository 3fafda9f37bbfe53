// Disk cache of judge responses: one file per request, named by
// sha256(endpoint model id, temperature, max_tokens, system, prompt), holding the response JSON.
// A hit never touches the network, so re-scoring a run costs nothing and gives the same grades.
// Files hold only the request parameters and the response; never a header or the API key.
#pragma once
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace slime::eval::judge {

class JudgeCache {
 public:
  explicit JudgeCache(std::string dir);  // empty dir: caching off
  bool enabled() const { return !dir_.empty(); }
  const std::string& dir() const { return dir_; }

  static std::string key(const std::string& model, double temperature, int max_tokens, const std::string& system,
                         const std::string& prompt);
  // The stored response JSON, or nullopt (no file; an unreadable/corrupt file is a miss too, and
  // the next put() replaces it).
  std::optional<nlohmann::json> get(const std::string& key) const;
  // Writes atomically (temp file + rename) so an interrupted run never leaves half a file.
  void put(const std::string& key, const nlohmann::json& value) const;

 private:
  std::string path_of(const std::string& key) const;
  std::string dir_;
};

}  // namespace slime::eval::judge
