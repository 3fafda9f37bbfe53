// End-to-end: the `slime tokenize` binary reproduces every golden id sequence of both tokenizer
// families (the library tests check the same goldens in-process; this pins the CLI's I/O layer:
// JSONL input, --add-special, --flavor, one JSON object per output line).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/unit/cli/run_command.h"

namespace {

struct GoldenLine {
  std::string text;
  bool add_special = false;
  std::vector<int> ids;
};

std::vector<GoldenLine> read_golden(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::vector<GoldenLine> lines;
  std::string row;
  while (std::getline(in, row)) {
    if (row.empty()) continue;
    auto j = nlohmann::json::parse(row);
    lines.push_back({j.at("text").get<std::string>(), j.at("add_special_tokens").get<bool>(),
                     j.at("ids").get<std::vector<int>>()});
  }
  return lines;
}

std::string run(const std::string& command) {
  slime::test::CommandResult result = slime::test::run_command(command);
  EXPECT_EQ(result.exit_code, 0) << "command failed: " << command << "\n" << result.output;
  return result.output;
}

void check_family(const std::string& tokenizer_dir, const std::string& golden, const std::string& flavor) {
  const std::string data = std::string(SLIME_SOURCE_DIR) + "/tests/data/tokenizers/";
  std::vector<GoldenLine> lines = read_golden(data + golden);
  ASSERT_GE(lines.size(), 300u) << golden;
  for (bool add_special : {false, true}) {
    std::vector<const GoldenLine*> subset;
    const std::string input = ::testing::TempDir() + "cli_tokenize_" + flavor + golden + ".jsonl";
    {
      std::ofstream out(input);
      for (const auto& line : lines) {
        if (line.add_special != add_special) continue;
        subset.push_back(&line);
        out << nlohmann::json{{"text", line.text}}.dump() << "\n";
      }
    }
    if (subset.empty()) continue;
    std::string command = slime::test::slime_binary() + " tokenize --tokenizer '" + data + tokenizer_dir +
                          "' --input '" + input + "' --json --flavor " + flavor +
                          (add_special ? " --add-special" : "");
    std::istringstream output(run(command));
    std::string row;
    size_t i = 0;
    while (std::getline(output, row)) {
      ASSERT_LT(i, subset.size()) << "more output lines than inputs";
      auto j = nlohmann::json::parse(row);
      EXPECT_EQ(j.at("text").get<std::string>(), subset[i]->text);
      EXPECT_EQ(j.at("ids").get<std::vector<int>>(), subset[i]->ids)
          << golden << " line text: " << nlohmann::json(subset[i]->text).dump();
      ++i;
    }
    EXPECT_EQ(i, subset.size()) << "output lines for " << golden;
  }
}

TEST(CliTokenize, Llama2SlowMatchesEveryGolden) { check_family("llama2", "golden_llama2_slow.jsonl", "slow"); }
TEST(CliTokenize, Llama2FastMatchesEveryGolden) { check_family("llama2", "golden_llama2_fast.jsonl", "fast"); }
TEST(CliTokenize, Llama3MatchesEveryGolden) { check_family("llama3", "golden_llama3.jsonl", "fast"); }

TEST(CliTokenize, DecodeRoundTrip) {
  const std::string dir = std::string(SLIME_SOURCE_DIR) + "/tests/data/tokenizers/llama2";
  std::string ids = run(slime::test::slime_binary() + " tokenize --tokenizer '" + dir + "' --text 'Hello, world'");
  while (!ids.empty() && (ids.back() == '\n' || ids.back() == ' ')) ids.pop_back();
  std::string text = run(slime::test::slime_binary() + " tokenize --tokenizer '" + dir + "' --decode '" + ids + "'");
  EXPECT_EQ(text, "Hello, world\n");
}

TEST(CliTokenize, MissingInputFileIsAClearError) {
  const std::string dir = std::string(SLIME_SOURCE_DIR) + "/tests/data/tokenizers/llama2";
  auto result = slime::test::run_command(slime::test::slime_binary() + " tokenize --tokenizer '" + dir +
                                         "' --input /nonexistent/input.jsonl 2>&1");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("/nonexistent/input.jsonl"), std::string::npos) << result.output;
}

}  // namespace

// `--template/--question` renders the conversation template and splices -200 exactly as the
// Python reference's snapshots say (tests/data/prompts/snapshots.json), for every snapshot case.
TEST(CliTokenize, TemplatedQuestionsMatchPromptSnapshots) {
  const std::string data = std::string(SLIME_SOURCE_DIR) + "/tests/data/";
  std::ifstream in(data + "prompts/snapshots.json");
  ASSERT_TRUE(in);
  const auto snapshots = nlohmann::json::parse(in);
  ASSERT_GE(snapshots.at("cases").size(), 3u);
  for (const auto& c : snapshots.at("cases")) {
    const std::string input = ::testing::TempDir() + "cli_template_question.txt";
    std::ofstream(input) << c.at("question").get<std::string>();
    // The question may hold newlines and quotes: pass it through a file and $(cat ...).
    auto output = run(slime::test::slime_binary() + " tokenize --tokenizer '" + data + "tokenizers/" +
                      c.at("tokenizer").get<std::string>() + "' --template " + c.at("template").get<std::string>() +
                      " --json --question \"$(cat '" + input + "')\"");
    auto j = nlohmann::json::parse(output);
    EXPECT_EQ(j.at("prompt"), c.at("prompt")) << c.at("name");
    EXPECT_EQ(j.at("ids"), c.at("ids")) << c.at("name");
  }
}
