#include "engine/text/chat_template.h"

#include <optional>

#include "engine/common/error.h"
#include "engine/text/image_tokens.h"

namespace slime::text {
namespace {

// conv_vicuna_v1.system; note "curious user", not "human" (that is conv_vicuna_v0).
constexpr std::string_view kVicunaSystem =
    "A chat between a curious user and an artificial intelligence assistant. "
    "The assistant gives helpful, detailed, and polite answers to the user's questions.";
constexpr std::string_view kLlama3Header = "<|start_header_id|>";

int32_t require_token(const Tokenizer& tok, Template t, const std::string& text) {
  const int32_t id = tok.token_to_id(text);
  if (id < 0) throw_error(ErrorCode::kInvalidArgument, "template {}: tokenizer {} has no token \"{}\"", template_name(t), tok.path(), text);
  return id;
}

}  // namespace

const char* template_name(Template t) {
  switch (t) {
    case Template::kVicunaV1: return "vicuna_v1";
    case Template::kLlama3: return "llama3";
    case Template::kPlain: return "plain";
  }
  return "?";
}

Template parse_template(std::string_view name) {
  for (Template t : {Template::kVicunaV1, Template::kLlama3, Template::kPlain}) {
    if (name == template_name(t)) return t;
  }
  throw_error(ErrorCode::kInvalidArgument, "unknown conversation template '{}' (valid: vicuna_v1, llama3, plain)", name);
}

Template default_template(const Tokenizer& tok) {
  if (tok.is_sentencepiece_kind()) return Template::kVicunaV1;
  if (tok.token_to_id(std::string(kLlama3Header)) >= 0) return Template::kLlama3;
  throw_error(ErrorCode::kInvalidArgument, "cannot infer the conversation template for tokenizer {}; name one (vicuna_v1, llama3, plain)", tok.path());
}

std::string with_image_tag(std::string_view question) {
  std::string out(kImageTag);
  out += '\n';
  out += question;
  return out;
}

std::string render_prompt(Template t, std::string_view question) {
  std::string q(question);
  switch (t) {
    case Template::kVicunaV1:  // style TWO, sep " ", sep2 "</s>"; the open assistant turn is "ASSISTANT:"
      return std::string(kVicunaSystem) + " USER: " + q + " ASSISTANT:";
    case Template::kLlama3:  // style LLAMA_3: no system turn; the assistant header ends the prompt
      return "<|start_header_id|>user<|end_header_id|>\n\n" + q + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
    case Template::kPlain:  // style PLAIN, sep "\n": message + sep; the empty assistant turn adds nothing
      return q + "\n";
  }
  throw_error(ErrorCode::kInternal, "render_prompt: bad template {}", int(t));
}

StopTokens stop_tokens(Template t, const Tokenizer& tok) {
  StopTokens s;
  switch (t) {
    case Template::kVicunaV1: s.strings = {"</s>"}; break;
    case Template::kLlama3: s.strings = {"<|eot_id|>", "<|end_of_text|>"}; break;
    case Template::kPlain: {
      const std::optional<int32_t> eos = tok.eos_id();
      if (!eos) throw_error(ErrorCode::kInvalidArgument, "template plain: tokenizer {} has no eos token", tok.path());
      s.strings = {tok.id_to_token(*eos)};
      break;
    }
  }
  for (const std::string& text : s.strings) s.ids.push_back(require_token(tok, t, text));
  return s;
}

bool template_requires_bos(Template t) { return t == Template::kLlama3; }

std::vector<int32_t> tokenize_prompt(const Tokenizer& tok, Template t, std::string_view prompt) {
  if (t == Template::kLlama3) require_token(tok, t, std::string(kLlama3Header));
  std::vector<int32_t> ids = tokenize_with_image(tok, prompt);
  if (template_requires_bos(t)) {
    const std::optional<int32_t> bos = tok.bos_id();
    if (!bos) throw_error(ErrorCode::kInvalidArgument, "template {}: tokenizer {} has no bos token", template_name(t), tok.path());
    if (ids.empty() || ids.front() != *bos) ids.insert(ids.begin(), *bos);
  }
  return ids;
}

}  // namespace slime::text
