#include "engine/text/json_util.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "engine/common/input_limits.h"

namespace slime::text::detail {

void JsonAt::fail(ErrorCode code, const std::string& what) const {
  if (path.empty()) throw_error(code, "{}: {}", file, what);
  throw_error(code, "{}: {}: {}", file, path, what);
}

Json read_json_file(const std::string& path) {
  if (path.empty()) throw_error(ErrorCode::kInvalidArgument, "tokenizer: empty file path");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    throw_error(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, "{}: cannot open: {}", path,
                std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) throw_error(ErrorCode::kInvalidArgument, "{}: is a directory, not a JSON file", path);
  if (st.st_size > kMaxModelJsonBytes)  // untrusted download: refuse before reading it into memory
    throw_error(ErrorCode::kInvalidArgument, "{}: tokenizer JSON of {} bytes exceeds the limit of {} bytes", path,
                static_cast<int64_t>(st.st_size), kMaxModelJsonBytes);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kIo, "{}: cannot open: {}", path, std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw_error(ErrorCode::kIo, "{}: read failed", path);
  const std::string text = buffer.str();
  if (text.empty()) throw_error(ErrorCode::kFormat, "{}: empty file, expected JSON", path);
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {  // parse_error, or out_of_range for 1e400
    // e.what() carries the byte offset ("at line 3, column 7"): enough to find a truncation.
    throw_error(ErrorCode::kFormat, "{}: not valid JSON: {}", path, e.what());
  }
}

const char* type_name(const Json& j) { return j.type_name(); }

const Json& require_object(const Json& j, const JsonAt& at) {
  if (!j.is_object()) at.fail(ErrorCode::kFormat, std::string("expected an object, got ") + j.type_name());
  return j;
}

const Json& require_array(const Json& j, const JsonAt& at) {
  if (!j.is_array()) at.fail(ErrorCode::kFormat, std::string("expected an array, got ") + j.type_name());
  return j;
}

const Json& member(const Json& j, const char* key, const JsonAt& at) {
  require_object(j, at);
  auto it = j.find(key);
  if (it == j.end()) at.fail(ErrorCode::kFormat, std::string("missing key '") + key + "'");
  return *it;
}

const Json* optional_member(const Json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string as_string(const Json& j, const JsonAt& at) {
  if (!j.is_string()) at.fail(ErrorCode::kFormat, std::string("expected a string, got ") + j.type_name());
  return j.get<std::string>();
}

bool as_bool(const Json& j, const JsonAt& at) {
  if (!j.is_boolean()) at.fail(ErrorCode::kFormat, std::string("expected a boolean, got ") + j.type_name());
  return j.get<bool>();
}

int64_t as_int(const Json& j, const JsonAt& at) {
  if (j.is_number_unsigned()) {
    const uint64_t u = j.get<uint64_t>();
    if (u > uint64_t(INT64_MAX)) at.fail(ErrorCode::kFormat, "integer out of range");
    return int64_t(u);
  }
  if (j.is_number_integer()) return j.get<int64_t>();
  at.fail(ErrorCode::kFormat, std::string("expected an integer, got ") + j.type_name());
}

}  // namespace slime::text::detail
