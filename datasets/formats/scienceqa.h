// ScienceQA as released (benchmarks.md §4.4): <dir>/problems.json ({pid: {question, choices,
// answer (index), hint, image, ...}}) + <dir>/pid_splits.json ({split: [pid, ...]}), images in
// <dir>/images/<split>/<pid>/<image>. scienceqa_img keeps the problems that have an image (the
// paper's SQA^I); text-only problems are counted as filtered.
#pragma once
#include <string>

#include "datasets/dataset.h"

namespace slime::data {

DatasetInfo load_scienceqa(const std::string& task, const LoadOptions& opt, bool image_only,
                           const SampleSink& sink);

}  // namespace slime::data
