// run_eval (eval_run.h): load -> skip what the log holds -> prepare + generate in batches ->
// append one record per sample -> results.json from the log.
#include "ablations/eval/eval_run.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "ablations/eval/fingerprint.h"
#include "ablations/eval/interrupt.h"
#include "ablations/eval/progress.h"
#include "ablations/eval/results.h"
#include "ablations/eval/sample_log.h"
#include "ablations/eval/task_plan.h"
#include "engine/common/error.h"
#include "reports/history.h"
#include "engine/image/decode.h"
#include "engine/model/vlm.h"

namespace slime::suite {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

std::string error_text(const std::exception& e) { return sample_error_text(e); }

// One sample on its way through the engine.
struct Pending {
  size_t index = 0;  // into the plan's samples
  std::string prompt_text, fingerprint;
  std::vector<int32_t> ids;
  std::string error;  // set when the prompt could not be built
  model::PreparedPrompt prepared;
};

nlohmann::json base_record(const data::Sample& s, const Pending& p) {
  nlohmann::json r;
  r["doc_id"] = s.id;
  r["input"] = p.prompt_text;
  if (!s.answer.empty() || s.answers.empty()) r["target"] = s.answer;
  else r["target"] = s.answers;
  r["fingerprint"] = p.fingerprint;
  return r;
}

class TaskRunner {
 public:
  TaskRunner(const EvalOptions& o, model::Vlm& vlm, TaskPlan& plan) : o_(o), vlm_(vlm), plan_(plan) {}

  // Runs every sample of the plan that the log lacks; returns how many were run.
  int64_t run(SampleLog& log) {
    std::set<std::string> done;
    for (const auto& r : log.existing()) done.insert(r.value("fingerprint", ""));
    std::vector<Pending> todo;
    for (size_t i = 0; i < plan_.samples.size(); ++i) {
      Pending p = make_pending(i);
      if (!done.count(p.fingerprint)) todo.push_back(std::move(p));
    }
    const auto total = static_cast<int64_t>(plan_.samples.size());
    std::string label = plan_.task;
    if (o_.shard_count > 1) label += fmt::format(" [shard {}/{}]", o_.shard_index, o_.shard_count);
    Progress progress(o_.progress, label, total, total - static_cast<int64_t>(todo.size()));
    for (size_t b = 0; b < todo.size(); b += static_cast<size_t>(o_.batch_size)) {
      // Between batches only: what is logged is always whole samples, in the task's order.
      if (const int sig = pending_interrupt()) {
        progress.finish();
        throw Interrupted(sig, fmt::format("interrupted by {}: task {}: {} of {} samples are in {} (flushed and "
                                           "fsync'ed); rerun the same command to resume",
                                           signal_name(sig), plan_.task, total - static_cast<int64_t>(todo.size() - b),
                                           total, log.path()));
      }
      const size_t e = std::min(todo.size(), b + static_cast<size_t>(o_.batch_size));
      std::vector<Pending*> batch;
      for (size_t i = b; i < e; ++i) batch.push_back(&todo[i]);
      run_batch(batch, log);
      for (Pending* p : batch) p->prepared = model::PreparedPrompt{};  // free the batch's embeddings
      progress.advance(static_cast<int64_t>(batch.size()));
    }
    progress.finish();
    return static_cast<int64_t>(todo.size());
  }

 private:
  Pending make_pending(size_t index) {
    Pending p;
    p.index = index;
    p.prompt_text = plan_.prompts[index];
    p.ids = plan_.ids[index];
    p.error = plan_.prompt_errors[index];
    p.fingerprint = plan_.fingerprints[index];
    return p;
  }

  // A sample-level failure: recorded (the run goes on), or under --strict the end of the run,
  // before anything is logged, so a rerun retries the sample.
  nlohmann::json fail(const Pending& p, const std::string& error) const {
    const data::Sample& s = plan_.samples[p.index];
    if (o_.strict) throw_error(ErrorCode::kInvalidArgument, "task {} sample {}: {} (--strict)", plan_.task, s.id, error);
    nlohmann::json r = base_record(s, p);
    r["error"] = error;
    return r;
  }

  void prepare(Pending& p) {
    const data::Sample& s = plan_.samples[p.index];
    std::optional<image::RgbImage> img;
    double decode_ms = 0;
    if (!s.images.empty()) {
      const auto t0 = Clock::now();
      const data::ImageRef& ref = s.images[0];
      image::DecodeOptions decode;
      decode.max_pixels = o_.max_image_pixels;
      img = ref.path.empty() ? image::decode_image(ref.bytes, ref.name, decode) : image::read_image(ref.path, decode);
      decode_ms = ms_since(t0);
    }
    p.prepared = model::prepare_prompt(vlm_, p.ids, img ? &*img : nullptr);
    if (img) model::add_time(p.prepared.times, "preprocess", decode_ms);  // file decoding counts as preprocessing
  }

