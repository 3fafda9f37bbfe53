#include "ablations/eval/results.h"

#include <ctime>
#include <map>

#include <ATen/Context.h>
#include <fmt/format.h>
#include <opencv2/core/version.hpp>
#include <torch/version.h>

#include "ablations/eval/latency.h"
#include "evaluators/score.h"
#include "slime/build_info.h"

namespace slime::suite {
namespace {

// Keys of a scorer's per-sample entry that are not metrics.
bool is_metric_key(const std::string& key) {
  return key != "id" && key != "filtered" && key != "error" && key != "missing_prediction";
}

}  // namespace

nlohmann::json score_one(const std::string& task, const data::Sample& sample, const std::string& raw,
                         const std::string& profile) {
  const eval::TaskScore s = eval::score_task(task, {sample}, {{sample.id, raw}}, {profile, nullptr});
  nlohmann::json out = nlohmann::json::object();
  if (s.per_sample.empty()) return out;
  for (const auto& [k, v] : s.per_sample[0].items()) {
    if (k == "filtered" || is_metric_key(k)) out[k] = v;
  }
  return out;
}

nlohmann::json build_results(nlohmann::json config, const nlohmann::json& environment,
                             const std::vector<TaskOutcome>& tasks) {
  nlohmann::json results = nlohmann::json::object();
  nlohmann::json scorers = nlohmann::json::object();
  nlohmann::json by_task = nlohmann::json::object();
  std::vector<nlohmann::json> all_records;
  int64_t total = 0, scored = 0;
  std::map<std::string, int64_t> errors;
  for (const TaskOutcome& t : tasks) {
    // The scorer sees each sample with the error its record holds (engine failures included) and
    // the raw response of every other one.
    std::vector<data::Sample> samples = t.samples;
    std::vector<eval::Prediction> predictions;
    for (size_t i = 0; i < samples.size(); ++i) {
      const nlohmann::json& r = t.records.at(i);
      if (r.contains("error")) {
        samples[i].error = r["error"].get<std::string>();
      } else {
        predictions.push_back({samples[i].id, r.at("resps").at(0).at(0).get<std::string>()});
      }
      all_records.push_back(r);
    }
    const eval::TaskScore s = eval::score_task(t.task, samples, predictions, {t.profile, nullptr});
    results[t.task] = s.metrics;
    scorers[t.task] = {{"profile", s.profile}, {"rule_version", s.rule_version}, {"computed", s.computed}};
    if (!s.computed) scorers[t.task]["not_computed_reason"] = s.not_computed_reason;
    by_task[t.task] = {{"total", s.counts.samples}, {"scored", s.counts.scored}, {"errors", s.counts.errors}};
    total += s.counts.samples;
    scored += s.counts.scored;
    for (const auto& [code, n] : s.counts.errors) errors[code] += n;
  }
  config["scorers"] = scorers;
  nlohmann::json out;
  out["format_version"] = kResultsFormatVersion;
  out["results"] = results;
  out["config"] = config;
  out["versions"] = environment.at("versions");
  out["device"] = environment.at("device");
  out["latency"] = latency_summary(all_records);
  out["n_samples"] = {{"total", total}, {"scored", scored}, {"errors", errors}, {"by_task", by_task}};
  return out;
}

nlohmann::json versions_json() {
  return {{"slime", SLIME_VERSION},
          {"git_commit", SLIME_EVAL_GIT_COMMIT},
          {"libtorch", TORCH_VERSION},
          {"libtorch_built_with_cuda", std::string(SLIME_TORCH_BUILT_WITH_CUDA) == "ON"},
          {"cuda_available", at::hasCUDA()},
          {"opencv", CV_VERSION}};
}

std::string log_file_name(const std::string& task, int shard_index, int shard_count) {
  if (shard_count <= 1) return fmt::format("samples_{}.jsonl", task);
  return fmt::format("samples_{}.shard-{}-of-{}.jsonl", task, shard_index, shard_count);
}

std::string results_file_name(int shard_index, int shard_count) {
  if (shard_count <= 1) return "results.json";
  return fmt::format("results.shard-{}-of-{}.json", shard_index, shard_count);
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace slime::suite
