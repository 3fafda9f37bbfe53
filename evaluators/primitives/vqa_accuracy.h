// VQA soft accuracy (benchmarks.md §3.2) and the official evaluator's conditional normalisation.
#pragma once
#include <string>
#include <vector>

namespace slime::eval {

// mean over i of min(1, #{j != i : gt[j] == pred} / 3), summed in GT order as every upstream
// implementation does. Inputs must already be normalised. 0 for an empty GT list.
double vqa_soft_accuracy(const std::string& pred, const std::vector<std::string>& gts);

// GT-Vision-Lab/VQA@a013f00: whitespace clean-up on both sides, then punctuation + digit/article
// on both ONLY when the raw GT answers are not all identical. Returns the question accuracy in
// [0,1] (the official tool stores round(100*acc, 2) per question; the caller rounds).
double vqa_official_accuracy(const std::string& pred, const std::vector<std::string>& raw_gts,
                             std::string* normalised_pred = nullptr);

}  // namespace slime::eval
