#include "datasets/formats/json_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "datasets/formats/sha256.h"
#include "engine/common/error.h"
#include "engine/common/input_limits.h"

namespace slime::data {

nlohmann::json read_json_file(const std::string& path, Sha256* hash) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kIo, "{}: cannot open", path);
  const std::string text = read_file_limited(path, kMaxDatasetJsonBytes, "JSON document");
  if (hash) hash->update(text);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e400
    throw_error(ErrorCode::kFormat, "{}: invalid JSON: {}", path, e.what());
  }
}

void for_each_jsonl(const std::string& path, Sha256* hash,
                    const std::function<void(int64_t, const nlohmann::json&, const std::string&)>& fn,
                    int64_t max_line_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kIo, "{}: cannot open", path);
  const std::string name = std::filesystem::path(path).filename().string();
  std::string line;
  int64_t row = 0, length = 0;
  bool too_long = false;
  while (getline_limited(in, line, max_line_bytes, too_long, length)) {
    if (too_long) {
      // Not stored, so not hashed either: the content hash of such a file is not comparable anyway.
      fn(row, nullptr, fmt::format("bad_row: {} row {}: line of {} bytes exceeds the limit of {} bytes", name, row,
                                   length, max_line_bytes));
      ++row;
      continue;
    }
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
    } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e400
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
