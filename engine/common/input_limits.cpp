#include "engine/common/input_limits.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "engine/common/error.h"

namespace slime {

std::string read_file_limited(const std::string& path, int64_t max_bytes, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kNotFound, "{}: cannot open", path);
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  // A FIFO or /dev/stdin has no size: read it, but stop at the limit all the same.
  if (!ec && size > static_cast<uintmax_t>(max_bytes))
    throw_error(ErrorCode::kInvalidArgument, "{}: {} of {} bytes exceeds the limit of {} bytes", path, what, size,
                max_bytes);
  std::string text;
  char buf[1 << 16];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (static_cast<int64_t>(text.size()) > max_bytes)
      throw_error(ErrorCode::kInvalidArgument, "{}: {} exceeds the limit of {} bytes", path, what, max_bytes);
  }
  return text;
}

bool getline_limited(std::istream& in, std::string& line, int64_t max_bytes, bool& too_long, int64_t& length) {
  line.clear();
  too_long = false;
  length = 0;
  std::streambuf* sb = in.rdbuf();
  bool any = false;
  for (;;) {
    const int c = sb->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      return any;
    }
    any = true;
    if (c == '\n') return true;
    ++length;
    if (length > max_bytes) {
      if (!too_long) {
        line.clear();
        line.shrink_to_fit();  // give the memory back now: the rest of the line may be huge
      }
      too_long = true;
    } else {
      line.push_back(static_cast<char>(c));
    }
  }
}

}  // namespace slime
