#include "reports/training.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "engine/common/error.h"
#include "reports/svg.h"

namespace slime::reports {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

}  // namespace

bool is_training_dir(const std::string& dir) { return fs::is_regular_file(fs::path(dir) / "train_log.jsonl"); }

TrainingLog load_training_log(const std::string& dir, const std::string& name) {
  const fs::path path = fs::path(dir) / "train_log.jsonl";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kNotFound, "{}: no training log", path.string());
  TrainingLog log;
  log.dir = dir;
  log.name = name.empty() ? fs::path(dir).lexically_normal().filename().string() : name;
  if (log.name.empty()) log.name = fs::path(dir).lexically_normal().parent_path().filename().string();
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const bool ends_with_newline = [&] {
    std::ifstream tail(path, std::ios::binary | std::ios::ate);
    const auto size = static_cast<std::streamoff>(tail.tellg());
    if (size <= 0) return true;
    tail.seekg(size - 1);
    return tail.get() == '\n';
  }();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    json j;
    try {
      j = json::parse(lines[i]);
    } catch (const json::parse_error& e) {
      if (i + 1 == lines.size() && !ends_with_newline) break;  // torn last line of a killed run
      throw_error(ErrorCode::kFormat, "{}:{}: not valid JSON: {}", path.string(), i + 1, e.what());
    }
    TrainStep s;
    try {
      s.stage = j.at("stage").get<std::string>();
      s.global_step = j.at("global_step").get<long>();
      s.loss = j.at("loss").get<double>();
      s.lr = j.at("lr").get<double>();
      s.grad_norm = j.value("grad_norm", 0.0);
    } catch (const json::exception& e) {
      throw_error(ErrorCode::kFormat, "{}:{}: not a training step ({})", path.string(), i + 1, e.what());
    }
    log.steps.push_back(std::move(s));
  }
  std::ifstream summary(fs::path(dir) / "train_summary.json", std::ios::binary);
  if (summary) {
    try {
      log.summary = json::parse(summary);
    } catch (const json::parse_error& e) {
      throw_error(ErrorCode::kFormat, "{}: not valid JSON: {}", (fs::path(dir) / "train_summary.json").string(), e.what());
    }
  }
  return log;
}

Table training_table(const std::vector<TrainingLog>& logs) {
  Table t;
  t.id = "training";
  t.title = "Training";
  t.columns = {"model", "stage", "steps", "first loss", "last loss", "loss (last 10%)", "final lr", "seconds"};
  t.note = "From train_log.jsonl (one line per optimizer step) and train_summary.json (seconds per stage).";
  for (const TrainingLog& log : logs) {
    std::vector<std::string> order;
    std::map<std::string, std::vector<const TrainStep*>> by_stage;
    for (const TrainStep& s : log.steps) {
      if (!by_stage.count(s.stage)) order.push_back(s.stage);
      by_stage[s.stage].push_back(&s);
    }
    for (const std::string& stage : order) {
      const auto& steps = by_stage[stage];
      const size_t tail = std::max<size_t>(1, steps.size() / 10);
      double tail_loss = 0;
      for (size_t i = steps.size() - tail; i < steps.size(); ++i) tail_loss += steps[i]->loss;
      double seconds = NAN;
      if (log.summary.is_object() && log.summary.contains("stages") && log.summary["stages"].is_array())
        for (const json& st : log.summary["stages"])
          if (st.is_object() && st.value("stage", "") == stage && st.contains("seconds") && st["seconds"].is_number())
            seconds = st["seconds"].get<double>();
      t.rows.push_back({text_cell(log.name), text_cell(stage), number_cell(double(steps.size()), 0),
                        number_cell(steps.front()->loss, 4), number_cell(steps.back()->loss, 4),
                        number_cell(tail_loss / double(tail), 4), number_cell(steps.back()->lr, 6),
                        number_cell(seconds, 1)});
    }
  }
  return t;
}

std::string training_loss_svg(const std::vector<TrainingLog>& logs, int window) {
  std::vector<PlotSeries> series;
  for (const TrainingLog& log : logs) {
    PlotSeries s{log.name, {}};
    double sum = 0;
    for (size_t i = 0; i < log.steps.size(); ++i) {
      sum += log.steps[i].loss;
      if (i >= size_t(window)) sum -= log.steps[i - size_t(window)].loss;
      const double n = double(std::min(i + 1, size_t(window)));
      s.points.push_back({double(log.steps[i].global_step), sum / n, log.steps[i].stage});
    }
    series.push_back(std::move(s));
  }
  return line_svg("plot-train-loss", fmt::format("Training loss (moving average of {} steps)", window), "optimizer step",
                  "cross-entropy (answer tokens)", series, true);
}

std::string training_lr_svg(const std::vector<TrainingLog>& logs) {
  std::vector<PlotSeries> series;
  for (const TrainingLog& log : logs) {
    PlotSeries s{log.name, {}};
    for (const TrainStep& step : log.steps) s.points.push_back({double(step.global_step), step.lr, step.stage});
    series.push_back(std::move(s));
  }
  return line_svg("plot-train-lr", "Learning rate per step (warm-up, cosine decay; per stage)", "optimizer step",
                  "learning rate", series, true);
}

}  // namespace slime::reports
