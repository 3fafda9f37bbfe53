// `slime init-model` writes a loadable seeded checkpoint; the default tokenizer is relative to cwd.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/unit/cli/run_command.h"

namespace fs = std::filesystem;

TEST(CliInitModel, TinySlimeWithTheDefaultTokenizer) {
  const fs::path dir = fs::temp_directory_path() / ("slime_cli_init_model_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const std::string cmd = "cd '" + std::string(SLIME_SOURCE_DIR) + "' && " + slime::test::slime_binary() +
                          " init-model --kind slime --preset tiny --seed 5 --out '" + dir.string() + "'";
  auto result = slime::test::run_command(cmd);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto summary = nlohmann::json::parse(result.output);
  EXPECT_EQ(summary.at("kind"), "slime");
  EXPECT_EQ(summary.at("vocab_size"), 32000);
  EXPECT_EQ(summary.at("seperator"), 1919);
  EXPECT_GT(summary.at("parameters").get<int64_t>(), 0);
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "tokenizer.model"})
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  std::ifstream in(dir / "config.json");
  const auto config = nlohmann::json::parse(in);
  EXPECT_EQ(config.at("mm_projector_type"), "gated");
  EXPECT_EQ(config.at("mm_vision_tower"), "model.vision_tower.vision_tower.vision_model.");

  auto bad = slime::test::run_command(slime::test::slime_binary() + " init-model --kind qwen --out '" +
                                      dir.string() + "' 2>&1");
  EXPECT_NE(bad.exit_code, 0);
  fs::remove_all(dir);
}
