#include "ablations/train_job.h"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "ablations/ablate.h"
#include "engine/common/error.h"
#include "engine/model/init_model.h"

namespace slime::ablations {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

[[noreturn]] void bad(const TrainJob& job, const std::string& key, const std::string& why) {
  throw_error(ErrorCode::kInvalidArgument, "training recipe of {}: key '{}': {}", job.label, key, why);
}

double number(const TrainJob& job, const std::string& key, const json& v) {
  if (!v.is_number()) bad(job, key, "expected a number, got " + v.dump());
  return v.get<double>();
}

int64_t integer(const TrainJob& job, const std::string& key, const json& v) {
  if (!v.is_number_integer()) bad(job, key, "expected an integer, got " + v.dump());
  return v.get<int64_t>();
}

std::string text(const TrainJob& job, const std::string& key, const json& v) {
  if (!v.is_string()) bad(job, key, "expected a string, got " + v.dump());
  return v.get<std::string>();
}

}  // namespace

train::TrainOptions train_options_from_recipe(const TrainJob& job, const std::string& init_dir) {
  const json& r = job.recipe;
  train::TrainOptions o;
  o.model_dir = r.contains("from") ? r["from"].get<std::string>() : init_dir;
  o.data_path = text(job, "data", r.at("data"));
  if (r.contains("task")) o.task = text(job, "task", r["task"]);
  if (r.contains("split")) o.split = text(job, "split", r["split"]);
  o.variant = text(job, "variant", r.at("variant"));
  o.out_dir = job.model_dir;
  o.quiet = true;
  const json args = r.value("args", json::object());
  for (const auto& [k, v] : args.items()) {
    const std::string key = "args." + k;
    if (k == "epochs") o.epochs = number(job, key, v);
    else if (k == "steps") o.steps = integer(job, key, v);
    else if (k == "lr") o.lr = number(job, key, v);
    else if (k == "llm_lr") o.llm_lr = number(job, key, v);
    else if (k == "warmup_ratio") o.warmup_ratio = number(job, key, v);
    else if (k == "weight_decay") o.weight_decay = number(job, key, v);
    else if (k == "clip_grad") o.clip_grad = number(job, key, v);
    else if (k == "batch_size") o.batch_size = integer(job, key, v);
    else if (k == "grad_accum") o.grad_accum = integer(job, key, v);
    else if (k == "dtype") o.dtype = text(job, key, v);
    else if (k == "device") o.device = text(job, key, v);
    else if (k == "seed") o.seed = static_cast<uint64_t>(integer(job, key, v));
    else if (k == "llm") o.llm = text(job, key, v);
    else if (k == "train_vision") {
      if (!v.is_boolean()) bad(job, key, "expected true or false, got " + v.dump());
      o.train_vision = v.get<bool>();
    } else if (k == "max_samples") o.max_samples = integer(job, key, v);
    else if (k == "save_every") o.save_every = integer(job, key, v);
    else if (k == "chat_template") o.chat_template = text(job, key, v);
    else if (k == "set") {
      if (!v.is_object()) bad(job, key, "expected an object of config keys, got " + v.dump());
      for (const auto& [sk, sv] : v.items())
        o.overrides.push_back(sk + "=" + (sv.is_string() ? sv.get<std::string>() : sv.dump()));
    } else {
      bad(job, key,
          "unknown option (epochs, steps, lr, llm_lr, warmup_ratio, weight_decay, clip_grad, batch_size, "
          "grad_accum, dtype, device, seed, llm, train_vision, max_samples, save_every, chat_template, set)");
    }
  }
  return o;
}

json run_train_job(const TrainJob& job) {
  const fs::path init_dir = fs::path(job.model_dir) / "init";
  if (job.recipe.contains("base")) {
    const json& base = job.recipe["base"];
    model::InitModelOptions init;
    init.out_dir = init_dir.string();
    init.tokenizer_dir = "tests/data/tokenizers/llama2";
    for (const auto& [k, v] : base.items()) {
      const std::string key = "base." + k;
      if (k == "kind") init.kind = model::parse_init_kind(text(job, key, v));
      else if (k == "preset") init.preset = text(job, key, v);
      else if (k == "seed") init.seed = static_cast<uint64_t>(integer(job, key, v));
      else if (k == "tokenizer") init.tokenizer_dir = text(job, key, v);
      else if (k == "shape") {
        if (!v.is_object()) bad(job, key, "expected {size key: integer}, got " + v.dump());
        for (const auto& [sk, sv] : v.items()) init.shape.push_back(fmt::format("{}={}", sk, integer(job, key + "." + sk, sv)));
      } else {
        bad(job, key, "unknown option (kind, preset, seed, tokenizer, shape)");
      }
    }
    // init-model is deterministic: an existing base from the same options is the same bytes.
    const json written = read_json_or_null(init_dir / "config.json");
    if (!written.is_object() || written.value("init_model", json::object()) != model::init_model_config(init).value("init_model", json::object()))
      model::init_model(init);
  }
  train::run_training(train_options_from_recipe(job, init_dir.string()));
  const fs::path summary = fs::path(job.model_dir) / "train_summary.json";
  json s = read_json_or_null(summary);
  if (!s.is_object()) throw_error(ErrorCode::kIo, "{}: training finished without a readable summary", summary.string());
  return s;
}

}  // namespace slime::ablations
