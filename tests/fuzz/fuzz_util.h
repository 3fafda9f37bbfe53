// Shared by the fuzz targets: most parsers read files (the real entry points take paths), so the
// input is written into a scratch folder of this process first; inputs that stand for several
// files are split on kPartMarker (in every target's dictionary, so mutations keep or add parts).
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace slime::fuzz {

inline constexpr std::string_view kPartMarker = "#part#\n";

// One folder per process (libFuzzer -jobs/-fork run several), removed at normal exit.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("slime_fuzz_" + std::to_string(::getpid()));
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    std::atexit([] { std::error_code ec; std::filesystem::remove_all(scratch_dir(), ec); });
    return d;
  }();
  return dir;
}

// A fresh empty subfolder of scratch_dir() for one input (files of the previous input must not
// leak into this one: a loader that finds an optional file would otherwise depend on history).
inline std::filesystem::path fresh_dir(const char* name) {
  const auto d = scratch_dir() / name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {  // the harness's own failure, not the parser's: stop loudly rather than fuzz nothing
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
}

// At most MAX_PARTS parts; the last one keeps any further markers.
inline std::vector<std::string_view> split_parts(std::string_view input, size_t max_parts) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    const size_t at = input.find(kPartMarker);
    if (at == std::string_view::npos) break;
    parts.push_back(input.substr(0, at));
    input.remove_prefix(at + kPartMarker.size());
  }
  parts.push_back(input);
  return parts;
}

inline std::string_view as_view(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace slime::fuzz
