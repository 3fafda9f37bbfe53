// Malformed or unsupported tokenizer.json and bad API input: each is a slime::Error with the
// expected code and a message that names the file (and the JSON path where there is one).
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>

#include "engine/common/error.h"
#include "engine/text/tokenizer.h"

namespace {

namespace fs = std::filesystem;
using slime::ErrorCode;
using slime::text::Tokenizer;

const std::string kData = SLIME_SOURCE_DIR "/tests/data/tokenizers";

class TokenizerErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("slime_tok_err_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& content) {
    const std::string p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  // Loads `path`, expects slime::Error with `code` and every string of `parts` in the message.
  static void expect_error(const std::string& path, ErrorCode code, std::initializer_list<std::string> parts) {
    try {
      Tokenizer::from_file(path);
      ADD_FAILURE() << path << ": loaded without error";
    } catch (const slime::Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      const std::string msg = e.what();
      EXPECT_NE(msg.find(path), std::string::npos) << "message does not name the file: " << msg;
      for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "no '" << p << "' in: " << msg;
    }
  }
  fs::path dir_;
};

const std::string kTinyVocab = R"("vocab": {"a": 0, "b": 1, "ab": 2})";

TEST_F(TokenizerErrors, NotJson) {
  expect_error(write("t.json", "this is not JSON"), ErrorCode::kFormat, {"not valid JSON"});
}

TEST_F(TokenizerErrors, EmptyFile) { expect_error(write("t.json", ""), ErrorCode::kFormat, {"empty"}); }

TEST_F(TokenizerErrors, TopLevelNotAnObject) {
  expect_error(write("t.json", "[1, 2]"), ErrorCode::kFormat, {"expected an object"});
}

TEST_F(TokenizerErrors, MissingModel) {
  expect_error(write("t.json", R"({"added_tokens": []})"), ErrorCode::kFormat, {"'model'"});
}

TEST_F(TokenizerErrors, UnknownModelType) {
  expect_error(write("t.json", R"({"model": {"type": "WordPiece", "vocab": {}}})"), ErrorCode::kUnsupported,
               {"model.type", "WordPiece"});
}

TEST_F(TokenizerErrors, MergeReferencesUnknownToken) {
  expect_error(write("t.json", R"({"model": {"type": "BPE", )" + kTinyVocab + R"(, "merges": ["a b", "a c"]}})"),
               ErrorCode::kFormat, {"model.merges[1]", "'c'"});
}

TEST_F(TokenizerErrors, MergeResultNotInVocab) {
  expect_error(write("t.json", R"({"model": {"type": "BPE", )" + kTinyVocab + R"(, "merges": ["b a"]}})"),
               ErrorCode::kFormat, {"model.merges[0]", "'ba'"});
}

TEST_F(TokenizerErrors, MalformedMerge) {
  expect_error(write("t.json", R"({"model": {"type": "BPE", )" + kTinyVocab + R"(, "merges": ["ab"]}})"),
               ErrorCode::kFormat, {"model.merges[0]"});
}

TEST_F(TokenizerErrors, VocabIdOutOfRange) {
  expect_error(write("t.json", R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 7}, "merges": []}})"),
               ErrorCode::kFormat, {"model.vocab[\"b\"]", "out of range"});
  expect_error(write("u.json", R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": -1}, "merges": []}})"),
               ErrorCode::kFormat, {"model.vocab[\"b\"]"});
}

TEST_F(TokenizerErrors, VocabIdTwice) {
  expect_error(write("t.json", R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 0}, "merges": []}})"),
               ErrorCode::kFormat, {"used twice"});
}

TEST_F(TokenizerErrors, WrongFieldType) {
  expect_error(write("t.json", R"({"model": {"type": "BPE", "vocab": {"a": "zero"}, "merges": []}})"),
               ErrorCode::kFormat, {"model.vocab[\"a\"]", "expected an integer"});
  expect_error(write("u.json", R"({"model": {"type": "BPE", "vocab": {}, "merges": {}}})"), ErrorCode::kFormat,
               {"model.merges", "expected an array"});
}

