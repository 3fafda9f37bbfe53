#include "datasets/formats/safe_path.h"

#include <filesystem>

#include <fmt/format.h>

namespace slime::data {
namespace fs = std::filesystem;

namespace {

// Whether `p` equals `root` or lies below it (both absolute and normalised).
bool is_within(const fs::path& p, const fs::path& root) {
  auto r = root.begin(), q = p.begin();
  for (; r != root.end(); ++r, ++q) {
    if (r->empty() && std::next(r) == root.end()) break;  // trailing separator of the root
    if (q == p.end() || *q != *r) return false;
  }
  return true;
}

}  // namespace

ResolvedPath resolve_under_root(const std::string& root, const std::string& relative,
                                const std::string& where) {
  ResolvedPath out;
  const fs::path rel(relative);
  if (relative.empty()) {
    out.error = fmt::format("missing_image: {}: empty image path", where);
    return out;
  }
  if (rel.is_absolute() || rel.has_root_name()) {
    out.error = fmt::format("unsafe_path: {}: image path '{}' is absolute", where, relative);
    return out;
  }
  std::error_code ec;
  const fs::path root_abs = fs::weakly_canonical(fs::absolute(root), ec);
  const fs::path lexical = (root_abs / rel).lexically_normal();
  if (ec || !is_within(lexical, root_abs)) {
    out.error = fmt::format("unsafe_path: {}: image path '{}' leaves the dataset root {}", where,
                            relative, root);
    return out;
  }
  if (!fs::exists(lexical, ec)) {
    out.error = fmt::format("missing_image: {}: {} does not exist", where, lexical.string());
    return out;
  }
  // Symlinks (the file or a folder on the way) may point anywhere: check the real target too.
  const fs::path real = fs::canonical(lexical, ec);
  if (ec || !is_within(real, root_abs)) {
    out.error = fmt::format("unsafe_path: {}: image path '{}' resolves outside the dataset root {}",
                            where, relative, root);
    return out;
  }
  if (!fs::is_regular_file(real, ec)) {
    out.error = fmt::format("missing_image: {}: {} is not a regular file", where, lexical.string());
    return out;
  }
  out.path = lexical.string();
  return out;
}

}  // namespace slime::data
