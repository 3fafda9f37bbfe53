// slime init-model: a seeded random SliME / LLaVA checkpoint (config.json, model.safetensors and
// the tokenizer files) for tests and benchmarks without released weights.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "engine/model/init_model.h"

namespace slime::cli {
namespace {

struct InitModelFlags {
  std::string kind = "slime";
  std::string preset = "tiny";
  uint64_t seed = 0;
  std::string out;
  std::string tokenizer = "tests/data/tokenizers/llama2";
  std::vector<std::string> shape;
};

void run_init_model(const InitModelFlags& f) {
  model::InitModelOptions o;
  o.kind = model::parse_init_kind(f.kind);
  o.preset = f.preset;
  o.seed = f.seed;
  o.out_dir = f.out;
  o.tokenizer_dir = f.tokenizer;
  o.shape = f.shape;
  const model::InitModelReport r = model::init_model(o);
  const nlohmann::json out = {{"kind", f.kind},           {"preset", f.preset}, {"shape", f.shape},
                              {"seed", f.seed},           {"config", r.config_path},
                              {"weights", r.weights_path}, {"tensors", r.tensors},
                              {"parameters", r.parameters}, {"vocab_size", r.vocab_size},
                              {"seperator", r.seperator >= 0 ? nlohmann::json(r.seperator) : nlohmann::json(nullptr)}, {"tokenizer_files", r.copied}};
  fmt::print("{}\n", out.dump(2));
}

}  // namespace

void register_init_model(CLI::App& app) {
  auto flags = std::make_shared<InitModelFlags>();
  auto* cmd = app.add_subcommand("init-model", "Write a seeded random SliME/LLaVA checkpoint (tiny/small presets)");
  cmd->add_option("--kind", flags->kind, "slime | llava | llava_next")->check(CLI::IsMember({"slime", "llava", "llava_next"}));
  cmd->add_option("--preset", flags->preset, "tiny | small | 7b-shape (7b-shape allocates ~7B parameters)")
      ->check(CLI::IsMember({"tiny", "small", "7b-shape"}));
  cmd->add_option("--shape", flags->shape,
                  "key=value size change to the preset (repeatable): vision_hidden_size, vision_intermediate_size, "
                  "vision_layers, vision_heads, hidden_size, intermediate_size, num_hidden_layers, "
                  "num_attention_heads, num_key_value_heads, mm_resampler_dim");
  cmd->add_option("--seed", flags->seed, "torch::manual_seed for the initialisation");
  cmd->add_option("--out", flags->out, "output directory (created)")->required();
  cmd->add_option("--tokenizer", flags->tokenizer,
                  "tokenizer folder to copy (tokenizer.json; vocab size and separator come from it)");
  cmd->callback([flags] { run_init_model(*flags); });
}

}  // namespace slime::cli
