// Path-aware JSON access for tokenizer.json / tokenizer_config.json: every error names the file
// and the JSON path ("tokenizer.json: model.merges[12]: ..."). Internal to engine/text.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/common/error.h"

namespace slime::text::detail {

using Json = nlohmann::json;

// Where a JSON value sits: the file and its path inside the document.
struct JsonAt {
  const std::string& file;
  std::string path;
  JsonAt operator[](const std::string& key) const {
    return {file, path.empty() ? key : path + "." + key};
  }
  JsonAt operator[](size_t index) const { return {file, path + "[" + std::to_string(index) + "]"}; }
  [[noreturn]] void fail(ErrorCode code, const std::string& what) const;
};

// Reads and parses a JSON file; a missing file is kNotFound, unreadable kIo, bad JSON kFormat.
Json read_json_file(const std::string& path);

const char* type_name(const Json& j);
const Json& require_object(const Json& j, const JsonAt& at);
const Json& require_array(const Json& j, const JsonAt& at);
// The member `key` of object `j` (which sits at `at`); kFormat if absent.
const Json& member(const Json& j, const char* key, const JsonAt& at);
const Json* optional_member(const Json& j, const char* key);  // null if absent or JSON null
std::string as_string(const Json& j, const JsonAt& at);
bool as_bool(const Json& j, const JsonAt& at);
int64_t as_int(const Json& j, const JsonAt& at);

}  // namespace slime::text::detail
