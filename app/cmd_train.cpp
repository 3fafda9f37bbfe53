// slime train: train SliME's modules (and optionally the LLM) per stage (engine/train/train.h does
// the work; this file only turns flags into TrainOptions).
#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "engine/train/train.h"

namespace slime::cli {

void register_train(CLI::App& app) {
  auto o = std::make_shared<train::TrainOptions>();
  auto* cmd = app.add_subcommand("train", "Train SliME: e2e, alternating stages 1a/1b/2/3, or chosen stages (resumable)");
  cmd->footer(R"(Stages (model.md §11): 1a MLP expert, global tokens only; 1b resampler expert (MLP frozen);
2 local compressor alone, local tokens only, gamma 1.0; 3 everything jointly (LLM per --llm, CLIP frozen
unless --train-vision). e2e = stage 3 from the initial weights; alternating = 1a,1b,2,3.
Output (--out DIR): config.json + model.safetensors + tokenizer files (loadable by slime eval),
train_log.jsonl (one line per optimizer step), train_summary.json, checkpoint/ (resume state).
Rerunning the same command resumes from DIR/checkpoint; other options are refused.
Example: slime train --model models/tiny --data data/hires --variant alternating --steps 50 --out runs/alt)");
  cmd->add_option("--model", o->model_dir, "initial slime model directory")->required();
  cmd->add_option("--data", o->data_path, "dataset path (as slime eval --data)")->required();
  cmd->add_option("--task", o->task, "task whose prompts and answers are trained on (default hires_detail)");
  cmd->add_option("--split", o->split, "dataset split (default train)");
  cmd->add_option("--variant", o->variant, "e2e | alternating | stage=1a[,1b,2,3] (default e2e)");
  auto* steps = cmd->add_option("--steps", o->steps, "optimizer steps per stage")->check(CLI::PositiveNumber);
  cmd->add_option("--epochs", o->epochs, "epochs per stage (default 1)")->excludes(steps);
  cmd->add_option("--lr", o->lr, "peak learning rate (default 1e-3)");
  cmd->add_option("--llm-lr", o->llm_lr, "peak learning rate of the LLM (default: --lr)");
  cmd->add_option("--warmup-ratio", o->warmup_ratio, "linear warm-up share of each stage's steps (default 0.03)");
  cmd->add_option("--weight-decay", o->weight_decay, "AdamW weight decay (default 0)");
  cmd->add_option("--clip-grad", o->clip_grad, "global gradient-norm clip, 0 = off (default 1.0)");
  cmd->add_option("--batch-size", o->batch_size, "samples per micro-batch (default 1)")->check(CLI::PositiveNumber);
  cmd->add_option("--grad-accum", o->grad_accum, "micro-batches per optimizer step (default 1)")->check(CLI::PositiveNumber);
  cmd->add_option("--dtype", o->dtype, "fp32 | bf16 (bf16 keeps fp32 master weights)")->check(CLI::IsMember({"fp32", "bf16"}));
  cmd->add_option("--device", o->device, "cpu | cuda | cuda:N (default cpu)");
  cmd->add_option("--seed", o->seed, "data order and noise seed (default 0)");
  cmd->add_option("--llm", o->llm, "full | frozen: whether stage 3 / e2e train the LLM")->check(CLI::IsMember({"full", "frozen"}));
  cmd->add_flag("--train-vision", o->train_vision, "train the CLIP tower too (default frozen, as upstream)");
  cmd->add_option("--save-every", o->save_every, "checkpoint every N steps (default: at stage ends)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--set", o->overrides, "config override key=value (repeatable), e.g. --set mm_resampler_topp=0.5");
  cmd->add_option("--template", o->chat_template, "vicuna_v1 | llama3 | plain | auto (from the tokenizer)");
  cmd->add_option("--max-samples", o->max_samples, "train on the first N samples of the split");
  cmd->add_option("--save-dtype", o->save_dtype, "fp32 | fp16 | bf16: dtype of the exported model's floating tensors (default: the source's)")
      ->check(CLI::IsMember({"fp32", "fp16", "bf16"}));
  cmd->add_option("--log-every", o->log_every, "progress line every N steps (default 1)");
  cmd->add_option("--out", o->out_dir, "output directory")->required();
  // Tests only: checkpoint and stop after N global steps (a deterministic stand-in for a kill).
  cmd->add_option("--stop-after-steps", o->stop_after_steps)->group("");
  cmd->add_flag("--quiet", o->quiet, "no progress lines");
  cmd->callback([o] {
    const train::TrainResult r = train::run_training(*o);
    nlohmann::json j = {{"fingerprint", r.fingerprint}, {"global_steps", r.global_steps}, {"samples", r.samples},
                        {"seconds", r.seconds},         {"finished", r.finished},         {"resumed_at_step", r.resumed_at_step},
                        {"out", o->out_dir}};
    fmt::print("{}\n", j.dump());
  });
}

}  // namespace slime::cli