  runtime::GenerateOptions generate_options() const {
    runtime::GenerateOptions gen;
    gen.max_new_tokens = plan_.max_new_tokens;
    gen.stop_ids = plan_.stop_ids;
    gen.sampling.temperature = 0.0;  // greedy, the benchmarks' setting
    gen.sampling.seed = o_.seed;
    gen.max_cache_bytes = o_.max_cache_bytes;
    gen.attention = model::parse_attention_impl(o_.attention);
    gen.decode_path = runtime::parse_decode_path(o_.decode_path);
    return gen;
  }

  nlohmann::json answer_record(const Pending& p, const runtime::SequenceOutput& out,
                               const runtime::GenerateTiming& timing) const {
    const data::Sample& s = plan_.samples[p.index];
    const std::string raw = model::decode_answer(vlm_, out.tokens);
    nlohmann::json r = base_record(s, p);
    r["resps"] = nlohmann::json::array({nlohmann::json::array({raw})});
    const nlohmann::json scores = score_one(plan_.task, s, raw, o_.profile);
    r["filtered_resps"] = nlohmann::json::array({scores.value("filtered", raw)});
    for (const auto& [k, v] : scores.items()) {
      if (k != "filtered") r[k] = v;
    }
    r["visual_tokens"] = {{"global", p.prepared.visual.global},
                          {"local_before", p.prepared.visual.local_before},
                          {"local_after", p.prepared.visual.local_after}};
    // prefill/decode are the batch's: what this sample waited for (equal to its own at batch 1).
    nlohmann::json timing_ms = nlohmann::json::object();
    for (const auto& [stage, ms] : p.prepared.times) timing_ms[stage] = ms;
    timing_ms["prefill"] = timing.prefill_ms;
    timing_ms["decode"] = timing.decode_ms;
    r["timing_ms"] = timing_ms;
    r["output_tokens"] = out.tokens.size();
    const double gen_s = (timing.prefill_ms + timing.decode_ms) / 1000.0;
    r["tokens_per_s"] = gen_s > 0 ? static_cast<double>(out.tokens.size()) / gen_s : 0.0;
    r["stop_reason"] = runtime::stop_reason_name(out.reason);
    return r;
  }

  // Records go to the log in sample order once the batch is done, so the log reads like the
  // task's order whatever failed where.
  void run_batch(const std::vector<Pending*>& batch, SampleLog& log) {
    std::vector<nlohmann::json> records(batch.size());
    std::vector<size_t> ready;  // positions in batch
    for (size_t i = 0; i < batch.size(); ++i) {
      Pending& p = *batch[i];
      const data::Sample& s = plan_.samples[p.index];
      if (!s.error.empty()) {
        records[i] = fail(p, s.error);  // the dataset already said why (missing_image: ...)
      } else if (!p.error.empty()) {
        records[i] = fail(p, p.error);
      } else {
        try {
          prepare(p);
          ready.push_back(i);
        } catch (const std::exception& ex) {
          records[i] = fail(p, error_text(ex));
        }
      }
    }
    if (!ready.empty()) {
      try {
        std::vector<model::PreparedPrompt> prompts;
        for (size_t i : ready) prompts.push_back(batch[i]->prepared);
        const runtime::GenerateResult result = model::generate_prepared(vlm_, prompts, generate_options());
        for (size_t k = 0; k < ready.size(); ++k)
          records[ready[k]] = answer_record(*batch[ready[k]], result.sequences.at(k), result.timing);
      } catch (const std::exception& ex) {
        // One bad sample must not take its batch with it: retry them one by one. Said once per
        // run, since it costs batching (a --max-kv-cache-mb too small for the batch lands here).
        if (ready.size() > 1 && !warned_batch_retry_) {
          fmt::print(stderr, "slime: warning: task {}: a batch of {} failed ({}); its samples run one by one\n",
                     plan_.task, ready.size(), error_text(ex));
          warned_batch_retry_ = true;
        }
        for (size_t i : ready) {
          try {
            if (ready.size() == 1) throw;
            const runtime::GenerateResult one = model::generate_prepared(vlm_, {batch[i]->prepared}, generate_options());
            records[i] = answer_record(*batch[i], one.sequences.at(0), one.timing);
          } catch (const std::exception& ex1) {
            records[i] = fail(*batch[i], error_text(ex1));
          }
        }
      }
    }
    for (const auto& r : records) log.append(r);
  }

