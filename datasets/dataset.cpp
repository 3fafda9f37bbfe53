#include "datasets/dataset.h"

#include <algorithm>

#include "datasets/formats/sha256.h"

namespace slime::data {

std::string repeated_id(std::map<std::string, int64_t>& seen, const std::string& id) {
  const int64_t k = seen[id]++;
  return k == 0 ? id : id + "#" + std::to_string(k);
}

std::string error_code_of(const std::string& error) {
  const size_t colon = error.find(':');
  return colon == std::string::npos ? error : error.substr(0, colon);
}

void emit(DatasetInfo& info, const SampleSink& sink, Sample&& sample) {
  ++info.total;
  sample.id = repeated_id(info.seen_ids, sample.id);
  if (!sample.error.empty()) ++info.errors[error_code_of(sample.error)];
  sink(std::move(sample));
}

void add_file_hash(DatasetInfo& info, const std::string& display_path, const std::string& sha256) {
  info.files.push_back({display_path, sha256});
}

void finish_content_hash(DatasetInfo& info) {
  // Order-independent: the same files give the same hash whatever order a loader reads them in.
  std::vector<std::string> lines;
  lines.reserve(info.files.size());
  for (const auto& f : info.files) lines.push_back(f.sha256 + "  " + f.path + "\n");
  std::sort(lines.begin(), lines.end());
  Sha256 h;
  for (const auto& l : lines) h.update(l);
  info.content_hash = h.hex();
}

void hash_file_into(DatasetInfo& info, const std::string& path, const std::string& display_path) {
  add_file_hash(info, display_path, sha256_file(path));
}

}  // namespace slime::data
