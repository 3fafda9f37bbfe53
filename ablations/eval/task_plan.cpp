#include "ablations/eval/task_plan.h"

#include <unordered_map>

#include "ablations/eval/fingerprint.h"
#include "datasets/formats/sha256.h"
#include "engine/common/error.h"

namespace slime::suite {

std::string sample_error_text(const std::exception& e) {
  if (const auto* se = dynamic_cast<const Error*>(&e)) return std::string(error_code_name(se->code())) + ": " + se->what();
  return std::string("internal: ") + e.what();
}

std::string data_path_for(const std::map<std::string, std::string>& data, const std::string& task) {
  if (auto it = data.find(task); it != data.end()) return it->second;
  if (auto it = data.find(""); it != data.end()) return it->second;
  throw_error(ErrorCode::kInvalidArgument, "no dataset for task {} (give --data {}=PATH)", task, task);
}

std::vector<data::Sample> load_samples(const std::string& task, const std::string& path, const std::string& split,
                                       int64_t limit, int shard_index, int shard_count, data::DatasetInfo* info) {
  data::LoadOptions opt;
  opt.path = path;
  opt.split = split;
  std::vector<data::Sample> out;
  int64_t index = 0;
  // Streamed: only this shard's samples are kept, and loading stops counting at the limit.
  *info = data::load_task(task, opt, [&](data::Sample&& s) {
    const int64_t i = index++;
    if (limit >= 0 && i >= limit) return;
    if (i % shard_count == shard_index) out.push_back(std::move(s));
  });
  return out;
}

TaskPlan load_task_plan(const EvalOptions& options, const std::string& task) {
  TaskPlan plan;
  plan.task = task;
  plan.spec = &data::find_task(task);
  plan.data_path = data_path_for(options.data, task);
  plan.samples = load_samples(task, plan.data_path, options.split, options.limit, options.shard_index,
                              options.shard_count, &plan.info);
  plan.max_new_tokens = options.max_new_tokens > 0 ? options.max_new_tokens : plan.spec->max_new_tokens;
  return plan;
}

nlohmann::json prompt_key(const std::string& doc_id, const std::string& input) {
  return {{"doc_id", doc_id}, {"input", input}};
}

void finish_task_plan(TaskPlan& plan, const EvalOptions& options, const model::Vlm& vlm, text::Template tmpl,
                      const std::string& model_fp) {
  plan.model_fingerprint = model_fp;
  plan.stop_ids = model::stop_ids_for(vlm, tmpl);
  plan.task_config = {{"task", plan.task},
                      {"dataset_hash", plan.info.content_hash},
                      {"split", options.split},
                      {"profile", options.profile},
                      {"template", text::template_name(tmpl)}};
  plan.generation_config = {{"max_new_tokens", plan.max_new_tokens},
                            {"stop_ids", plan.stop_ids},
                            {"greedy", true},
                            {"dtype", model::dtype_name(vlm.dtype)},
                            {"vision_dtype", model::dtype_name(vlm.vision_dtype)},
                            {"device_type", vlm.device.is_cuda() ? "cuda" : "cpu"},
                            {"model_config_sha256", data::sha256_hex(vlm.config.raw.dump())}};
  const size_t n = plan.samples.size();
  plan.prompts.assign(n, "");
  plan.prompt_errors.assign(n, "");
  plan.ids.assign(n, {});
  plan.fingerprints.assign(n, "");
  for (size_t i = 0; i < n; ++i) {
    const data::Sample& s = plan.samples[i];
    if (s.error.empty()) {
      try {
        if (s.images.size() > 1)
          throw_error(ErrorCode::kUnsupported, "sample {} of {} has {} images; the engine takes one", s.id, plan.task,
                      s.images.size());
        model::QuestionPrompt q = model::build_question_prompt(vlm, tmpl, plan.spec->prompt(s), !s.images.empty());
        plan.prompts[i] = std::move(q.text);
        plan.ids[i] = std::move(q.ids);
      } catch (const std::exception& e) {
        plan.prompt_errors[i] = sample_error_text(e);
      }
    }
    plan.fingerprints[i] = sample_fingerprint(model_fp, plan.task_config, prompt_key(s.id, plan.prompts[i]),
                                              plan.generation_config);
  }
}

nlohmann::json resolved_config(const EvalOptions& options, const model::Vlm& vlm, text::Template tmpl,
                               const std::string& model_fp, const std::vector<TaskPlan>& plans) {
  nlohmann::json tasks = nlohmann::json::object();
  for (const TaskPlan& p : plans) {
    tasks[p.task] = {{"data", p.data_path},
                     {"dataset", {{"format", p.info.format},
                                  {"content_hash", p.info.content_hash},
                                  {"files", p.info.files.size()},
                                  {"total", p.info.total},
                                  {"filtered", p.info.filtered},
                                  {"errors", p.info.errors}}},
                     {"max_new_tokens", p.max_new_tokens},
                     {"max_new_tokens_source",
                      options.max_new_tokens > 0 ? std::string("--max-new-tokens") : p.spec->max_new_tokens_source},
                     {"task_config", p.task_config},
                     {"generation_config", p.generation_config}};
  }
  return {{"model", {{"path", options.model_dir},
                     {"fingerprint", model_fp},
                     {"kind", io::model_kind_name(vlm.config.kind)},
                     {"config", vlm.config.raw}}},
          {"tasks", tasks},
          {"task_order", options.tasks},
          {"overrides", options.overrides},
          {"device", options.device},
          {"dtype", options.dtype},
          {"template", text::template_name(tmpl)},
          {"batch_size", options.batch_size},
          {"attention", options.attention},
          {"decode", options.decode_path},
          {"limit", options.limit},
          {"split", options.split},
          {"profile", options.profile},
          {"max_new_tokens", options.max_new_tokens},
          {"seeds", {{"sampling", options.seed}}},
          {"greedy", true}};
}

std::vector<nlohmann::json> pick_records(const std::vector<data::Sample>& samples,
                                         const std::vector<std::string>& fingerprints,
                                         const std::vector<nlohmann::json>& records, const std::string& log_path) {
  std::unordered_map<std::string, const nlohmann::json*> by_fp;
  for (const auto& r : records) by_fp.emplace(r.value("fingerprint", ""), &r);  // first one wins
  std::vector<nlohmann::json> out;
  out.reserve(samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    auto it = by_fp.find(fingerprints[i]);
    if (it == by_fp.end())
      throw_error(ErrorCode::kInvalidArgument, "{}: no record for sample {} (the run that writes it has not finished)",
                  log_path, samples[i].id);
    out.push_back(*it->second);
  }
  return out;
}

TaskOutcome outcome_from_log(const TaskPlan& plan, const std::vector<nlohmann::json>& records, const std::string& log_path) {
  TaskOutcome out;
  out.task = plan.task;
  out.profile = plan.task_config.value("profile", "");
  out.samples = plan.samples;
  out.records = pick_records(plan.samples, plan.fingerprints, records, log_path);
  return out;
}

}  // namespace slime::suite
