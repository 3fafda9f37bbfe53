// Resumable training state in OUT/checkpoint/ and the final model export.
//
// checkpoint/ holds state.json (fingerprint, stage index, steps done in the stage, global step,
// finished stages' summaries, elapsed seconds), model.safetensors (every parameter a stage of this
// run may change, at the model's dtype: CLIP only with --train-vision) and optimizer.safetensors
// (AdamW moments and fp32 masters). It is written to checkpoint.tmp/ and renamed into place
// (the previous one is moved to checkpoint.old/ first and removed after), so a kill at any moment
// leaves one complete checkpoint; a leftover checkpoint.old/ is used when checkpoint/ is missing.
// No RNG state is stored: every random draw is a function of (seed, stage, step, sample) (see
// trainer.cpp), which is what makes a resumed run bit-identical.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include "engine/model/vlm.h"

namespace slime::train {

using NamedTensorList = std::vector<std::pair<std::string, at::Tensor>>;

struct Checkpoint {
  nlohmann::json state;
  NamedTensorList model, optimizer;
};

void save_checkpoint(const std::string& out_dir, const Checkpoint& checkpoint);
// The newest complete checkpoint under OUT_DIR, if any (kFormat for a damaged one).
std::optional<Checkpoint> load_checkpoint(const std::string& out_dir);

// Copies NAMED tensors into VLM's parameters of the same checkpoint key (kFormat for an unknown key).
void restore_parameters(model::Vlm& vlm, const NamedTensorList& named);

// Writes OUT_DIR/config.json (the source config with the run's --set overrides), model.safetensors
// (every tensor of the source checkpoint, module parameters replaced by VLM's current values in
// the source's dtype, or SAVE_DTYPE for every floating tensor when given; the same keys, so
// model::load_vlm loads it) and the tokenizer files.
void export_model(const model::Vlm& vlm, const std::string& source_dir, const std::string& out_dir,
                  std::optional<at::ScalarType> save_dtype = std::nullopt);

}  // namespace slime::train
