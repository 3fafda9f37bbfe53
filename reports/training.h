// Training runs in reports (issue 7): `slime train` writes OUT/train_log.jsonl (one line per
// optimizer step: stage, step, global_step, loss, lr, grad_norm, tokens, samples, elapsed_s) and
// OUT/train_summary.json. A report shows them as a table (stages, steps, final loss, time) and, in
// HTML, loss and learning-rate curves. Logs are found (1) in a directory given to `slime report`
// that holds train_log.jsonl, (2) in ablation.json's "training" entries, (3) beside the model of an
// evaluated run (results.json config.model.path), so a run of a trained model shows its training.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/table.h"

namespace slime::reports {

struct TrainStep {
  std::string stage;
  long global_step = 0;
  double loss = 0, lr = 0, grad_norm = 0;
};

struct TrainingLog {
  std::string name;  // a label: the ablation value ("variant=e2e") or the directory's name
  std::string dir;
  std::vector<TrainStep> steps;  // in file order
  nlohmann::json summary;        // train_summary.json, or null when absent
};

// True when DIR holds train_log.jsonl.
bool is_training_dir(const std::string& dir);

// Reads DIR/train_log.jsonl (+ train_summary.json when present). A torn last line (a killed run) is
// skipped; any other malformed line is kFormat naming the file and line; kNotFound without the log.
TrainingLog load_training_log(const std::string& dir, const std::string& name = "");

// One row per log and stage: steps, first and last loss, mean loss of the last 10% of steps, final lr, seconds.
Table training_table(const std::vector<TrainingLog>& logs);

// Inline SVG plots (HTML): loss per global step (moving average over WINDOW steps, one line per
// log) and learning rate per global step.
std::string training_loss_svg(const std::vector<TrainingLog>& logs, int window = 20);
std::string training_lr_svg(const std::vector<TrainingLog>& logs);

}  // namespace slime::reports
