// Reading what `slime eval` and `slime ablate` write (layout: ablations/eval/eval_run.h): a run
// directory (results.json + samples_<task>.jsonl) or an ablation directory (ablation.json listing
// its cells, each a run directory; or, without ablation.json, a folder of run directories).
#pragma once
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/training.h"

namespace slime::reports {

// Per-sample keys the evaluators write with a score in [0, 1] (evaluators/benchmarks/*.cpp:
// "correct" 0/1, "accuracy" VQA soft score, "anls", "relaxed_accuracy"). The task metric of the
// same kind is 100 x their mean, so intervals are reported in percent.
extern const std::vector<std::string> kSampleScoreKeys;

// The latency stages of timing_ms, in pipeline order (architecture.md, Records).
extern const std::vector<std::string> kStages;

struct SampleRecord {
  std::string doc_id;
  std::string target;
  std::string response;                  // resps[0][0] (raw answer), "" when absent
  std::string filtered;                  // filtered_resps[0], "" when absent
  std::map<std::string, double> scores;  // kSampleScoreKeys present on the line
  double visual_tokens = -1;             // global + local_after; -1 when not recorded
  std::map<std::string, double> timing_ms;
  std::string error;                     // "" when none
};

struct RunData {
  std::string name;  // cell name or the directory's last component
  std::string dir;
  nlohmann::json results;                                    // results.json as written
  std::map<std::string, std::vector<SampleRecord>> samples;  // task -> samples in file order
};

// Loads RUN_DIR. Throws kNotFound without results.json, kFormat for malformed JSON (naming the
// file and line). A torn last line of a samples log (a run killed mid-write) is skipped.
RunData load_run(const std::string& dir, const std::string& name = "");

// True when DIR holds results.json.
bool is_run_dir(const std::string& dir);

struct LoadedInputs {
  std::vector<RunData> runs;
  std::string baseline;  // from ablation.json's "baseline", "" when not given
  std::vector<TrainingLog> training;  // reports/training.h: where the logs are found
};

// Each path is a run directory, an ablation directory or a training directory (train_log.jsonl); runs keep the order given (cells in
// ablation.json order, folders of runs sorted by name). Names are made unique.
LoadedInputs load_inputs(const std::vector<std::string>& paths);

// The headline metric of a task's results: the first of accuracy, circular_accuracy, mean_f1,
// img_accuracy, avg_acc, anls, relaxed_overall, ... present and numeric, else the first numeric
// key; "" when none.
std::string primary_metric(const nlohmann::json& task_results);

// Mean over a run's scored samples of global + local_after visual tokens; -1 when none recorded.
double mean_visual_tokens(const RunData& run);
// Mean of a stage's timing_ms over scored samples (all tasks), 0 when absent.
double mean_stage_ms(const RunData& run, const std::string& stage);
// The timing_ms stages any scored sample of RUNS carries: those of kStages in pipeline order,
// then any other (a stage the engine adds later) sorted by name.
std::vector<std::string> stage_names(const std::vector<RunData>& runs);
// Sum of mean_stage_ms over the run's stages: mean end-to-end latency per sample.
double mean_total_ms(const RunData& run);

// Per-sample scores of KEY for TASK keyed by doc_id, errors skipped.
std::map<std::string, double> sample_scores(const RunData& run, const std::string& task, const std::string& key);
// The first of kSampleScoreKeys any sample of TASK carries; "" when none.
std::string sample_score_key(const RunData& run, const std::string& task);

}  // namespace slime::reports
