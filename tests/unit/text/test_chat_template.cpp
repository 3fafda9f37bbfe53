// Conversation templates and image-token splicing against tests/data/prompts/snapshots.json (ids
// from transformers / tokenizers, see its SOURCE.md) and model.md §9.2/§9.3 literals.
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/common/error.h"
#include "engine/text/chat_template.h"
#include "engine/text/image_tokens.h"
#include "engine/text/tokenizer.h"

namespace {

using slime::ErrorCode;
using slime::text::Flavor;
using slime::text::Template;
using slime::text::Tokenizer;
using Ids = std::vector<int32_t>;
namespace text = slime::text;

const std::string kData = SLIME_SOURCE_DIR "/tests/data";

// from_dir: the configs give Llama-2 the slow flavor and Llama-3 its bos_token (128000).
const Tokenizer& llama2() {
  static const Tokenizer t = Tokenizer::from_dir(kData + "/tokenizers/llama2");
  return t;
}
const Tokenizer& llama3() {
  static const Tokenizer t = Tokenizer::from_dir(kData + "/tokenizers/llama3");
  return t;
}
const Tokenizer& by_name(const std::string& name) { return name == "llama2" ? llama2() : llama3(); }

template <typename F>
ErrorCode error_code_of(F&& f) {
  try {
    f();
  } catch (const slime::Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no slime::Error thrown";
  return ErrorCode::kInternal;
}

TEST(ChatTemplate, SnapshotsFromPythonReference) {
  std::ifstream in(kData + "/prompts/snapshots.json");
  ASSERT_TRUE(in) << "missing tests/data/prompts/snapshots.json";
  const nlohmann::json doc = nlohmann::json::parse(in);
  ASSERT_EQ(doc.at("image_token_id").get<int32_t>(), text::kImageTokenId);
  ASSERT_GE(doc.at("cases").size(), 3u);
  for (const auto& c : doc.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const Tokenizer& tok = by_name(c.at("tokenizer").get<std::string>());
    ASSERT_EQ(text::flavor_name(tok.flavor()), c.at("flavor").get<std::string>());
    const Template t = text::parse_template(c.at("template").get<std::string>());
    const std::string prompt = text::render_prompt(t, c.at("question").get<std::string>());
    EXPECT_EQ(prompt, c.at("prompt").get<std::string>());
    const Ids ids = text::tokenize_prompt(tok, t, prompt);
    EXPECT_EQ(ids, c.at("ids").get<Ids>());
    EXPECT_EQ(text::text_query_ids(ids), c.at("text_query_ids").get<Ids>());
    // Llama-3: the fixture's own post-processor adds no BOS; the raw splice must match that too.
    if (c.contains("ids_fixture_post_processor")) {
      EXPECT_EQ(text::tokenize_with_image(tok, prompt), c.at("ids_fixture_post_processor").get<Ids>());
    }
  }
}

TEST(ChatTemplate, RenderExactStrings) {  // model.md §9.2; plain from conv_llava_plain
  const std::string q = text::with_image_tag("What is this?");
  EXPECT_EQ(q, "<image>\nWhat is this?");
  EXPECT_EQ(text::render_prompt(Template::kVicunaV1, q),
            "A chat between a curious user and an artificial intelligence assistant. The assistant gives helpful, "
            "detailed, and polite answers to the user's questions. USER: <image>\nWhat is this? ASSISTANT:");
  EXPECT_EQ(text::render_prompt(Template::kLlama3, q),
            "<|start_header_id|>user<|end_header_id|>\n\n<image>\nWhat is this?<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(text::render_prompt(Template::kPlain, q), "<image>\nWhat is this?\n");
}

TEST(ChatTemplate, VicunaIdsAroundImage) {  // model.md §9.3: …, 29901, 29871, −200, 29871, 13, …
  const Ids ids = text::tokenize_prompt(llama2(), Template::kVicunaV1,
                                        text::render_prompt(Template::kVicunaV1, text::with_image_tag("Hi")));
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.front(), 1);
  EXPECT_EQ(text::count_image_tokens(ids), 1u);
  size_t at = 0;
  while (ids[at] != text::kImageTokenId) ++at;
  ASSERT_GE(at, 2u);
  ASSERT_LT(at + 2, ids.size());
  EXPECT_EQ(Ids(ids.begin() + std::ptrdiff_t(at) - 2, ids.begin() + std::ptrdiff_t(at) + 3), (Ids{29901, 29871, -200, 29871, 13}));
}

TEST(ChatTemplate, Llama3IdsAroundImage) {  // model.md §9.3: [128000, 128006, user, 128007, \n\n, −200, \n, …]
  const Tokenizer& tok = llama3();
  ASSERT_EQ(tok.token_to_id("user"), 882);
  ASSERT_EQ(tok.token_to_id("\u010a\u010a"), 271);  // "\n\n" in the byte-level alphabet
  ASSERT_EQ(tok.token_to_id("\u010a"), 198);
  ASSERT_EQ(tok.token_to_id("assistant"), 78191);
  const Ids ids = text::tokenize_prompt(tok, Template::kLlama3,
                                        text::render_prompt(Template::kLlama3, text::with_image_tag("Hi")));
  ASSERT_GE(ids.size(), 12u);
  EXPECT_EQ(Ids(ids.begin(), ids.begin() + 7), (Ids{128000, 128006, 882, 128007, 271, -200, 198}));
  EXPECT_EQ(Ids(ids.end() - 5, ids.end()), (Ids{128009, 128006, 78191, 128007, 271}));
  // BOS exactly once, although the fixture's post-processor adds none.
  EXPECT_EQ(tok.encode("Hi", true), tok.encode("Hi", false));
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 128000), 1);
}

