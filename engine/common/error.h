// The one exception type of the library. Every message names the file, row or tensor involved;
// the CLI prints what() and exits with a non-zero code derived from code().
#pragma once
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace slime {

enum class ErrorCode {
  kInvalidArgument = 2,  // a bad flag, knob value or API argument
  kNotFound = 3,         // a missing file, shard, tensor or key
  kIo = 4,               // open/read/write/mmap failed
  kFormat = 5,           // malformed content: bad header, JSON, offsets, truncated data
  kShape = 6,            // tensor shape or dtype does not match what the module expects
  kUnsupported = 7,      // a valid but unsupported value (dtype, model type, pickle checkpoint)
  kInternal = 8,
};

const char* error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// throw_error(ErrorCode::kFormat, "{}: tensor '{}' ...", path, name)
template <typename... Args>
[[noreturn]] void throw_error(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(code, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace slime
