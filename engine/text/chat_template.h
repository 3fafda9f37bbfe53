// Conversation templates of SliME's eval runners (model.md §9.2; upstream llava/conversation.py):
// one user turn and an empty assistant turn, rendered to the prompt string, then tokenised around
// the image (image_tokens.h). Stop tokens per template follow §9.4.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/text/tokenizer.h"

namespace slime::text {

enum class Template {
  kVicunaV1,  // conv_vicuna_v1: SliME-7B/13B
  kLlama3,    // conv_llama_3: SliME-8B (not LLaVA-NeXT's llava_llama_3, which adds a system turn)
  kPlain,     // conv_llava_plain: pretraining format, "<image>\n{question}\n"
};

const char* template_name(Template t);            // "vicuna_v1" / "llama3" / "plain"
Template parse_template(std::string_view name);  // throws kInvalidArgument listing the valid names

// The template for a tokenizer family: SentencePiece-kind (Llama-2/Vicuna) -> kVicunaV1; a
// vocabulary with <|start_header_id|> (Llama-3) -> kLlama3; otherwise kInvalidArgument.
Template default_template(const Tokenizer& tok);

// The user turn as the runners build it: "<image>\n" + question (+ hint, options, suffix).
std::string with_image_tag(std::string_view question);

// The prompt for one user turn holding `question` (already carrying its "<image>\n" prefix, or none
// for a text-only prompt) and an empty assistant turn. No BOS text: the tokenizer supplies it.
std::string render_prompt(Template t, std::string_view question);

// Generation stops at any of these ids; `strings` are their token texts. vicuna_v1: "</s>";
// llama3: "<|eot_id|>", "<|end_of_text|>"; plain: the tokenizer's eos token. Throws
// kInvalidArgument when the tokenizer lacks one (template and tokenizer do not match).
struct StopTokens {
  std::vector<int32_t> ids;
  std::vector<std::string> strings;
};
StopTokens stop_tokens(Template t, const Tokenizer& tok);

// Whether the template's ids must start with BOS even when the tokenizer's post-processor does
// not add one. True for kLlama3 only (see tokenize_prompt).
bool template_requires_bos(Template t);

// tokenize_with_image(tok, prompt), then BOS for templates that require it.
//
// BOS decision (Llama-3): Meta's Llama-3 tokenizer.json revisions differ: some post-processors are
// ByteLevel only and add no <|begin_of_text|> (this repository's fixture), newer ones add it with
// TemplateProcessing, and model.md §9.2/§9.3 expect 128000 first. Meta's own chat_template starts
// with bos_token too. So for kLlama3 the tokenizer's bos_id() is put in front when the ids do not
// already start with it; tokenize_with_image then dropped nothing from later chunks (they had no
// BOS either), which makes the result equal to upstream's with a BOS-adding post-processor. Vicuna
// and plain follow the tokenizer as is (the slow Llama-2 tokenizer adds <s> via add_bos_token).
// Also checks that a kLlama3 tokenizer knows the header tokens, so that a mismatched pair fails
// instead of encoding "<|start_header_id|>" as plain text.
std::vector<int32_t> tokenize_prompt(const Tokenizer& tok, Template t, std::string_view prompt);

}  // namespace slime::text
