// results.json from the sample logs. run_eval and merge_shards both call build_results with the
// same inputs (resolved config, environment, every sample with its log record), which is what
// makes a resumed run and a merged sharded run give the same file as an uninterrupted single run.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/sample.h"

namespace slime::suite {

// Bumped when the log record or results.json layout changes (recorded in results.json).
inline constexpr int kResultsFormatVersion = 1;

struct TaskOutcome {
  std::string task;
  std::string profile;                  // requested scorer profile ("" = the task's default)
  std::vector<data::Sample> samples;    // in run order (--limit applied; every shard)
  std::vector<nlohmann::json> records;  // the log record of each sample, same order
};

// The per-sample keys the scorer gives RAW for SAMPLE alone: "filtered" and one key per metric.
// For group metrics (MMBench circular, MME pairs) the aggregate in results.json is the reference.
nlohmann::json score_one(const std::string& task, const data::Sample& sample, const std::string& raw,
                         const std::string& profile);

// CONFIG: the run's resolved config (without shard); ENVIRONMENT: {"versions", "device"}.
// Scores every task from its records (a record's `error` counts as that sample's error), adds
// scorer profiles and rule versions to config.scorers, and fills n_samples and latency.
// `date` and `total_seconds` are set by the caller.
nlohmann::json build_results(nlohmann::json config, const nlohmann::json& environment,
                             const std::vector<TaskOutcome>& tasks);

// slime version, git commit (at configure time), LibTorch, CUDA, OpenCV.
nlohmann::json versions_json();

// Log and results file names inside the output directory.
std::string log_file_name(const std::string& task, int shard_index, int shard_count);
std::string results_file_name(int shard_index, int shard_count);

// ISO-8601 UTC time of now ("2026-11-27T14:30:05Z").
std::string utc_now();

}  // namespace slime::suite
