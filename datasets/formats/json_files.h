// JSON and JSON-lines input with messages that name the file and row.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/common/input_limits.h"

namespace slime::data {

class Sha256;

// Whole JSON document; throws kIo / kFormat naming the path, kInvalidArgument over
// kMaxDatasetJsonBytes (engine/common/input_limits.h). `hash` receives the bytes.
nlohmann::json read_json_file(const std::string& path, Sha256* hash = nullptr);

// Calls fn(row, object, error) for each non-blank line, streaming. `error` is non-empty
// ("bad_row: <file> row N: ...") when the line is not a JSON object or is longer than
// MAX_LINE_BYTES (never held in memory whole); `object` is then null.
void for_each_jsonl(const std::string& path, Sha256* hash,
                    const std::function<void(int64_t, const nlohmann::json&, const std::string&)>& fn,
                    int64_t max_line_bytes = kMaxJsonlLineBytes);

// A JSON scalar as text ("12" for 12, the string itself for a string, "" for null/absent).
std::string json_text(const nlohmann::json& object, const char* key);

}  // namespace slime::data
