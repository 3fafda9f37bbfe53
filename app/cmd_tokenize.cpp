// slime tokenize: encode text (or decode ids) with a tokenizer directory, for parity checks.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "engine/common/error.h"
#include "engine/text/chat_template.h"
#include "engine/text/tokenizer.h"

namespace slime::cli {
namespace {

struct TokenizeOptions {
  std::string tokenizer, text, input, decode, flavor, question, template_name;
  bool add_special = false, skip_special = false, json = false, no_ignore_merges = false;
  bool has_question = false;  // --question given (it may be empty)
};

struct Input {
  std::string text;
  std::string where;  // "element 3" (JSON array, 0-based) or "line 4" (JSONL, 1-based)
};

// A JSON array of strings, or JSONL with one {"text": ...} object per line.
std::vector<Input> read_inputs(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kNotFound, "{}: cannot open", path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string all = buffer.str();
  const size_t first = all.find_first_not_of(" \t\r\n");
  std::vector<Input> texts;
  if (first != std::string::npos && all[first] == '[') {
    nlohmann::json doc;
    try {
      doc = nlohmann::json::parse(all);
    } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e400
      throw_error(ErrorCode::kFormat, "{}: not valid JSON: {}", path, e.what());
    }
    for (size_t i = 0; i < doc.size(); ++i) {
      if (!doc[i].is_string()) throw_error(ErrorCode::kFormat, "{}: element {}: expected a string, got {}", path, i, doc[i].type_name());
      texts.push_back({doc[i].get<std::string>(), fmt::format("element {}", i)});
    }
    return texts;
  }
  std::istringstream lines(all);
  std::string line;
  for (size_t row = 1; std::getline(lines, line); ++row) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json obj;
    try {
      obj = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e400
      throw_error(ErrorCode::kFormat, "{}: line {}: not valid JSON: {}", path, row, e.what());
    }
    if (!obj.is_object() || !obj.contains("text") || !obj["text"].is_string()) {
      throw_error(ErrorCode::kFormat, "{}: line {}: expected an object with a string \"text\"", path, row);
    }
    texts.push_back({obj["text"].get<std::string>(), fmt::format("line {}", row)});
  }
  return texts;
}

std::vector<int32_t> parse_ids(const std::string& s) {
  std::vector<int32_t> ids;
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t start = s.find_first_not_of(" ,\t\n", pos);
    if (start == std::string::npos) break;
    size_t end = s.find_first_of(" ,\t\n", start);
    if (end == std::string::npos) end = s.size();
    const std::string tok = s.substr(start, end - start);
    try {
      size_t used = 0;
      const long long v = std::stoll(tok, &used);
      if (used != tok.size() || v < INT32_MIN || v > INT32_MAX) throw std::out_of_range(tok);
      ids.push_back(int32_t(v));
    } catch (const std::exception&) {
      throw_error(ErrorCode::kInvalidArgument, "--decode: '{}' (id {}) is not an integer id", tok, ids.size());
    }
    pos = end;
  }
  return ids;
}

