// `slime train`: training SliME in LibTorch (issue 7; model.md §11). Public API of engine/train.
//
// A run trains the stages of a variant in sequence (alternating = 1a, 1b, 2, 3; e2e = one joint
// stage from the initial weights), each with its own AdamW + cosine schedule, each starting from
// the previous stage's weights. Outputs in OUT (see run_training). Files of this folder:
//   stages.*      freezing rules and forward configuration per stage
//   batch.*       samples -> prompt ids, answer ids, labels (-100 on prompt and image rows)
//   features.*    frozen-CLIP features per image, computed once and cached
//   forward.*     one sample's training forward (image block with training noise, splice, LLM)
//   loss.*        masked next-token cross-entropy
//   schedule.*    cosine schedule with linear warm-up (HF get_cosine_schedule_with_warmup)
//   optimizer.*   AdamW (torch's formula), fp32 master weights, global-norm clipping, state I/O
//   checkpoint.*  resumable training state (atomic) and the final model export
//   trainer.cpp   the loop
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace slime::train {

struct TrainOptions {
  std::string model_dir;            // a slime model directory (config.json, model.safetensors, tokenizer)
  std::string data_path;            // dataset path as `slime eval --data` takes it
  std::string task = "hires_detail";
  std::string split = "train";
  std::string variant = "e2e";      // e2e | alternating | stage=1a[,1b,2,3]
  int64_t steps = -1;               // optimizer steps per stage; -1: use epochs
  double epochs = 1.0;              // passes over the data per stage (when steps < 0)
  double lr = 1e-3;                 // SliME modules (projector, compressor; CLIP with --train-vision)
  double llm_lr = -1;               // LLM parameters; < 0: same as lr
  double warmup_ratio = 0.03;
  double weight_decay = 0.0;
  double clip_grad = 1.0;           // global L2 norm; <= 0: no clipping
  int64_t batch_size = 1;
  int64_t grad_accum = 1;
  std::string dtype = "fp32";       // fp32 | bf16 (bf16: bf16 model, fp32 master weights + AdamW state)
  std::string device = "cpu";
  uint64_t seed = 0;
  std::string llm = "full";         // full | frozen: whether stage 3 / e2e train the LLM
  bool train_vision = false;        // unfreeze CLIP (off: frozen and cached, as upstream)
  std::vector<std::string> overrides;  // config --set key=value
  std::string chat_template = "auto";
  int64_t max_samples = -1;         // first N samples of the split
  int64_t save_every = 0;           // checkpoint every N optimizer steps (0: at stage ends only)
  int64_t log_every = 1;            // progress line every N steps (train_log.jsonl gets every step)
  std::string out_dir;
  std::string save_dtype;           // "" = the source checkpoint's dtypes; fp32|fp16|bf16: every floating
                                    // tensor of the exported model in that dtype (not in the fingerprint:
                                    // it changes the file, not the training; a rerun re-exports)
  int64_t stop_after_steps = -1;    // hidden (tests): checkpoint and stop after this many global steps
  bool quiet = false;               // no progress lines on stdout
};

struct StageSummary {
  std::string stage;
  int64_t steps = 0;
  int64_t trainable_parameters = 0;
  double final_loss = 0;
  double seconds = 0;
};

struct TrainResult {
  std::string fingerprint;
  std::vector<StageSummary> stages;
  int64_t global_steps = 0;
  int64_t samples = 0;
  double seconds = 0;
  int64_t resumed_at_step = 0;  // global step the run resumed from (0: fresh)
  bool finished = false;        // false when stop_after_steps cut the run
};

// "e2e" -> {"e2e"}; "alternating" -> {"1a","1b","2","3"}; "stage=1b,2" -> {"1b","2"}.
// kInvalidArgument for anything else (unknown stage names, empty or repeated lists).
std::vector<std::string> parse_variant(const std::string& variant);

// The options that determine the result, as JSON (what the fingerprint hashes).
nlohmann::json options_json(const TrainOptions& options);

// Trains and writes OUT: config.json + model.safetensors + tokenizer files (the final model, loadable
// by model::load_vlm), train_log.jsonl, train_summary.json, checkpoint/. Resumes when OUT holds a
// checkpoint of the same fingerprint; a different fingerprint is kInvalidArgument.
TrainResult run_training(const TrainOptions& options);

}  // namespace slime::train
