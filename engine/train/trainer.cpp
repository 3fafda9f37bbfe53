// The training loop (train.h). Per stage: freeze, a fresh AdamW + cosine schedule, then optimizer
// steps of batch_size x grad_accum samples. Determinism (what makes a resumed run bit-identical):
//  - data order: epoch e of stage s is a std::mt19937_64 shuffle seeded by (seed, s, e);
//  - noise: every sample's gate/selector noise comes from a CPU generator seeded by
//    (seed, stage, step, sample slot), so no generator state has to be saved;
//  - the checkpoint holds the exact weights and AdamW state (checkpoint.h).
// Batching: samples run through the LLM one at a time (no padding); a micro-batch's loss is the
// sum of its answer-token losses over its answer-token count (HF's mean over a right-padded
// batch), divided by grad_accum, as HF's Trainer scales accumulated losses.
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>

#include <fmt/format.h>
#include <torch/torch.h>

#include "datasets/formats/sha256.h"
#include "datasets/registry.h"
#include "engine/common/error.h"
#include "engine/train/batch.h"
#include "engine/train/checkpoint.h"
#include "engine/train/features.h"
#include "engine/train/forward.h"
#include "engine/train/optimizer.h"
#include "engine/train/schedule.h"
#include "engine/train/stages.h"
#include "engine/train/train.h"

namespace slime::train {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

using Clock = std::chrono::steady_clock;

// SplitMix64 finaliser: decorrelates the small integers (seed, stage, step, slot) it combines.
uint64_t mix(uint64_t a, uint64_t b) {
  uint64_t z = a ^ (b + 0x9E3779B97F4A7C15ULL + (a << 6) + (a >> 2));
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::vector<int64_t> epoch_order(uint64_t seed, int64_t stage, int64_t epoch, int64_t n) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(mix(mix(seed, static_cast<uint64_t>(stage)), static_cast<uint64_t>(epoch)));
  // Fisher-Yates with an explicit draw (std::shuffle's algorithm is implementation-defined).
  for (int64_t i = n - 1; i > 0; --i) {
    const auto j = static_cast<int64_t>(rng() % static_cast<uint64_t>(i + 1));
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
  return order;
}

// Content of the model directory's config and weights (the fingerprint's model part).
std::string model_content_hash(const std::string& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name == "config.json" || e.path().extension() == ".safetensors" || name == "model.safetensors.index.json")
      files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::string lines;
  for (const fs::path& f : files) lines += data::sha256_file(f.string()) + "  " + f.filename().string() + "\n";
  return data::sha256_hex(lines);
}

void validate(const TrainOptions& o) {
  if (o.model_dir.empty() || o.data_path.empty() || o.out_dir.empty())
    throw_error(ErrorCode::kInvalidArgument, "train: --model, --data and --out are required");
  if (o.batch_size < 1 || o.grad_accum < 1)
    throw_error(ErrorCode::kInvalidArgument, "train: --batch-size and --grad-accum must be >= 1");
  if (o.steps < 0 && !(o.epochs > 0)) throw_error(ErrorCode::kInvalidArgument, "train: --epochs must be > 0");
  if (o.steps == 0) throw_error(ErrorCode::kInvalidArgument, "train: --steps must be >= 1");
  if (o.llm != "full" && o.llm != "frozen")
    throw_error(ErrorCode::kInvalidArgument, "train: --llm '{}' (full or frozen)", o.llm);
  if (o.dtype != "fp32" && o.dtype != "bf16")
    throw_error(ErrorCode::kInvalidArgument, "train: --dtype '{}' (fp32 or bf16)", o.dtype);
  if (!(o.lr > 0)) throw_error(ErrorCode::kInvalidArgument, "train: --lr must be > 0");
  if (fs::exists(o.out_dir) && fs::exists(o.model_dir) && fs::equivalent(o.out_dir, o.model_dir))
    throw_error(ErrorCode::kInvalidArgument, "train: --out must differ from --model ({})", o.out_dir);
}

// Keeps the log's lines up to GLOBAL_STEP (steps after the checkpoint are redone on resume).
void truncate_log(const fs::path& path, int64_t global_step) {
  if (!fs::exists(path)) return;
  std::ifstream in(path);
  std::string line, kept;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      if (json::parse(line).at("global_step").get<int64_t>() <= global_step) kept += line + "\n";
    } catch (const json::exception&) {  // a torn last line from a kill
    }
  }
  in.close();
  std::ofstream out(path, std::ios::trunc);
  out << kept;
}

