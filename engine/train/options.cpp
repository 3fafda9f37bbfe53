// parse_variant and the fingerprinted view of TrainOptions (train.h).
#include <algorithm>

#include "engine/common/error.h"
#include "engine/train/train.h"

namespace slime::train {

std::vector<std::string> parse_variant(const std::string& variant) {
  if (variant == "e2e") return {"e2e"};
  if (variant == "alternating") return {"1a", "1b", "2", "3"};
  const std::string prefix = "stage=";
  if (variant.compare(0, prefix.size(), prefix) != 0)
    throw_error(ErrorCode::kInvalidArgument, "--variant '{}': expected e2e, alternating or stage=1a[,1b,2,3]", variant);
  std::vector<std::string> stages;
  size_t start = prefix.size();
  while (true) {
    const size_t comma = variant.find(',', start);
    const std::string name = variant.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (name != "1a" && name != "1b" && name != "2" && name != "3")
      throw_error(ErrorCode::kInvalidArgument, "--variant '{}': unknown stage '{}' (1a, 1b, 2, 3)", variant, name);
    if (std::find(stages.begin(), stages.end(), name) != stages.end())
      throw_error(ErrorCode::kInvalidArgument, "--variant '{}': stage '{}' given twice", variant, name);
    stages.push_back(name);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return stages;
}

nlohmann::json options_json(const TrainOptions& o) {
  // Everything that changes the weights; not out_dir, save_every, log_every, stop_after_steps, quiet.
  return {{"task", o.task},
          {"split", o.split},
          {"variant", o.variant},
          {"stages", parse_variant(o.variant)},
          {"steps", o.steps},
          {"epochs", o.epochs},
          {"lr", o.lr},
          {"llm_lr", o.llm_lr < 0 ? o.lr : o.llm_lr},
          {"warmup_ratio", o.warmup_ratio},
          {"weight_decay", o.weight_decay},
          {"clip_grad", o.clip_grad},
          {"batch_size", o.batch_size},
          {"grad_accum", o.grad_accum},
          {"dtype", o.dtype},
          {"device", o.device},
          {"seed", o.seed},
          {"llm", o.llm},
          {"train_vision", o.train_vision},
          {"overrides", o.overrides},
          {"chat_template", o.chat_template},
          {"max_samples", o.max_samples}};
}

}  // namespace slime::train
