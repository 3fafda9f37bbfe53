// What one task of a run is: its samples (after --limit and the shard), the prompt and resume
// fingerprint of each, and the config parts those fingerprints cover. Shared by run_eval and
// merge_shards, so both select the same records from the logs.
#pragma once
#include <exception>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ablations/eval/eval_run.h"
#include "ablations/eval/results.h"
#include "datasets/registry.h"
#include "engine/model/vlm.h"

namespace slime::suite {

struct TaskPlan {
  std::string task;
  const data::TaskSpec* spec = nullptr;
  std::string data_path;
  data::DatasetInfo info;
  std::vector<data::Sample> samples;  // this shard's, in run order
  int64_t max_new_tokens = 0;
  std::vector<int64_t> stop_ids;
  std::string model_fingerprint;
  nlohmann::json task_config, generation_config;  // fingerprint parts (see finish_task_plan)
  // Per sample (same order): templated prompt text and ids, or the error building them.
  std::vector<std::string> prompts, prompt_errors, fingerprints;
  std::vector<std::vector<int32_t>> ids;
};

// A sample's `error` field for an exception: "code: message" (code from slime::Error, else
// "internal"), counted by code in results.json.
std::string sample_error_text(const std::exception& e);

// The dataset path of TASK: --data TASK=PATH, or a bare --data PATH (key "") for any task.
std::string data_path_for(const std::map<std::string, std::string>& data, const std::string& task);

// Loads TASK's samples, keeps the first LIMIT (-1: all), then those of shard i of n
// (index % n == i). kNotFound for a missing dataset, kInvalidArgument for no --data.
std::vector<data::Sample> load_samples(const std::string& task, const std::string& path, const std::string& split,
                                       int64_t limit, int shard_index, int shard_count, data::DatasetInfo* info);

TaskPlan load_task_plan(const EvalOptions& options, const std::string& task);

// Fills the fingerprint parts and every sample's prompt and fingerprint:
//   task_config       {task, dataset content hash, split, profile, template}
//   generation_config {max_new_tokens, stop_ids, greedy, dtype, vision_dtype, device type,
//                      sha256 of the resolved config.json (overrides applied)}
//   prompt            {doc_id, input} (the image bytes are in the dataset hash)
// Batch size and shard are left out on purpose: outputs do not depend on them, so a run resumes
// with another batch size or number of shards.
void finish_task_plan(TaskPlan& plan, const EvalOptions& options, const model::Vlm& vlm, text::Template tmpl,
                      const std::string& model_fp);

nlohmann::json prompt_key(const std::string& doc_id, const std::string& input);

// results.json "config": the resolved run (model path, weight fingerprint and config.json with
// overrides, flags, per task: data path, dataset hash and format, max_new_tokens and its source,
// the fingerprint parts). Without shard (merge_shards compares the shards' configs).
nlohmann::json resolved_config(const EvalOptions& options, const model::Vlm& vlm, text::Template tmpl,
                               const std::string& model_fp, const std::vector<TaskPlan>& plans);

// The record of every sample of SAMPLES, picked from RECORDS by fingerprint: the expected one
// (FINGERPRINTS, same order as SAMPLES). Records of other configs in the same file are ignored.
// kInvalidArgument naming LOG_PATH and the sample when one is missing (an unfinished run).
std::vector<nlohmann::json> pick_records(const std::vector<data::Sample>& samples,
                                         const std::vector<std::string>& fingerprints,
                                         const std::vector<nlohmann::json>& records, const std::string& log_path);

TaskOutcome outcome_from_log(const TaskPlan& plan, const std::vector<nlohmann::json>& records, const std::string& log_path);

}  // namespace slime::suite
