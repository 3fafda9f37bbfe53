// ChartQA relaxed accuracy (benchmarks.md §3.4; pix2struct via Qwen-VL).
#pragma once
#include <string>
#include <vector>

namespace slime::eval {

// Python float() semantics, '%' suffix divided by 100; a target of 0 falls through to the string
// comparison (`target_f` is tested for truthiness upstream).
bool relaxed_correctness(const std::string& target, const std::string& prediction);
// max over the GT list (SliME / VLMEvalKit); the prediction is used as given.
double relaxed_accuracy(const std::vector<std::string>& targets, const std::string& prediction);

}  // namespace slime::eval