json summary_json(const StageSummary& s) {
  return {{"stage", s.stage},
          {"steps", s.steps},
          {"trainable_parameters", s.trainable_parameters},
          {"final_loss", s.final_loss},
          {"seconds", s.seconds}};
}

StageSummary summary_from(const json& j) {
  StageSummary s;
  s.stage = j.at("stage").get<std::string>();
  s.steps = j.at("steps").get<int64_t>();
  s.trainable_parameters = j.at("trainable_parameters").get<int64_t>();
  s.final_loss = j.at("final_loss").get<double>();
  s.seconds = j.at("seconds").get<double>();
  return s;
}

// The parameters a checkpoint must hold: everything a stage may change (CLIP only when trained).
NamedTensorList checkpoint_parameters(const model::Vlm& vlm, bool train_vision) {
  const std::string clip = model::clip_weights_prefix(model::ClipWeights::kSlimeCheckpoint);
  NamedTensorList out;
  for (const TrainableParam& p : named_model_parameters(vlm))
    if (train_vision || p.name.compare(0, clip.size(), clip) != 0) out.emplace_back(p.name, p.tensor.detach());
  return out;
}

struct Run {
  const TrainOptions& o;
  model::Vlm vlm;
  std::vector<TrainItem> items;
  std::vector<std::string> stages;
  std::string fingerprint;
  FeatureCache cache;
  double elapsed_before = 0;  // seconds spent before a resume
  Clock::time_point start = Clock::now();

  double elapsed() const { return elapsed_before + std::chrono::duration<double>(Clock::now() - start).count(); }

  int64_t steps_per_epoch() const {
    const int64_t per_step = o.batch_size * o.grad_accum, n = static_cast<int64_t>(items.size());
    return (n + per_step - 1) / per_step;
  }
  int64_t stage_steps() const {
    if (o.steps > 0) return o.steps;
    return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(o.epochs * static_cast<double>(steps_per_epoch()))));
  }

  // Dataset indices of step K (1-based) of stage S.
  std::vector<int64_t> step_samples(int64_t s, int64_t k) const {
    const int64_t per_step = o.batch_size * o.grad_accum, n = static_cast<int64_t>(items.size());
    const int64_t spe = steps_per_epoch(), epoch = (k - 1) / spe, j = (k - 1) % spe;
    const std::vector<int64_t> order = epoch_order(o.seed, s, epoch, n);
    const int64_t b = j * per_step, e = std::min(n, b + per_step);
    return {order.begin() + b, order.begin() + e};
  }
};

struct StepResult {
  double loss = 0;
  int64_t tokens = 0, samples = 0;
};

// Forward + backward of one optimizer step's samples (gradients accumulate in the parameters).
StepResult accumulate_step(Run& r, const StageSpec& spec, int64_t s, int64_t k) {
  const std::vector<int64_t> idx = r.step_samples(s, k);
  StepResult out;
  const auto b = static_cast<size_t>(r.o.batch_size);
  for (size_t m0 = 0; m0 < idx.size(); m0 += b) {
    at::Tensor sum;
    int64_t tokens = 0;
    for (size_t i = m0; i < std::min(idx.size(), m0 + b); ++i) {
      const TrainItem& item = r.items[static_cast<size_t>(idx[i])];
      at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(
          mix(mix(mix(r.o.seed, static_cast<uint64_t>(s)), static_cast<uint64_t>(k)), static_cast<uint64_t>(i)));
      ImageFeatures f;
      if (item.has_image) f = r.cache.get(r.vlm, item);
      const LossSum l = sample_loss(r.vlm, spec, item, item.has_image ? &f : nullptr, ForwardOptions{}, &gen);
      sum = sum.defined() ? sum + l.sum : l.sum;
      tokens += l.tokens;
      ++out.samples;
    }
    if (tokens == 0) continue;  // every answer cut by the max length: nothing to learn from
    const at::Tensor loss = sum / static_cast<double>(tokens) / static_cast<double>(r.o.grad_accum);
    loss.backward();
    out.loss += loss.item<double>();
    out.tokens += tokens;
  }
  return out;
}

}  // namespace

