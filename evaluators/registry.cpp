// Task name -> scorer and its profiles (the first profile is the task's default).
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "engine/common/error.h"
#include "evaluators/benchmarks/benchmarks.h"
#include "evaluators/score.h"

namespace slime::eval {
namespace {
struct Entry {
  ScorerFn fn;
  std::vector<Profile> profiles;
};

const std::map<std::string, Entry>& registry() {
  using P = Profile;
  const std::vector<P> all = {P::kLlavaOfficial, P::kLmmsEval, P::kVlmEvalKit};
  static const std::map<std::string, Entry> r = {
      {"mme", {score_mme, all}},
      {"pope", {score_pope, {P::kLlavaOfficial, P::kLmmsEval}}},
      {"pope_random", {score_pope, {P::kLlavaOfficial, P::kLmmsEval}}},
      {"pope_popular", {score_pope, {P::kLlavaOfficial, P::kLmmsEval}}},
      {"pope_adversarial", {score_pope, {P::kLlavaOfficial, P::kLmmsEval}}},
      {"textvqa_val", {score_textvqa, all}},
      {"textvqa_val_ocr", {score_textvqa, all}},
      {"gqa", {score_gqa, {P::kLlavaOfficial, P::kLmmsEval}}},
      {"vqav2_val", {score_vqav2_val, {P::kLmmsEval, P::kLlavaOfficial, P::kVlmEvalKit}}},
      {"mmbench_dev_en", {score_mmbench, {P::kVlmEvalKit, P::kLmmsEval}}},
      {"mmbench_dev_cn", {score_mmbench, {P::kVlmEvalKit, P::kLmmsEval}}},
      {"seed_image", {score_seed_image, all}},
      {"scienceqa_img", {score_scienceqa_img, {P::kLlavaOfficial, P::kLmmsEval}}},
      {"mmstar", {score_mmstar, {P::kLmmsEval, P::kVlmEvalKit}}},
      {"ai2d", {score_ai2d, {P::kLmmsEval, P::kVlmEvalKit}}},
      {"chartqa", {score_chartqa, all}},
      {"docvqa_val", {score_docvqa, {P::kLmmsEval, P::kVlmEvalKit}}},
      {"realworldqa", {score_realworldqa, {P::kLmmsEval}}},
      {"mmmu_val", {score_mmmu, {P::kLlavaOfficial, P::kLmmsEval}}},
      {"mathvista_testmini", {score_mathvista, {P::kLmmsEval}}},
      {"hallusionbench", {score_hallusionbench, {P::kVlmEvalKit}}},
      {"amber_d", {score_amber_d, {P::kVlmEvalKit}}},
      {"hires_detail", {score_hires_detail, {P::kSlime}}},
      {"mmvet", {score_judge_only, all}},
      {"llava_bench", {score_judge_only, {P::kLlavaOfficial}}},
  };
  return r;
}

const Entry& find(const std::string& task) {
  auto it = registry().find(task);
  if (it == registry().end()) {
    throw_error(ErrorCode::kNotFound, "no scorer for task '{}' (known: {})", task, fmt::join(task_names(), ", "));
  }
  return it->second;
}
}  // namespace

std::vector<std::string> task_names() {
  std::vector<std::string> out;
  for (const auto& [k, v] : registry()) out.push_back(k);
  return out;
}

std::vector<std::string> task_profiles(const std::string& task) {
  std::vector<std::string> out;
  for (Profile p : find(task).profiles) out.push_back(profile_name(p));
  return out;
}

TaskScore score_task(const std::string& task, const std::vector<data::Sample>& samples,
                     const std::vector<Prediction>& predictions, const ScoreOptions& options) {
  const Entry& e = find(task);
  Profile profile = e.profiles.front();
  if (!options.profile.empty()) {
    auto it = std::find_if(e.profiles.begin(), e.profiles.end(),
                           [&](Profile p) { return options.profile == profile_name(p); });
    if (it == e.profiles.end()) {
      throw_error(ErrorCode::kUnsupported, "task '{}' has no profile '{}' (profiles: {})", task, options.profile,
                  fmt::join(task_profiles(task), ", "));
    }
    profile = *it;
  }
  TaskScore out;
  out.task = task;
  out.profile = profile_name(profile);
  e.fn(samples, predictions, profile, options, out);
  return out;
}

nlohmann::json to_json(const TaskScore& s) {
  nlohmann::json counts = {{"samples", s.counts.samples},
                           {"scored", s.counts.scored},
                           {"missing_prediction", s.counts.missing_prediction},
                           {"unknown_prediction", s.counts.unknown_prediction},
                           {"errors", s.counts.errors}};
  nlohmann::json j = {{"task", s.task},       {"profile", s.profile}, {"rule_version", s.rule_version},
                      {"computed", s.computed}, {"metrics", s.metrics}, {"counts", counts},
                      {"per_sample", s.per_sample}};
  if (!s.computed) j["not_computed_reason"] = s.not_computed_reason;
  return j;
}

}  // namespace slime::eval