TEST_F(TokenizerErrors, UnsupportedComponents) {
  const std::string model = R"("model": {"type": "BPE", )" + kTinyVocab + R"(, "merges": ["a b"]})";
  expect_error(write("n.json", R"({"normalizer": {"type": "NFKC"}, )" + model + "}"), ErrorCode::kUnsupported,
               {"normalizer.type", "NFKC"});
  expect_error(write("p.json", R"({"pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Whitespace"}]}, )" + model + "}"),
               ErrorCode::kUnsupported, {"pre_tokenizer.pretokenizers[0].type"});
  expect_error(write("d.json", R"({"decoder": {"type": "WordPiece"}, )" + model + "}"), ErrorCode::kUnsupported,
               {"decoder.type"});
  expect_error(write("r.json", R"({"pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(a"}, "behavior": "Isolated"}, )" + model + "}"),
               ErrorCode::kFormat, {"pre_tokenizer.pattern.Regex", "does not compile"});
}

TEST_F(TokenizerErrors, TruncatedFile) {
  std::ifstream in(kData + "/llama2/tokenizer.json", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(all.size(), 1000u);
  expect_error(write("t.json", all.substr(0, all.size() / 2)), ErrorCode::kFormat, {"not valid JSON"});
}

TEST_F(TokenizerErrors, MissingFile) {
  expect_error((dir_ / "absent.json").string(), ErrorCode::kNotFound, {"cannot open"});
}

TEST_F(TokenizerErrors, EmptyPath) {
  try {
    Tokenizer::from_file("");
    ADD_FAILURE() << "empty path accepted";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("empty file path"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Tokenizer::from_dir(""), slime::Error);
  EXPECT_THROW(Tokenizer::from_dir((dir_ / "nope").string()), slime::Error);
}

TEST_F(TokenizerErrors, BadConfigNamesTheConfigFile) {
  fs::create_directories(dir_ / "m");
  fs::copy_file(kData + "/llama2/tokenizer.json", dir_ / "m" / "tokenizer.json");
  const std::string cfg = write("m/tokenizer_config.json", R"({"bos_token": "<nope>"})");
  try {
    Tokenizer::from_dir((dir_ / "m").string());
    ADD_FAILURE() << "bad bos_token accepted";
  } catch (const slime::Error& e) {
    EXPECT_NE(std::string(e.what()).find(cfg), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bos_token"), std::string::npos) << e.what();
  }
}

TEST_F(TokenizerErrors, SentencePieceModelOnlyDirectory) {
  fs::create_directories(dir_ / "spm");
  write("spm/tokenizer.model", "not read");
  try {
    Tokenizer::from_dir((dir_ / "spm").string());
    ADD_FAILURE() << "a directory without tokenizer.json loaded";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported) << e.what();
    EXPECT_NE(std::string(e.what()).find((dir_ / "spm").string()), std::string::npos) << e.what();
  }
}

TEST_F(TokenizerErrors, BadApiInput) {
  const std::string path = kData + "/llama3/tokenizer.json";
  Tokenizer t = Tokenizer::from_file(path);
  try {
    t.encode("ok \xFF bad", false);
    ADD_FAILURE() << "invalid UTF-8 accepted";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("byte 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(t.decode({1, 128256}, false), slime::Error);
  EXPECT_THROW(t.decode({-1}, false), slime::Error);
  EXPECT_THROW(t.id_to_token(200000), slime::Error);
  try {
    t.set_flavor(slime::text::Flavor::kSlowSentencePiece);  // byte-level: no slow flavor
    ADD_FAILURE() << "slow flavor accepted for a byte-level model";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_THROW(slime::text::parse_flavor("medium"), slime::Error);
}

}  // namespace