TrainResult run_training(const TrainOptions& o) {
  validate(o);
  const std::vector<std::string> stages = parse_variant(o.variant);
  // Data first: a wrong path fails before the model loads.
  const data::TaskSpec& spec = data::find_task(o.task);
  data::LoadOptions load;
  load.path = o.data_path;
  load.split = o.split;
  data::DatasetInfo info;
  std::vector<data::Sample> samples = data::load_task_all(o.task, load, &info);
  if (o.max_samples >= 0 && static_cast<int64_t>(samples.size()) > o.max_samples)
    samples.resize(static_cast<size_t>(o.max_samples));
  if (samples.empty())
    throw_error(ErrorCode::kInvalidArgument, "{}: no samples of task {} in split '{}'{} to train on", o.data_path, o.task,
                o.split, o.max_samples == 0 ? " (--max-samples 0)" : "");

  model::VlmLoadOptions vlo;
  vlo.device = model::parse_device(o.device);
  vlo.dtype = model::parse_dtype(o.dtype);
  if (!o.save_dtype.empty()) model::parse_dtype(o.save_dtype);  // refused before any training
  vlo.overrides = o.overrides;
  Run r{o, model::load_vlm(o.model_dir, vlo), {}, stages, "", FeatureCache(!o.train_vision)};
  for (const std::string& name : stages)
    check_stage_supported(r.vlm, stage_spec(name, o.llm == "full", o.train_vision));
  const text::Template tmpl =
      o.chat_template == "auto" ? text::default_template(*r.vlm.tokenizer) : text::parse_template(o.chat_template);
  for (size_t i = 0; i < samples.size(); ++i)
    r.items.push_back(make_train_item(r.vlm, tmpl, spec, samples[i], static_cast<int64_t>(i)));

  json fp_parts = options_json(o);
  fp_parts["model_content"] = model_content_hash(o.model_dir);
  fp_parts["data_content"] = info.content_hash;
  fp_parts["samples"] = samples.size();
  r.fingerprint = data::sha256_hex(fp_parts.dump());

  const fs::path out(o.out_dir);
  fs::create_directories(out);
  const fs::path log_path = out / "train_log.jsonl";
  TrainResult result;
  result.fingerprint = r.fingerprint;
  int64_t stage_index = 0, stage_step = 0, global_step = 0, total_samples = 0;
  double stage_seconds_before = 0, last_loss = 0;
  std::optional<Checkpoint> ckpt = load_checkpoint(o.out_dir);
  if (ckpt) {
    const std::string theirs = ckpt->state.value("fingerprint", "");
    if (theirs != r.fingerprint)
      throw_error(ErrorCode::kInvalidArgument, "{}: holds a checkpoint of another run (fingerprint {} != {}); use a new "
                  "--out or remove {}", o.out_dir, theirs.substr(0, 12), r.fingerprint.substr(0, 12),
                  (out / "checkpoint").string());
    restore_parameters(r.vlm, ckpt->model);
    stage_index = ckpt->state.at("stage_index").get<int64_t>();
    stage_step = ckpt->state.at("stage_step").get<int64_t>();
    global_step = ckpt->state.at("global_step").get<int64_t>();
    total_samples = ckpt->state.at("samples").get<int64_t>();
    r.elapsed_before = ckpt->state.at("elapsed_s").get<double>();
    stage_seconds_before = ckpt->state.at("stage_seconds").get<double>();
    last_loss = ckpt->state.at("last_loss").get<double>();
    for (const json& s : ckpt->state.at("stages_done")) result.stages.push_back(summary_from(s));
    result.resumed_at_step = global_step;
    truncate_log(log_path, global_step);
  } else {
    std::ofstream fresh(log_path, std::ios::trunc);  // a new run starts an empty log
  }

  for (int64_t s = stage_index; s < static_cast<int64_t>(stages.size()); ++s) {
    const StageSpec spec_s = stage_spec(stages[static_cast<size_t>(s)], o.llm == "full", o.train_vision);
    AdamWOptions ao;
    ao.weight_decay = o.weight_decay;
    AdamW opt(apply_freezing(r.vlm, spec_s), ao);
    if (ckpt && s == stage_index && stage_step > 0) opt.load_state(ckpt->optimizer, stage_step);
    const int64_t total = r.stage_steps();
    const CosineSchedule sched = CosineSchedule::make(o.lr, total, o.warmup_ratio);
    const CosineSchedule llm_sched = CosineSchedule::make(o.llm_lr < 0 ? o.lr : o.llm_lr, total, o.warmup_ratio);
    const auto stage_start = Clock::now();
    const double before = s == stage_index ? stage_seconds_before : 0.0;
    auto stage_seconds = [&] { return before + std::chrono::duration<double>(Clock::now() - stage_start).count(); };
    auto save = [&](int64_t next_stage, int64_t step_in_stage) {
      Checkpoint c;
      json done = json::array();
      for (const StageSummary& d : result.stages) done.push_back(summary_json(d));
      c.state = {{"fingerprint", r.fingerprint}, {"stage_index", next_stage}, {"stage_step", step_in_stage},
                 {"global_step", global_step},   {"samples", total_samples},  {"elapsed_s", r.elapsed()},
                 {"stage_seconds", next_stage == s ? stage_seconds() : 0.0},  {"last_loss", last_loss},
                 {"stages_done", done}};
      c.model = checkpoint_parameters(r.vlm, o.train_vision);
      if (next_stage == s) c.optimizer = opt.state();
      save_checkpoint(o.out_dir, c);
    };
    for (int64_t k = (s == stage_index ? stage_step : 0) + 1; k <= total; ++k) {
      const StepResult st = accumulate_step(r, spec_s, s, k);
      const double grad_norm = opt.gather_and_clip(o.clip_grad);
      const double lr = sched.lr_at_step(k);
      opt.step(lr, llm_sched.lr_at_step(k));
      ++global_step;
      total_samples += st.samples;
      last_loss = st.loss;
      const json line = {{"stage", spec_s.name}, {"step", k},        {"global_step", global_step},
                         {"loss", st.loss},      {"lr", lr},         {"grad_norm", grad_norm},
                         {"tokens", st.tokens},  {"samples", st.samples}, {"elapsed_s", r.elapsed()}};
      {
        std::ofstream log(log_path, std::ios::app);
        log << line.dump() << "\n";
      }
      if (!o.quiet && o.log_every > 0 && (k % o.log_every == 0 || k == total))
        fmt::print("stage {} step {}/{} loss {:.4f} lr {:.3e} grad_norm {:.3f} ({:.1f} s)\n", spec_s.name, k, total,
                   st.loss, lr, grad_norm, r.elapsed());
      const bool stop = o.stop_after_steps > 0 && global_step >= o.stop_after_steps;
      if (k == total) {
        result.stages.push_back({spec_s.name, total, opt.parameters(), last_loss, stage_seconds()});
        save(s + 1, 0);
      } else if (stop || (o.save_every > 0 && k % o.save_every == 0)) {
        save(s, k);
      }
      if (stop && !(k == total && s + 1 == static_cast<int64_t>(stages.size()))) {
        result.global_steps = global_step;
        result.samples = total_samples;
        result.seconds = r.elapsed();
        return result;
      }
    }
  }

  export_model(r.vlm, o.model_dir, o.out_dir,
               o.save_dtype.empty() ? std::nullopt : std::optional<at::ScalarType>(model::parse_dtype(o.save_dtype)));
  result.global_steps = global_step;
  result.samples = total_samples;
  result.seconds = r.elapsed();
  result.finished = true;
  json summary = {{"options", options_json(o)},
                  {"fingerprint", r.fingerprint},
                  {"model", o.model_dir},
                  {"data", o.data_path},
                  {"dataset_hash", info.content_hash},
                  {"samples_in_dataset", r.items.size()},
                  {"global_steps", global_step},
                  {"samples", total_samples},
                  {"seconds", result.seconds},
                  {"samples_per_second", result.seconds > 0 ? static_cast<double>(total_samples) / result.seconds : 0.0},
                  {"resumed_at_step", result.resumed_at_step},
                  {"save_dtype", o.save_dtype.empty() ? "source" : o.save_dtype},
                  {"stages", json::array()}};
  for (const StageSummary& st : result.stages) summary["stages"].push_back(summary_json(st));
  std::ofstream summary_file(out / "train_summary.json", std::ios::trunc);
  summary_file << summary.dump(2) << "\n";
  return result;
}

}  // namespace slime::train
