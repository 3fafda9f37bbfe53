// Image paths named by a dataset file are relative to the dataset's image root and must stay
// inside it: no absolute paths, no `..` that climbs out, no symlink that points outside.
#pragma once
#include <string>

namespace slime::data {

struct ResolvedPath {
  std::string path;   // the file, when ok
  std::string error;  // "unsafe_path: ..." or "missing_image: ..." (Sample::error form), else empty
};

// `where` names the source for messages ("questions.jsonl row 3").
ResolvedPath resolve_under_root(const std::string& root, const std::string& relative,
                                const std::string& where);

}  // namespace slime::data