text::Tokenizer load(const TokenizeOptions& o) {
  struct stat st {};
  const bool is_file = ::stat(o.tokenizer.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  text::Tokenizer tok = is_file ? text::Tokenizer::from_file(o.tokenizer) : text::Tokenizer::from_dir(o.tokenizer);
  if (!o.flavor.empty()) tok.set_flavor(text::parse_flavor(o.flavor));
  if (o.no_ignore_merges) tok.set_honor_ignore_merges(false);
  return tok;
}

// --question: render the conversation template and tokenise around <image> (ids carry -200).
void run_question(const text::Tokenizer& tok, const TokenizeOptions& o) {
  const text::Template t = o.template_name.empty() ? text::default_template(tok) : text::parse_template(o.template_name);
  const std::string prompt = text::render_prompt(t, o.question);
  const std::vector<int32_t> ids = text::tokenize_prompt(tok, t, prompt);
  if (o.json) fmt::print("{}\n", nlohmann::ordered_json{{"template", text::template_name(t)}, {"prompt", prompt}, {"ids", ids}}.dump());
  else fmt::print("{}\n", fmt::join(ids, " "));
}

void run(const TokenizeOptions& o) {
  const text::Tokenizer tok = load(o);
  if (o.has_question) return run_question(tok, o);
  if (!o.decode.empty()) {
    const std::vector<int32_t> ids = parse_ids(o.decode);
    const std::string out = tok.decode(ids, o.skip_special);
    if (o.json) fmt::print("{}\n", nlohmann::ordered_json{{"ids", ids}, {"text", out}}.dump());
    else fmt::print("{}\n", out);
    return;
  }
  std::vector<Input> texts;
  if (!o.input.empty()) texts = read_inputs(o.input);
  else texts.push_back({o.text, "--text"});
  for (const Input& in : texts) {
    std::vector<int32_t> ids;
    try {
      ids = tok.encode(in.text, o.add_special);
    } catch (const Error& e) {
      if (o.input.empty()) throw;
      throw_error(e.code(), "{}: {}: {}", o.input, in.where, e.what());
    }
    if (o.json) fmt::print("{}\n", nlohmann::ordered_json{{"text", in.text}, {"ids", ids}}.dump());
    else fmt::print("{}\n", fmt::join(ids, " "));
  }
}

}  // namespace

void register_tokenize(CLI::App& app) {
  auto opts = std::make_shared<TokenizeOptions>();
  auto* cmd = app.add_subcommand(
      "tokenize",
      "Encode text to token ids (or --decode ids to text) with a Hugging Face tokenizer.\n"
      "Default --flavor: slow (transformers' slow LlamaTokenizer, legacy=True, as LLaVA/Vicuna use) when\n"
      "tokenizer_config.json says \"tokenizer_class\": \"LlamaTokenizer\" with \"legacy\" true or unset and\n"
      "tokenizer.json is SentencePiece-kind (BPE + byte_fallback, Prepend/Replace \"\u2581\" normalizer,\n"
      "no pre_tokenizer); otherwise fast (HF tokenizers semantics of tokenizer.json).");
  cmd->add_option("--tokenizer", opts->tokenizer, "Tokenizer directory (tokenizer.json [+ tokenizer_config.json]) or a tokenizer.json file")
      ->required();
  auto* text = cmd->add_option("--text", opts->text, "Text to encode");
  auto* input = cmd->add_option("--input", opts->input, "File: a JSON array of strings, or JSONL of {\"text\": ...}");
  auto* dec = cmd->add_option("--decode", opts->decode, "Ids to decode, comma- or space-separated");
  auto* question = cmd->add_option("--question", opts->question,
                                    "User turn to put into --template, as the eval runners pass it (\"<image>\\n\" prefix for an\n"
                                    "image prompt); prints tokenizer_image_token ids, the image as -200, BOS per template\n"
                                    "(--add-special does not apply)");
  auto* tmpl = cmd->add_option("--template", opts->template_name,
                               "vicuna_v1 | llama3 | plain (default with --question: from the tokenizer family)");
  text->excludes(input)->excludes(dec)->excludes(question);
  input->excludes(dec)->excludes(question);
  dec->excludes(question);
  tmpl->needs(question);
  cmd->add_flag("--add-special", opts->add_special, "Add the post-processor's special tokens (BOS)");
  cmd->add_flag("--skip-special", opts->skip_special, "With --decode: drop special tokens");
  cmd->add_option("--flavor", opts->flavor, "fast | slow (default: see above)")->check(CLI::IsMember({"fast", "slow"}));
  cmd->add_flag("--no-ignore-merges", opts->no_ignore_merges,
                "Ignore model.ignore_merges, as tokenizers 0.15.1 (SliME's pin) did");
  cmd->add_flag("--json", opts->json, "One JSON object per line: {\"text\", \"ids\"} ({\"ids\", \"text\"} with --decode,\n"
                "{\"template\", \"prompt\", \"ids\"} with --question)");
  cmd->callback([opts, text, input, dec, question] {
    if (!*text && !*input && !*dec && !*question) {
      throw_error(ErrorCode::kInvalidArgument, "tokenize: give --text, --input, --decode or --question");
    }
    opts->has_question = bool(*question);
    run(*opts);
  });
}

}  // namespace slime::cli
