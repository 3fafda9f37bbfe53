#include "evaluators/primitives/vqa_accuracy.h"

#include <algorithm>
#include <set>

#include "evaluators/primitives/vqa_normalize.h"

namespace slime::eval {

double vqa_soft_accuracy(const std::string& pred, const std::vector<std::string>& gts) {
  if (gts.empty()) return 0.0;
  double sum = 0.0;
  for (size_t i = 0; i < gts.size(); ++i) {
    size_t matching = 0;
    for (size_t j = 0; j < gts.size(); ++j) {
      if (j != i && gts[j] == pred) ++matching;
    }
    sum += std::min(1.0, static_cast<double>(matching) / 3.0);
  }
  return sum / static_cast<double>(gts.size());
}

double vqa_official_accuracy(const std::string& pred, const std::vector<std::string>& raw_gts,
                             std::string* normalised_pred) {
  std::vector<std::string> gts;
  for (const auto& g : raw_gts) gts.push_back(vqa_clean_whitespace(g));
  std::string res = vqa_clean_whitespace(pred);
  const std::set<std::string> unique(gts.begin(), gts.end());
  if (unique.size() > 1) {
    for (auto& g : gts) g = vqa_process_digit_article(vqa_process_punctuation(g, VqaNorm::kOfficial));
    res = vqa_process_digit_article(vqa_process_punctuation(res, VqaNorm::kOfficial));
  }
  if (normalised_pred) *normalised_pred = res;
  return vqa_soft_accuracy(res, gts);
}

}  // namespace slime::eval
