// The real trainer of ablation specs' training recipes (ablate.h TrainRunner): init-model (recipe
// "base") or a given model ("from"), then engine/train's run_training into the job's model dir.
#pragma once
#include <nlohmann/json.hpp>

#include "ablations/spec.h"
#include "engine/train/train.h"

namespace slime::ablations {

// The TrainOptions of a recipe (spec.h): data, task, split, variant and the "args" object, whose
// keys are TrainOptions' CLI names with '_' for '-' (epochs, steps, lr, llm_lr, warmup_ratio,
// weight_decay, clip_grad, batch_size, grad_accum, dtype, device, seed, llm, train_vision,
// max_samples, save_every, chat_template, set: {key: value}). kInvalidArgument names a bad key.
train::TrainOptions train_options_from_recipe(const TrainJob& job, const std::string& init_dir);

// Writes the base model to MODEL_DIR/init (when the recipe has "base"; deterministic, so an
// existing one is reused), trains into MODEL_DIR (resuming a killed run; a finished run is
// reused), and returns train_summary.json's content.
nlohmann::json run_train_job(const TrainJob& job);

}  // namespace slime::ablations
