// Prediction files that `slime score` reads, one format detected per file:
//   - our per-sample logs (samples_<task>.jsonl of `slime eval`): doc_id + resps [[raw]] (the raw
//     answer is scored again, so a changed rule applies);
//   - LLaVA answer files (model_vqa*.py): jsonl of {question_id, text}; a repeated question_id
//     (MME) gets data::repeated_id's "#k" suffix, as the samples do;
//   - VLMEvalKit predictions: a .tsv / .csv with `index` and `prediction` columns (or jsonl with
//     those keys). Its .xlsx files are refused with a conversion hint (no spreadsheet reader here).
// Ids become strings ("12" for 12) to match data::Sample::id. Errors name the file and row.
#pragma once
#include <string>
#include <vector>

#include "evaluators/score.h"

namespace slime::eval {

struct PredictionFile {
  std::string format;  // "slime_samples", "llava_answers", "vlmevalkit"
  std::vector<Prediction> predictions;
};

// kNotFound / kIo for the file, kFormat for a row or header no format matches, kInvalidArgument for
// a repeated id, kUnsupported for .xlsx.
PredictionFile read_predictions(const std::string& path);

}  // namespace slime::eval
