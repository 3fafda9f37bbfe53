// MM-Vet and LLaVA-Bench (benchmarks.md §4.11, §4.19) are scored only by a GPT judge. Without one
// the task is reported as not computed; no rule-based number is ever substituted.
#include <fmt/format.h>

#include "engine/common/error.h"
#include "evaluators/benchmarks/benchmarks.h"

namespace slime::eval {

void score_judge_only(const std::vector<data::Sample>& samples, const std::vector<Prediction>& predictions, Profile,
                      const ScoreOptions& options, TaskScore& out) {
  out.rule_version = "judge-only (GPT grader)";
  if (options.judge != nullptr) {
    throw_error(ErrorCode::kUnsupported, "task {}: judge grading is not implemented yet (judge '{}' given)", out.task,
                options.judge->model_id());
  }
  join_predictions(samples, predictions, out);
  out.computed = false;
  out.not_computed_reason = "judge-only metric and no judge configured";
}

}  // namespace slime::eval
