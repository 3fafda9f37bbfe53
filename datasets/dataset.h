// What loading a benchmark yields besides the samples: the content hash of the files read and
// per-error-type counts. Samples are streamed to a sink one at a time, so a 200k-row TSV never
// sits in memory; load_all() collects them for small sets and tests.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "datasets/sample.h"

namespace slime::data {

struct LoadOptions {
  std::string path;        // a file (.tsv) or a dataset folder, as the task's format expects
  std::string image_root;  // folder that image paths are relative to; empty = the format's default
  std::string split;       // for formats with several splits (slime jsonl: train/val/test)
  bool hash_images = true; // include image files named by the dataset in the content hash
  // A TSV base64 image cell longer than this is the sample's error (oversized_image), not decoded.
  int64_t max_base64_bytes = 256 << 20;  // kMaxBase64CellBytes (engine/common/input_limits.h)
};

struct FileHash {
  std::string path;  // relative to LoadOptions::path (or its folder) where possible
  std::string sha256;
};

struct DatasetInfo {
  std::string task;
  std::string format;                 // "vlmeval_tsv", "llava_jsonl", "slime_jsonl", ...
  std::vector<FileHash> files;        // every file read, in the order read
  std::string content_hash;           // sha256 over the sorted "sha256  path\n" lines of `files`
  int64_t total = 0;                  // samples emitted (errors included)
  int64_t filtered = 0;               // rows skipped by the task's definition (not errors)
  std::map<std::string, int64_t> errors;  // error code ("missing_image") -> count
  std::map<std::string, int64_t> seen_ids;  // emit() keeps Sample::id unique (repeated_id)
};

using SampleSink = std::function<void(Sample&&)>;

// LLaVA question files may repeat a question_id (MME keys both questions of an image by the image
// path; upstream's convert_answer_to_mme.py pairs answers by (question_id, prompt)). The k-th
// repeat (k >= 1) of ID becomes "ID#k", in file order, for samples and for answers read back
// alike, so ids stay unique and an answer file in question order (as the runners write it) pairs
// exactly as upstream does. SEEN holds the counts so far.
std::string repeated_id(std::map<std::string, int64_t>& seen, const std::string& id);

// Error code of a Sample::error ("missing_image: ..." -> "missing_image").
std::string error_code_of(const std::string& error);

// Makes the sample's id unique within the dataset (repeated_id), records its error (if any) in
// info, then passes it on.
void emit(DatasetInfo& info, const SampleSink& sink, Sample&& sample);

// Adds a file to info.files; hash_file_into hashes it first.
void add_file_hash(DatasetInfo& info, const std::string& display_path, const std::string& sha256);
void hash_file_into(DatasetInfo& info, const std::string& path, const std::string& display_path);
// Sets info.content_hash from info.files (every loader calls it last).
void finish_content_hash(DatasetInfo& info);

}  // namespace slime::data
