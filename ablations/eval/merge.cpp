// merge_shards (eval_run.h): the shards' logs -> the single-run samples_<task>.jsonl files and
// results.json, through the same build_results as run_eval. No model is loaded: the shards'
// results record the fingerprint parts, and every record's fingerprint is checked against them.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <unordered_map>

#include <fmt/format.h>

#include "ablations/eval/eval_run.h"
#include "ablations/eval/fingerprint.h"
#include "ablations/eval/results.h"
#include "ablations/eval/sample_log.h"
#include "ablations/eval/task_plan.h"
#include "engine/common/error.h"

namespace slime::suite {
namespace fs = std::filesystem;
namespace {

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw_error(ErrorCode::kIo, "{}: cannot open", path.string());
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) throw_error(ErrorCode::kFormat, "{}: not a JSON object", path.string());
  return j;
}

// The shard count of the results.shard-<i>-of-<n>.json files in DIR; kNotFound when there are
// none, kInvalidArgument when they disagree on n.
int shard_count_in(const std::string& dir) {
  static const std::regex kName(R"(results\.shard-(\d+)-of-(\d+)\.json)");
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::smatch m;
    const std::string name = e.path().filename().string();
    if (!std::regex_match(name, m, kName)) continue;
    const int count = std::stoi(m[2]);
    if (n != 0 && n != count) throw_error(ErrorCode::kInvalidArgument, "{}: shard results of {} and {} shards", dir, n, count);
    n = count;
  }
  if (n == 0) throw_error(ErrorCode::kNotFound, "{}: no results.shard-<i>-of-<n>.json (run `slime eval --shard i/n` first)", dir);
  return n;
}

}  // namespace

nlohmann::json merge_shards(const std::string& output_dir, const std::string& db) {
  if (!fs::is_directory(output_dir)) throw_error(ErrorCode::kNotFound, "{}: output directory does not exist", output_dir);
  const int n = shard_count_in(output_dir);
  std::vector<nlohmann::json> shard_results;
  for (int i = 0; i < n; ++i) {
    const fs::path p = fs::path(output_dir) / results_file_name(i, n);
    if (!fs::exists(p)) throw_error(ErrorCode::kNotFound, "{}: missing (shard {} of {} has not finished)", p.string(), i, n);
    shard_results.push_back(read_json(p));
  }
  // Every shard must have run the same configuration; only the shard itself differs.
  nlohmann::json config = shard_results[0].at("config");
  config.erase("shard");
  config.erase("scorers");
  for (int i = 1; i < n; ++i) {
    nlohmann::json other = shard_results[i].at("config");
    other.erase("shard");
    other.erase("scorers");
    if (other != config)
      throw_error(ErrorCode::kInvalidArgument, "{}: shard {} ran another configuration than shard 0", output_dir, i);
  }

  std::vector<TaskOutcome> outcomes;
  for (const auto& task_json : config.at("task_order")) {
    const std::string task = task_json.get<std::string>();
    const nlohmann::json& tc = config.at("tasks").at(task);
    TaskOutcome outcome;
    outcome.task = task;
    outcome.profile = config.value("profile", "");
    // The single-run order: sample k of the task is sample k / n of shard k % n.
    data::DatasetInfo info;
    std::vector<data::Sample> all =
        load_samples(task, tc.at("data"), config.value("split", ""), config.value("limit", int64_t(-1)), 0, 1, &info);
    if (info.content_hash != tc.at("dataset").at("content_hash"))
      throw_error(ErrorCode::kInvalidArgument, "{}: dataset of task {} changed since the shards ran",
                  tc.at("data").get<std::string>(), task);
    std::vector<std::vector<data::Sample>> shard_samples(n);
    std::vector<std::vector<nlohmann::json>> shard_records(n);
    for (size_t k = 0; k < all.size(); ++k) shard_samples[k % static_cast<size_t>(n)].push_back(std::move(all[k]));
    for (int i = 0; i < n; ++i) {
      const std::string log_path = (fs::path(output_dir) / log_file_name(task, i, n)).string();
      const std::vector<nlohmann::json> records = read_log(log_path).records;
      // Expected fingerprint of each sample, from the prompt text its record holds.
      std::unordered_map<std::string, const nlohmann::json*> by_id;
      for (const auto& r : records) {
        const std::string fp = sample_fingerprint(config.at("model").at("fingerprint"), tc.at("task_config"),
                                                  prompt_key(r.value("doc_id", ""), r.value("input", "")),
                                                  tc.at("generation_config"));
        if (fp == r.value("fingerprint", "")) by_id.emplace(r.value("doc_id", ""), &r);
      }
      std::vector<std::string> fps;
      for (const auto& s : shard_samples[i]) {
        auto it = by_id.find(s.id);
        fps.push_back(it == by_id.end() ? "" : it->second->value("fingerprint", ""));
      }
      shard_records[i] = pick_records(shard_samples[i], fps, records, log_path);
    }
    for (size_t k = 0;; ++k) {
      const size_t shard = k % static_cast<size_t>(n), pos = k / static_cast<size_t>(n);
      if (pos >= shard_samples[shard].size()) break;
      outcome.samples.push_back(shard_samples[shard][pos]);
      outcome.records.push_back(shard_records[shard][pos]);
    }
    std::string text;
    for (const auto& r : outcome.records) text += r.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    write_file_atomic((fs::path(output_dir) / log_file_name(task, 0, 1)).string(), text);
    outcomes.push_back(std::move(outcome));
  }

  nlohmann::json results = build_results(config, shard_results[0], outcomes);
  results["date"] = utc_now();
  double seconds = 0;  // the shards ran side by side: the slowest one is the run's wall time
  for (const auto& r : shard_results) seconds = std::max(seconds, r.value("total_seconds", 0.0));
  results["total_seconds"] = seconds;
  write_file_atomic((fs::path(output_dir) / results_file_name(0, 1)).string(),
                    results.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  record_in_history(db, output_dir);
  return results;
}

}  // namespace slime::suite
