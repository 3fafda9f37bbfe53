// The project's own layout (datasets/README.md): <dir>/dataset.json (manifest) + <dir>/<split>.jsonl
// + image files below <dir>. scripts/convert_parquet.py writes it from lmms-eval parquet, and
// `slime hires-detail` generates it. One line per sample:
//   {"id", "image": "images/test/0001.png" | "images": [...], "question", "hint",
//    "options": ["text A", "text B", ...], "answer", "answers": [...], "category", "split", "meta": {}}
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "datasets/dataset.h"

namespace slime::data {

inline constexpr const char* kSlimeJsonlFormat = "slime-jsonl";
inline constexpr int kSlimeJsonlVersion = 1;

// opt.path: the dataset folder (reads <split>.jsonl, split default "test") or a .jsonl file.
DatasetInfo load_slime_jsonl(const std::string& task, const LoadOptions& opt, const SampleSink& sink);

// One line of the layout for `s`, with image paths relative to the dataset folder.
nlohmann::json slime_jsonl_row(const Sample& s, const std::vector<std::string>& image_paths);

// Whether `dir` holds a manifest of this layout.
bool is_slime_jsonl_dir(const std::string& dir);

}  // namespace slime::data
