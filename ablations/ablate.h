// The grid runner (`slime ablate SPEC`): every cell of an ablation spec (ablations/spec.h) is one
// evaluation run (ablations/eval/eval_run.h) in its own directory, then one report file.
//
// Output directory (OUT):
//   OUT/cells/<cell name>/             the cell's run_eval output: samples_<task>.jsonl, results.json
//   OUT/cells/<cell name>/cell.json    {"name", "fingerprint", "model_dir", "overrides", "device",
//                                       "dtype", "axes"}; written before the run starts
//   OUT/ablation.json                  the report (below), rewritten after every cell
//
// Resume: a cell is finished when its results.json parses and its cell.json carries the cell's
// current fingerprint (spec.h cell_fingerprint); finished cells are skipped. An unfinished cell is
// handed to run_eval again, which resumes from its own per-sample log. A cell directory whose
// cell.json has a different fingerprint (the spec, --limit, --device or --dtype changed) is an
// error, never silently mixed: remove that directory or pick another --output.
//
// OUT/ablation.json ("format": "slime-ablation/1"; paths relative to OUT):
//   format            "slime-ablation/1"
//   spec              {"path", "name", "description", "content" (the spec file's JSON)}
//   tasks             [task names], limit (int, -1 = all), device, dtype (the base values)
//   axes              [{"name": axis, "values": [labels]}] in cell-name order
//   baseline          a cell name, or null when the spec names none
//   cells             one object per cell, in grid order:
//     name            "topp=0.75,softmax=double" ("base" for a spec without axes)
//     axes            {axis: label}, e.g. {"selection": "topp=0.75", "softmax": "softmax=double"}
//     model_dir, overrides ["key=value"], device, dtype, fingerprint
//     dir             "cells/<name>"
//     results         "cells/<name>/results.json", or null when the cell has none
//     status          "done" (ran now), "skipped" (finished earlier), "failed", "pending" (not reached)
//     error           the failure message (only when status is "failed")
//     metrics         {task: {metric: number}} from results.json "results" (numbers only; nested
//                     subtask objects are left to the full results file)
//     n_samples       results.json "n_samples" (total, scored, errors), or null
//     latency_p50     {stage: p50} of results.json "latency" (stages in ms, tokens_per_s a rate), or null
//     seconds         wall time of this cell's run in this invocation (0 when skipped)
//   training          [{"label", "model_dir", "recipe", "seconds", "summary"}] for the models the
//                     spec trains (empty otherwise); summary = the trainer's train_summary.json
//   summary           {"cells", "done", "skipped", "failed", "pending"}
//   date              UTC ISO-8601 time the report was written
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ablations/eval/eval_run.h"
#include "ablations/spec.h"

namespace slime::ablations {

// suite::run_eval, or a fake in tests.
using EvalRunner = std::function<nlohmann::json(const suite::EvalOptions&)>;
// Trains one model of a spec's training recipes into job.model_dir and returns a summary
// (train_summary.json's content); ablations/train_job.h run_train_job, or a fake in tests. It must
// resume or skip a job whose model dir already holds its finished run.
using TrainRunner = std::function<nlohmann::json(const TrainJob&)>;

struct AblateOptions {
  std::string output_dir;   // OUT
  int64_t limit = 0;        // > 0 or -1: replaces the spec's limit; 0: keep the spec's
  std::string device;       // non-empty: replaces the spec's device (error with a device axis)
  std::string dtype;        // non-empty: replaces the spec's dtype (error with a dtype axis)
  bool keep_going = true;   // a failed cell is recorded and the grid continues
  bool progress = false;    // one line per cell on stderr, and run_eval's own progress
  std::string db;           // run-history database handed to each run ("" = none)
};

struct AblateReport {
  nlohmann::json ablation;  // OUT/ablation.json's content
  int done = 0, skipped = 0, failed = 0;
};

// Applies the CLI flags of OPTIONS to SPEC (limit, device, dtype); kInvalidArgument for a flag
// that conflicts with an axis.
Spec apply_cli_overrides(Spec spec, const AblateOptions& options);

// The content of a JSON file, or null when it is absent or not valid JSON (an unfinished cell or
// training: a kill can leave either; 1e400 counts as invalid too, not as an exception).
nlohmann::json read_json_or_null(const std::filesystem::path& path);

// The run_eval options of one cell (output in OUT/cells/<name>).
suite::EvalOptions cell_eval_options(const Spec& spec, const Cell& cell, const AblateOptions& options);

// Runs the grid (resuming as described above) and writes OUT/ablation.json. Throws slime::Error
// for setup failures (spec, OUT, a fingerprint mismatch) and, with keep_going = false, for the
// first failed cell (after writing the report).
// Axis values with a training recipe (spec.h) are trained first, in axis order, by TRAINER (an
// error when it is null and the spec trains); a failed training is fatal (its cells cannot run).
AblateReport run_ablation(const Spec& spec, const AblateOptions& options, const EvalRunner& runner,
                          const TrainRunner& trainer = nullptr);

}  // namespace slime::ablations
