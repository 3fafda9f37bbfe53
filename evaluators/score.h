// Library API of the evaluators: score predictions of one task against its Samples under a
// named profile. Scorers see text and the Sample only (architecture.md); no LibTorch.
#pragma once
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "datasets/sample.h"

namespace slime::eval {

struct Prediction {
  std::string id;    // Sample::id
  std::string text;  // raw model output
};

// A grader for judge-only metrics (MM-Vet, LLaVA-Bench, optional extractors). Implementations
// (evaluators/judge: an OpenAI-compatible client) record model id and prompt hash.
class Judge {
 public:
  virtual ~Judge() = default;
  virtual std::string model_id() const = 0;
  virtual std::string complete(const std::string& prompt) = 0;
};

struct ScoreOptions {
  std::string profile;     // "llava_official" | "lmms_eval" | "vlmevalkit" ("slime" for our own
                           // benchmarks); empty = task default
  Judge* judge = nullptr;  // null: judge-only metrics are reported as not computed
};

struct ScoreCounts {
  int64_t samples = 0;
  int64_t scored = 0;
  int64_t missing_prediction = 0;
  int64_t unknown_prediction = 0;            // predictions whose id is not a sample of the task
  std::map<std::string, int64_t> errors;     // Sample::error code (text before ':') -> count
};

struct TaskScore {
  std::string task;
  std::string profile;
  std::string rule_version;  // which upstream rule, at which revision, this reproduces
  bool computed = true;      // false: e.g. judge-only task without a judge
  std::string not_computed_reason;
  // One object per sample, in sample order: {"id", "filtered", <metric>: value, ...}, or
  // {"id", "error"} / {"id", "missing_prediction": true}.
  nlohmann::json per_sample = nlohmann::json::array();
  // Aggregates over scored samples; subtasks/splits as nested objects.
  nlohmann::json metrics = nlohmann::json::object();
  ScoreCounts counts;
};

// Scores `predictions` against `samples` of `task`. Throws kNotFound for an unknown task,
// kUnsupported for a profile the task does not define, kInvalidArgument for duplicate ids.
TaskScore score_task(const std::string& task, const std::vector<data::Sample>& samples,
                     const std::vector<Prediction>& predictions, const ScoreOptions& options = {});

// Registered task names, their profiles (first = default).
std::vector<std::string> task_names();
std::vector<std::string> task_profiles(const std::string& task);

nlohmann::json to_json(const TaskScore& score);

}  // namespace slime::eval
