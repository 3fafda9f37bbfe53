// VLMEvalKit TSV -> Samples (benchmarks.md §2.1), streamed. Two passes over the file: the first
// hashes it and maps each `index` to its record offset (the "image is the index of another row"
// rule needs random access); the second emits one Sample per row.
#pragma once
#include <functional>
#include <string>

#include "datasets/dataset.h"

namespace slime::data {

struct TsvTaskRules {
  bool image_required = true;  // false: a row without image is a text-only sample, not an error
  // Rows for which keep() is false are counted in DatasetInfo::filtered (task definition, e.g.
  // the POPE split or the ScienceQA IMG subset), never silently.
  std::function<bool(const Sample&)> keep;
};

// `opt.path` is the .tsv; `image_path` cells resolve under opt.image_root (default: its folder).
DatasetInfo load_vlmeval_tsv(const std::string& task, const LoadOptions& opt,
                             const TsvTaskRules& rules, const SampleSink& sink);

}  // namespace slime::data