TEST(ChatTemplate, UnknownTemplate) {
  EXPECT_EQ(text::parse_template("vicuna_v1"), Template::kVicunaV1);
  EXPECT_EQ(text::parse_template("llama3"), Template::kLlama3);
  EXPECT_EQ(text::parse_template("plain"), Template::kPlain);
  try {
    text::parse_template("llava_llama_3");
    FAIL() << "no error";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("vicuna_v1, llama3, plain"), std::string::npos) << e.what();
  }
}

TEST(ChatTemplate, TwoImagesRejected) {
  const std::string prompt = text::render_prompt(Template::kVicunaV1, "<image>\nA<image>\nB");
  EXPECT_EQ(text::count_image_tags(prompt), 2u);
  EXPECT_EQ(error_code_of([&] { text::check_single_image(prompt); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of([&] { text::tokenize_with_image(llama2(), prompt); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of([&] { text::tokenize_prompt(llama3(), Template::kLlama3, prompt); }), ErrorCode::kInvalidArgument);
}

TEST(ChatTemplate, TextOnlyPrompt) {  // ScienceQA without an image: plain embed_tokens(ids) (§8.3)
  const std::string prompt = text::render_prompt(Template::kVicunaV1, "Which is larger?");
  const Ids ids = text::tokenize_prompt(llama2(), Template::kVicunaV1, prompt);
  EXPECT_FALSE(text::has_image(ids));
  EXPECT_EQ(ids, llama2().encode(prompt, true));
  EXPECT_EQ(text::text_query_ids(ids), ids);
  const std::string p3 = text::render_prompt(Template::kLlama3, "Which is larger?");
  const Ids ids3 = text::tokenize_prompt(llama3(), Template::kLlama3, p3);
  EXPECT_FALSE(text::has_image(ids3));
  EXPECT_EQ(ids3.front(), 128000);
  EXPECT_EQ(Ids(ids3.begin() + 1, ids3.end()), llama3().encode(p3, true));
}

TEST(ChatTemplate, ImageAtEitherEnd) {  // chunk 0 = "" still carries BOS; a last chunk "" is only its BOS
  const Ids lead = text::tokenize_with_image(llama2(), "<image>\nx");
  EXPECT_EQ(Ids(lead.begin(), lead.begin() + 2), (Ids{1, -200}));
  Ids expected = llama2().encode("x", true);
  expected.push_back(text::kImageTokenId);
  EXPECT_EQ(text::tokenize_with_image(llama2(), "x<image>"), expected);
}

TEST(ChatTemplate, TextQueryDropsOnlyImageIds) {
  const Ids ids{1, -200, 0, -1, -199, 2, 13};
  EXPECT_EQ(text::text_query_ids(ids), (Ids{1, 0, -1, -199, 2, 13}));
  EXPECT_TRUE(text::has_image(ids));
  EXPECT_EQ(text::count_image_tokens(ids), 1u);
  EXPECT_TRUE(text::text_query_ids({}).empty());
}

TEST(ChatTemplate, StopTokensAndDefaults) {  // model.md §9.4
  const auto v = text::stop_tokens(Template::kVicunaV1, llama2());
  EXPECT_EQ(v.ids, (Ids{2}));
  EXPECT_EQ(v.strings, (std::vector<std::string>{"</s>"}));
  const auto l = text::stop_tokens(Template::kLlama3, llama3());
  EXPECT_EQ(l.ids, (Ids{128009, 128001}));
  EXPECT_EQ(l.strings, (std::vector<std::string>{"<|eot_id|>", "<|end_of_text|>"}));
  EXPECT_EQ(text::stop_tokens(Template::kPlain, llama2()).ids, (Ids{2}));
  EXPECT_EQ(text::default_template(llama2()), Template::kVicunaV1);
  EXPECT_EQ(text::default_template(llama3()), Template::kLlama3);
  // A template that does not fit the tokenizer fails instead of encoding header text as words.
  EXPECT_EQ(error_code_of([] { text::stop_tokens(Template::kLlama3, llama2()); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of([] { text::tokenize_prompt(llama2(), Template::kLlama3, "x"); }), ErrorCode::kInvalidArgument);
}

}  // namespace
