#include "datasets/formats/json_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "datasets/formats/sha256.h"
#include "engine/common/error.h"

namespace slime::data {

nlohmann::json read_json_file(const std::string& path, Sha256* hash) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kIo, "{}: cannot open", path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  if (hash) hash->update(text);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw_error(ErrorCode::kFormat, "{}: invalid JSON: {}", path, e.what());
  }
}

void for_each_jsonl(const std::string& path, Sha256* hash,
                    const std::function<void(int64_t, const nlohmann::json&, const std::string&)>& fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kIo, "{}: cannot open", path);
  const std::string name = std::filesystem::path(path).filename().string();
  std::string line;
  int64_t row = 0;
  while (std::getline(in, line)) {
    if (hash) {
      hash->update(line);
      if (!in.eof()) hash->update("\n", 1);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    nlohmann::json obj;
    std::string error;
    try {
      obj = nlohmann::json::parse(line);
      if (!obj.is_object()) error = fmt::format("bad_row: {} row {}: not a JSON object", name, row);
    } catch (const nlohmann::json::parse_error& e) {
      error = fmt::format("bad_row: {} row {}: invalid JSON ({})", name, row, e.what());
    }
    if (!error.empty()) obj = nullptr;
    fn(row++, obj, error);
  }
}

std::string json_text(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

}  // namespace slime::data
