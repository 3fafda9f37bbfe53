#include "datasets/formats/image_files.h"

#include "datasets/formats/sha256.h"

namespace slime::data {

ResolvedPath resolve_image(const std::string& root, const std::string& relative,
                           const std::string& where, bool hash, DatasetInfo& info) {
  ResolvedPath p = resolve_under_root(root, relative, where);
  // Shared images (MME, POPE: several questions per image) would be listed once per question;
  // the hash stays correct (it is over a sorted list) but costs a re-read, so skip repeats.
  if (p.error.empty() && hash) {
    if (info.files.empty() || info.files.back().path != relative) {
      add_file_hash(info, relative, sha256_file(p.path));
    }
  }
  return p;
}

}  // namespace slime::data
