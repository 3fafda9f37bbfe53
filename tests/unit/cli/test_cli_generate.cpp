// `slime generate` end to end on the tiny random models of `slime init-model` (one per kind): the
// JSON record, the dump's stable names, text-only prompts, and clear errors for bad input.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/io/safetensors.h"
#include "tests/unit/cli/run_command.h"

namespace fs = std::filesystem;
using slime::test::run_command;
using slime::test::slime_binary;

namespace {

const std::string kImage = std::string(SLIME_SOURCE_DIR) + "/tests/data/image/inputs/synth_800x600.png";

class CliGenerate : public ::testing::Test {
 protected:
  static fs::path root() { return fs::temp_directory_path() / ("slime_cli_generate_" + std::to_string(::getpid())); }
  static std::string model(const std::string& kind) { return (root() / kind).string(); }

  static void SetUpTestSuite() {
    fs::remove_all(root());
    for (const char* kind : {"slime", "llava", "llava_next"}) {
      const auto r = run_command("cd '" + std::string(SLIME_SOURCE_DIR) + "' && " + slime_binary() +
                                 " init-model --preset tiny --seed 3 --kind " + kind + " --out '" + model(kind) + "' 2>&1");
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
  }
  static void TearDownTestSuite() { fs::remove_all(root()); }

  static slime::test::CommandResult generate(const std::string& args) {
    return run_command(slime_binary() + " generate " + args + " 2>&1");
  }
  static nlohmann::json record(const std::string& args) {
    const auto r = generate(args + " --json");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return nlohmann::json::parse(r.output);
  }
};

std::vector<std::string> keys(const nlohmann::json& object) {
  std::vector<std::string> out;
  for (const auto& [k, v] : object.items()) out.push_back(k);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_F(CliGenerate, EachKindAnswersWithAJsonRecord) {
  struct Expect {
    std::string kind;
    std::vector<std::string> stages;
  };
  const std::vector<Expect> kinds = {
      {"slime", {"adapters", "compress", "decode", "prefill", "preprocess", "select", "vision"}},
      {"llava", {"adapters", "decode", "prefill", "preprocess", "vision"}},
      {"llava_next", {"adapters", "decode", "prefill", "preprocess", "vision"}}};
  for (const Expect& e : kinds) {
    SCOPED_TRACE(e.kind);
    const auto j = record("--model '" + model(e.kind) + "' --image '" + kImage +
                          "' --prompt 'What is small here?' --max-new-tokens 4");
    EXPECT_EQ(j.at("model_kind"), e.kind);
    EXPECT_TRUE(j.at("answer").is_string());
    EXPECT_GE(j.at("ids").size(), 1u);
    EXPECT_LE(j.at("ids").size(), 4u);
    EXPECT_EQ(keys(j.at("timing_ms")), e.stages);
    EXPECT_GT(j.at("peak_memory_bytes").get<int64_t>(), 0);
    EXPECT_GE(j.at("decode_tokens_per_s").get<double>(), 0.0);
    EXPECT_EQ(j.at("template"), "vicuna_v1");  // from the Llama-2 tokenizer
    const auto& v = j.at("visual_tokens");
    EXPECT_EQ(v.at("global"), 576);
    if (e.kind == "slime") {  // 800x600: a 3x2 grid, 16 queries per crop (tiny preset), top-p 0.95 keeps most
      EXPECT_EQ(v.at("local_before"), 6 * 16);
      EXPECT_GT(v.at("local_after").get<int64_t>(), 0);
      EXPECT_LE(v.at("local_after").get<int64_t>(), 96);
    }
    if (e.kind == "llava") {
      EXPECT_EQ(v.at("local_before"), 0);
    }
    // <image> is put before the question: the prompt ids hold the placeholder once.
    const auto ids = j.at("prompt_ids").get<std::vector<int64_t>>();
    EXPECT_EQ(std::count(ids.begin(), ids.end(), -200), 1);
  }
}

TEST_F(CliGenerate, GreedyIsDeterministicAndTextOnlyPromptsWork) {
  const std::string args = "--model '" + model("slime") + "' --image '" + kImage + "' --prompt 'Count the dots.' --max-new-tokens 5";
  EXPECT_EQ(record(args).at("ids"), record(args).at("ids"));
  const auto text_only = record("--model '" + model("slime") + "' --prompt 'Hello' --max-new-tokens 3");
  EXPECT_TRUE(text_only.at("visual_tokens").is_null());
  EXPECT_EQ(text_only.at("timing_ms").count("vision"), 0u);
}

// --attention / --decode: the record names the path that ran. On the CPU every path gives the
// reference's tokens (static decode is the same math over a fixed-shape cache); graph needs CUDA
// and falls back to static, saying why; sdpa needs LibTorch 2.x (refused on 1.13, runs on 2.x).
TEST_F(CliGenerate, FastPathFlagsNameThePathThatRanAndKeepTheTokens) {
  const std::string args = "--model '" + model("slime") + "' --image '" + kImage + "' --prompt 'Count the dots.' --max-new-tokens 5";
  const auto ref = record(args + " --attention eager --decode reference");
  EXPECT_EQ(ref.at("attention"), "eager");
  EXPECT_EQ(ref.at("decode_path"), "reference");
  EXPECT_EQ(ref.at("fast_path_fallback"), "");
  const auto fixed = record(args + " --decode static");
  EXPECT_EQ(fixed.at("decode_path"), "static");
  EXPECT_EQ(fixed.at("ids"), ref.at("ids"));
  const auto graph = record(args + " --decode graph");
  EXPECT_EQ(graph.at("decode_path"), "static");
  EXPECT_NE(graph.at("fast_path_fallback").get<std::string>().find("CUDA graphs need a CUDA device"), std::string::npos)
      << graph.dump();
  EXPECT_EQ(graph.at("ids"), ref.at("ids"));
  const auto sdpa = generate(args + " --attention sdpa --json");
  if (sdpa.exit_code == 0) {  // LibTorch 2.x
    EXPECT_EQ(nlohmann::json::parse(sdpa.output).at("attention"), "sdpa");
  } else {
    EXPECT_NE(sdpa.output.find("attention sdpa needs LibTorch 2.x"), std::string::npos) << sdpa.output;
  }
  const auto bad = generate(args + " --decode fastest");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("--decode: fastest not in {auto,reference,static,graph}"), std::string::npos) << bad.output;
}

TEST_F(CliGenerate, DumpHoldsTheNamedIntermediates) {
  const fs::path dump = root() / "dump.safetensors";
  const auto r = generate("--model '" + model("slime") + "' --image '" + kImage +
                          "' --prompt 'What colour?' --max-new-tokens 2 --dump '" + dump.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto file = slime::io::SafetensorsFile::open(dump.string());
  for (const char* name : {"vision.crops", "vision.features", "adapters.gate", "adapters.out", "compressor.out",
                           "local.tokens", "selector.scores", "selector.kept", "image.block", "splice.inputs_embeds",
                           "llm.inputs_embeds", "llm.layer.0", "llm.logits.0", "llm.logits.1", "prompt.ids", "generate.tokens"})
    EXPECT_NE(file.find(name), nullptr) << name;
  const auto* crops = file.find("vision.crops");
  ASSERT_NE(crops, nullptr);
  EXPECT_EQ(crops->shape, (std::vector<int64_t>{7, 3, 336, 336}));  // global + 3x2 crops
}

TEST_F(CliGenerate, BadInputGetsAClearError) {
  struct Case {
    std::string args, message;
  };
  const std::string m = "--model '" + model("slime") + "' ";
  const std::vector<Case> cases = {
      {"--model /nonexistent/model --prompt hi", "/nonexistent/model"},
      {m + "--image /nonexistent/x.png --prompt hi", "/nonexistent/x.png"},
      {m + "--prompt '<image>\nWhat is it?'", "no image was given"},
      {m + "--image '" + kImage + "' --prompt hi --template llama3", "<|start_header_id|>"},
      {m + "--image '" + kImage + "' --prompt hi --template chatml", "chatml"},
      {m + "--image '" + kImage + "' --prompt '<image> and <image>'", "one"},
      {m + "--prompt hi --device tpu", "tpu"},
      {m + "--prompt hi --dtype int8", "int8"},
      {m + "--prompt hi --set mm_resampler_topp=2", "mm_resampler_topp"},
      {m + "--prompt hi --tokenizer /nonexistent/tok", "tokenizer.json"},
  };
  for (const Case& c : cases) {
    const auto r = generate(c.args);
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << c.args << "\n" << r.output;
  }
}