  const EvalOptions& o_;
  model::Vlm& vlm_;
  TaskPlan& plan_;
  bool warned_batch_retry_ = false;  // the one-by-one retry of a failed batch was reported
};

void check_options(const EvalOptions& o) {
  if (o.model_dir.empty()) throw_error(ErrorCode::kInvalidArgument, "no model directory given (--model)");
  if (o.tasks.empty()) throw_error(ErrorCode::kInvalidArgument, "no task given (--tasks)");
  if (o.output_dir.empty()) throw_error(ErrorCode::kInvalidArgument, "no output directory given (--output)");
  if (o.batch_size < 1) throw_error(ErrorCode::kInvalidArgument, "batch size {} must be at least 1", o.batch_size);
  model::parse_attention_impl(o.attention);  // a wrong name fails here, not as an error per sample
  runtime::parse_decode_path(o.decode_path);
  if (o.shard_count < 1 || o.shard_index < 0 || o.shard_index >= o.shard_count)
    throw_error(ErrorCode::kInvalidArgument, "shard {}/{}: need 0 <= i < n", o.shard_index, o.shard_count);
  std::set<std::string> seen;
  for (const auto& t : o.tasks) {
    data::find_task(t);  // kNotFound listing the known names
    if (!seen.insert(t).second) throw_error(ErrorCode::kInvalidArgument, "task {} given twice", t);
  }
}

}  // namespace

nlohmann::json run_eval(const EvalOptions& options) {
  const auto t_start = Clock::now();
  const InterruptGuard interrupt_guard;  // SIGTERM/SIGINT: finish the batch, then Interrupted
  check_options(options);
  fs::create_directories(options.output_dir);
  // Datasets first: a wrong path fails in a second, not after loading a 7B model.
  std::vector<TaskPlan> plans;
  for (const auto& task : options.tasks) plans.push_back(load_task_plan(options, task));

  model::VlmLoadOptions load;
  load.device = model::parse_device(options.device);
  load.dtype = model::parse_dtype(options.dtype);
  load.overrides = options.overrides;
  model::Vlm vlm = model::load_vlm(options.model_dir, load);
  const text::Template tmpl =
      options.chat_template == "auto" ? text::default_template(*vlm.tokenizer) : text::parse_template(options.chat_template);
  const std::string model_fp =
      model_fingerprint(options.model_dir, (fs::path(options.output_dir) / "fingerprint_cache.json").string());
  for (TaskPlan& plan : plans) {
    finish_task_plan(plan, options, vlm, tmpl, model_fp);
    // A generation budget that alone fills the context fails every sample: refuse it now.
    const int64_t context = runtime::model_context(vlm.llm->config());
    if (context > 0 && plan.max_new_tokens >= context)
      throw_error(ErrorCode::kInvalidArgument,
                  "task {}: max_new_tokens {} leaves no room for a prompt in the model's context of {} tokens "
                  "(max_position_embeddings in {}/config.json)", plan.task, plan.max_new_tokens, context,
                  options.model_dir);
  }
  const nlohmann::json config = resolved_config(options, vlm, tmpl, model_fp, plans);

  std::vector<TaskOutcome> outcomes;
  for (TaskPlan& plan : plans) {
    const std::string log_path = (fs::path(options.output_dir) / log_file_name(plan.task, options.shard_index,
                                                                                options.shard_count)).string();
    {
      SampleLog log(log_path);
      if (log.repaired()) fmt::print(stderr, "{}: cut a torn last line (an earlier run was killed)\n", log_path);
      TaskRunner(options, vlm, plan).run(log);
    }
    // Results come from what the log holds, so a resumed run reads exactly what a fresh one wrote.
    outcomes.push_back(outcome_from_log(plan, read_log(log_path).records, log_path));
  }

  nlohmann::json environment = {{"versions", versions_json()}, {"device", vlm.device.str()}};
  nlohmann::json results = build_results(config, environment, outcomes);
  if (options.shard_count > 1) results["config"]["shard"] = {{"index", options.shard_index}, {"count", options.shard_count}};
  results["date"] = utc_now();
  results["total_seconds"] = ms_since(t_start) / 1000.0;
  write_file_atomic((fs::path(options.output_dir) / results_file_name(options.shard_index, options.shard_count)).string(),
                    results.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  // A shard is recorded once merged (merge_shards), not piecewise.
  if (options.shard_count == 1) record_in_history(options.db, options.output_dir);
  return results;
}

void record_in_history(const std::string& db, const std::string& run_dir) {
  if (db.empty()) return;
  try {
    const int64_t id = reports::record_run_id(db, run_dir);
    fmt::print(stderr, "slime: run recorded in {} as #{}\n", db, id);
  } catch (const Error& e) {  // the results are written; a history failure must not lose them
    fmt::print(stderr, "slime: warning: run not recorded in the history {}: {}\n", db, e.what());
  }
}

}  // namespace slime::suite
