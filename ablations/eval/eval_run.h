// One evaluation run (`slime eval`): a model directory on a list of tasks, every sample through the
// engine (model::prepare_prompt + generate), its answer scored by the evaluators, written as it goes
// to an append-only per-sample log, then aggregated into results.json. An ablation cell (ablations/ablate.h)
// is one such run with its own knobs. Library code: the CLI only parses flags into EvalOptions.
//
// Output directory (OUT):
//   OUT/samples_<task>.jsonl   one JSON object per line, appended and fsync'ed per sample:
//       doc_id, input (the prompt text), target, resps [[raw answer]], filtered_resps [what was scored],
//       one key per metric (the scorer's per-sample keys), visual_tokens {global, local_before,
//       local_after}, timing_ms {preprocess, vision, adapters, compress, select, prefill, decode},
//       output_tokens, error (absent when none), fingerprint (sha256 of model fingerprint + task
//       config + prompt + generation config: the resume key). lmms-eval names where they overlap.
//   OUT/results.json           results {task: {metric: value, ...subtasks}}, config (resolved knobs,
//       model path + weight fingerprint, dataset hashes, scorer profile + rule versions, seeds, batch
//       size, shard), versions (slime, git commit, LibTorch, CUDA, OpenCV), device, latency {stage:
//       {p50, p90, p99}}, n_samples {total, scored, errors: {type: n}}, date, total_seconds.
// Resume: rerunning the same command skips samples whose fingerprint is already in the log (a torn
// last line is detected and dropped); the final results.json equals an uninterrupted run's, apart
// from date / total_seconds / latency.
// Sharding: shard i of n takes the samples with (index in the task's order) % n == i and writes
// OUT/samples_<task>.shard-<i>-of-<n>.jsonl; merge_shards() rebuilds the single-run log order and
// results.json from them.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/image/decode.h"

namespace slime::suite {

struct EvalOptions {
  std::string model_dir;
  std::vector<std::string> tasks;
  std::map<std::string, std::string> data;  // task -> dataset path (file or folder)
  std::string split;                        // for slime-jsonl datasets (hires-detail: test)
  int64_t limit = -1;                       // first N samples per task (-1: all)
  std::string output_dir;
  int64_t batch_size = 1;
  std::string device = "cpu";
  std::string dtype = "fp32";
  std::vector<std::string> overrides;  // --set key=value (config.json knobs)
  std::string profile;                 // scorer profile; empty = each task's default
  std::string chat_template = "auto";
  int64_t max_new_tokens = -1;         // -1: the task's upstream value
  int shard_index = 0, shard_count = 1;
  bool strict = false;                 // a sample error fails the run
  bool progress = false;               // progress on stderr (count, rate, ETA)
  std::string db;                      // run-history database ("" = none; reports/history.h)
  // Untrusted-input limits: image width x height (decompression bombs; image/decode.h default) and
  // the KV cache of one batch (runtime::GenerateOptions::max_cache_bytes; -1 default, 0 none).
  int64_t max_image_pixels = image::kDefaultMaxPixels;
  int64_t max_cache_bytes = -1;
  uint64_t seed = 0;
  // Generation fast paths by name (model::AttentionImpl: auto | eager | sdpa; runtime::DecodePath:
  // auto | reference | static | graph; `slime eval --attention / --decode`). Recorded in
  // results.json's config; like the batch size, not part of a sample's fingerprint.
  std::string attention = "auto";
  std::string decode_path = "auto";
};

// Runs (or resumes) the evaluation and returns results.json's content. Throws slime::Error for
// setup failures (model, dataset, output dir); per-sample failures are recorded in the sample's
// `error` and counted, unless strict. After SIGTERM/SIGINT it finishes the batch in flight and
// throws Interrupted (interrupt.h).
nlohmann::json run_eval(const EvalOptions& options);

// Combines the shard logs under OUTPUT_DIR (written by runs with shard_count = n) into the
// single-run samples_<task>.jsonl files and results.json; returns results.json's content.
nlohmann::json merge_shards(const std::string& output_dir, const std::string& db = "");

// Records RUN_DIR (its results.json) in the run-history database DB (reports/history.h); "" = no
// history. A failure is a warning on stderr, never an error: the results are already written.
void record_in_history(const std::string& db, const std::string& run_dir);

// Shard from the environment of common launchers: SLURM_PROCID/SLURM_NTASKS, OMPI_COMM_WORLD_RANK/
// OMPI_COMM_WORLD_SIZE, RANK/WORLD_SIZE (torchrun); {0, 1} when none is set.
std::pair<int, int> shard_from_environment();

}  // namespace slime::suite
