// slime score: score an existing prediction file against a dataset without running a model (our
// per-sample logs, LLaVA answer files, VLMEvalKit predictions; evaluators/predictions.h).
#include <filesystem>
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "datasets/registry.h"
#include "engine/common/error.h"
#include "evaluators/judge/openai_judge.h"
#include "evaluators/predictions.h"
#include "evaluators/score.h"

namespace slime::cli {
namespace {

struct ScoreFlags {
  std::string task, data, predictions, profile, split, image_root, per_sample;
  std::string judge_url, judge_model, judge_cache;  // override SLIME_JUDGE_URL / _MODEL / _CACHE
  bool json = false;
};

// "metric: value" lines, nested objects (subtasks, splits) indented below their name.
void print_metrics(const nlohmann::json& metrics, int indent) {
  for (const auto& [key, value] : metrics.items()) {
    if (value.is_object()) {
      fmt::print("{:{}}{}:\n", "", indent, key);
      print_metrics(value, indent + 2);
    } else if (value.is_number_float()) {
      fmt::print("{:{}}{}: {:.4f}\n", "", indent, key, value.get<double>());
    } else {
      fmt::print("{:{}}{}: {}\n", "", indent, key, value.dump());
    }
  }
}

void run_score(const ScoreFlags& f) {
  data::LoadOptions load;
  load.path = f.data;
  load.split = f.split;
  load.image_root = f.image_root;
  load.hash_images = false;  // scoring reads no pixels
  data::DatasetInfo info;
  const std::vector<data::Sample> samples = data::load_task_all(f.task, load, &info);
  const eval::PredictionFile preds = eval::read_predictions(f.predictions);
  eval::ScoreOptions options;
  options.profile = f.profile;
  // A judge only when a URL is configured; the API key comes from SLIME_JUDGE_API_KEY alone.
  std::unique_ptr<eval::judge::OpenAIJudge> judge;
  eval::judge::JudgeConfig jc = eval::judge::judge_config_from_env();
  if (!f.judge_url.empty()) jc.url = f.judge_url;
  if (!f.judge_model.empty()) jc.model = f.judge_model;
  if (!f.judge_cache.empty()) jc.cache_dir = f.judge_cache;
  if (!jc.url.empty()) {
    if (jc.cache_dir.empty()) {
      jc.cache_dir = (std::filesystem::path(f.predictions).parent_path() / "judge_cache").string();
    }
    judge = std::make_unique<eval::judge::OpenAIJudge>(jc);
    options.judge = judge.get();
  }
  const eval::TaskScore score = eval::score_task(f.task, samples, preds.predictions, options);

  nlohmann::json out = eval::to_json(score);
  out["dataset"] = {{"path", f.data}, {"format", info.format}, {"content_hash", info.content_hash},
                    {"samples", info.total}, {"errors", info.errors}};
  out["predictions"] = {{"path", f.predictions}, {"format", preds.format}, {"rows", preds.predictions.size()}};
  if (judge) out["judge"] = judge->describe();
  if (!f.per_sample.empty()) {
    std::FILE* file = std::fopen(f.per_sample.c_str(), "wb");
    if (file == nullptr) throw_error(ErrorCode::kIo, "{}: cannot write", f.per_sample);
    for (const auto& row : score.per_sample) fmt::print(file, "{}\n", row.dump());
    std::fclose(file);
  }
  if (f.json) {
    out.erase("per_sample");
    fmt::print("{}\n", out.dump(2));
    return;
  }
  fmt::print("task {} · profile {} · rule {}\n", score.task, score.profile, score.rule_version);
  fmt::print("dataset {} ({}, {} samples, sha256 {}) · predictions {} ({})\n", f.data, info.format, info.total,
             info.content_hash.substr(0, 12), f.predictions, preds.format);
  const auto& c = score.counts;
  fmt::print("scored {} of {} · missing predictions {} · unknown ids {}", c.scored, c.samples, c.missing_prediction,
             c.unknown_prediction);
  for (const auto& [code, n] : c.errors) fmt::print(" · {} {}", code, n);
  fmt::print("\n");
  if (!score.computed) {
    fmt::print("not computed: {}\n", score.not_computed_reason);
    return;
  }
  print_metrics(score.metrics, 0);
}

}  // namespace

void register_score(CLI::App& app) {
  auto f = std::make_shared<ScoreFlags>();
  auto* cmd = app.add_subcommand("score", "Score a prediction file against a benchmark (no model run)");
  cmd->add_option("--task", f->task, "task name (mme, pope_random, textvqa_val, mmbench_dev_en, hires_detail, ...)")
      ->required();
  cmd->add_option("--data", f->data, "the dataset (a .tsv, a question .jsonl / folder, as the task expects)")->required();
  cmd->add_option("--predictions", f->predictions,
                  "samples_<task>.jsonl of slime eval, a LLaVA answer jsonl, or VLMEvalKit .tsv/.csv")
      ->required();
  cmd->add_option("--profile", f->profile, "llava_official | lmms_eval | vlmevalkit (default: the task's first)");
  cmd->add_option("--split", f->split, "split of a slime-jsonl dataset (train/val/test)");
  cmd->add_option("--image-root", f->image_root, "folder image paths are relative to");
  cmd->add_option("--per-sample", f->per_sample, "write the per-sample scores (jsonl) here");
  cmd->add_option("--judge-url", f->judge_url,
                  "OpenAI-compatible endpoint for judge-only metrics (MM-Vet, LLaVA-Bench), e.g. "
                  "http://127.0.0.1:8000/v1 (env SLIME_JUDGE_URL; API key only from SLIME_JUDGE_API_KEY)");
  cmd->add_option("--judge-model", f->judge_model, "judge model id (env SLIME_JUDGE_MODEL)");
  cmd->add_option("--judge-cache", f->judge_cache,
                  "judge response cache folder (env SLIME_JUDGE_CACHE; default judge_cache/ next to --predictions)");
  cmd->add_flag("--json", f->json, "print the result as JSON");
  cmd->callback([f] { run_score(*f); });
}

}  // namespace slime::cli
