// slime eval: evaluate a model on benchmark tasks (ablations/eval/eval_run.h does the work; this
// file only turns flags into EvalOptions). Flag names follow lmms-eval where it has one
// (--tasks, --limit, --batch-size, --device, --log-samples, --output).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ablations/eval/eval_run.h"
#include "app/commands.h"
#include "app/fast_paths.h"
#include "reports/history.h"
#include "datasets/registry.h"
#include "engine/common/error.h"

namespace slime::cli {
namespace {

struct EvalFlags {
  suite::EvalOptions options;
  std::string tasks, shard;
  std::vector<std::string> data;
  bool log_samples = false, progress = false, no_progress = false, no_history = false;
  int64_t max_kv_cache_mb = -1;
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    const std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// "i/n" -> {i, n}.
std::pair<int, int> parse_shard(const std::string& s) {
  const size_t slash = s.find('/');
  const auto digits = [](const std::string& t) { return !t.empty() && t.size() < 9 && t.find_first_not_of("0123456789") == std::string::npos; };
  if (slash == std::string::npos || !digits(s.substr(0, slash)) || !digits(s.substr(slash + 1)))
    throw_error(ErrorCode::kInvalidArgument, "--shard '{}': expected i/n, e.g. 0/2", s);
  const int i = std::stoi(s.substr(0, slash)), n = std::stoi(s.substr(slash + 1));
  if (n < 1 || i >= n) throw_error(ErrorCode::kInvalidArgument, "--shard '{}': need 0 <= i < n", s);
  return {i, n};
}

void run(EvalFlags& f) {
  suite::EvalOptions o = f.options;
  o.tasks = split_list(f.tasks);
  // --data TASK=PATH per task, or one bare --data PATH for every task. A path may hold '=', so
  // only a prefix that names a registered task is taken as TASK.
  for (const auto& d : f.data) {
    const size_t eq = d.find('=');
    const std::string key = eq == std::string::npos ? "" : d.substr(0, eq);
    bool is_task = false;
    for (const auto& t : data::all_tasks()) is_task = is_task || t.name == key;
    if (is_task) o.data[key] = d.substr(eq + 1);
    else if (o.data.count("")) throw_error(ErrorCode::kInvalidArgument, "--data given twice without TASK= ('{}')", d);
    else o.data[""] = d;
  }
  if (!f.shard.empty()) std::tie(o.shard_index, o.shard_count) = parse_shard(f.shard);
  else std::tie(o.shard_index, o.shard_count) = suite::shard_from_environment();
  o.progress = f.progress || (!f.no_progress && ::isatty(STDERR_FILENO));
  if (f.no_history) o.db.clear();
  if (f.max_kv_cache_mb >= 0) o.max_cache_bytes = f.max_kv_cache_mb << 20;
  // SIGTERM/SIGINT: run_eval throws suite::Interrupted, which main() turns into exit 128 + signo.
  const nlohmann::json results = suite::run_eval(o);
  // The per-sample log is always written (resume needs it); --log-samples is accepted for
  // lmms-eval command lines.
  for (const auto& [task, metrics] : results.at("results").items()) fmt::print("{}: {}\n", task, metrics.dump());
  const auto& n = results.at("n_samples");
  fmt::print("samples: {} total, {} scored, errors {}\n", n.at("total").get<int64_t>(), n.at("scored").get<int64_t>(),
             n.at("errors").dump());
}

}  // namespace

void register_eval(CLI::App& app) {
  auto f = std::make_shared<EvalFlags>();
  suite::EvalOptions& o = f->options;
  o.output_dir = "eval_out";
  auto* cmd = app.add_subcommand("eval", "Evaluate a model on benchmark tasks (resumable, shardable)");
  cmd->footer(R"(Output (--output DIR):
  DIR/samples_<task>.jsonl  one line per sample, appended and fsync'ed as it is answered: doc_id,
                            input, target, resps, filtered_resps, per-metric scores, visual_tokens,
                            timing_ms, output_tokens, tokens_per_s, error, fingerprint
  DIR/results.json          metrics per task, resolved config, model fingerprint, dataset hashes,
                            scorer profiles and rule versions, versions, latency p50/p90/p99
Resume: rerun the same command after a crash or kill; samples already in the log are skipped.
SIGTERM/SIGINT: the batch in flight is finished and logged, then exit status 128+signal (143/130);
a second signal kills at once. A write error (disk full) names the file and exits 4 (io).
Shards: --shard i/n (or Slurm SLURM_PROCID/SLURM_NTASKS, Open MPI OMPI_COMM_WORLD_RANK/SIZE,
torchrun RANK/WORLD_SIZE) writes samples_<task>.shard-i-of-n.jsonl + results.shard-i-of-n.json;
then `slime merge DIR` writes the single-run files.
  sbatch:  #SBATCH --ntasks=4
           srun slime eval --model M --tasks hires_detail --data D --output runs/x
           slime merge runs/x
  mpirun:  mpirun -np 2 slime eval --model M --tasks hires_detail --data D --output runs/x
           slime merge runs/x
Example: slime eval --model models/tiny --tasks hires_detail --data data/hires --split test --limit 50)");
  cmd->add_option("--model", o.model_dir, "model directory (config.json, safetensors, tokenizer)")->required();
  cmd->add_option("--tasks", f->tasks, "comma-separated task names, e.g. hires_detail,mme")->required();
  cmd->add_option("--data", f->data, "dataset path: TASK=PATH per task, or PATH for all tasks (repeatable)");
  cmd->add_option("--split", o.split, "split of slime-jsonl datasets (default: test)");
  cmd->add_option("--limit", o.limit, "evaluate the first N samples of each task");
  cmd->add_option("--output", o.output_dir, "output directory (default: eval_out)");
  cmd->add_option("--batch-size", o.batch_size, "samples generated together (greedy outputs do not change)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--device", o.device, "cpu | cuda | cuda:N");
  cmd->add_option("--dtype", o.dtype, "fp32 | bf16 | fp16");
  cmd->add_option("--set", o.overrides, "config override key=value (repeatable), e.g. --set mm_resampler_topp=0.5");
  cmd->add_option("--profile", o.profile, "scorer profile (default: each task's own)");
  cmd->add_option("--template", o.chat_template, "vicuna_v1 | llama3 | plain | auto (from the tokenizer)");
  cmd->add_option("--max-new-tokens", o.max_new_tokens, "override every task's generation budget")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--shard", f->shard, "i/n: evaluate shard i of n (default: from the launcher's environment)");
  cmd->add_option("--seed", o.seed, "seed (recorded; generation is greedy)");
  cmd->add_option("--max-image-pixels", o.max_image_pixels,
                  "refuse images of more pixels (decompression bombs; default 178956970, Pillow's bound)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-kv-cache-mb", f->max_kv_cache_mb,
                  "refuse a batch whose KV cache would need more MiB (default: half the RAM on the CPU; 0: no limit)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  add_fast_path_flags(cmd, &o.attention, &o.decode_path);
  cmd->add_flag("--strict", o.strict, "fail on the first sample error instead of recording it");
  cmd->add_flag("--log-samples", f->log_samples, "accepted for lmms-eval compatibility (samples are always logged)");
  cmd->add_flag("--progress", f->progress, "progress on stderr even when it is not a terminal");
  cmd->add_flag("--no-progress", f->no_progress, "no progress line, even on a terminal");
  o.db = reports::default_history_db();
  cmd->add_option("--db", o.db, "run-history database the run is recorded in (reports; default ~/.local/share/slime/runs.db)");
  cmd->add_flag("--no-history", f->no_history, "do not record the run in the history");
  cmd->callback([f] { run(*f); });
}

}  // namespace slime::cli
