#include "engine/text/tokenizer.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include "engine/text/json_util.h"
#include "engine/text/slow_sentencepiece.h"
#include "engine/text/tokenizer_impl.h"
#include "engine/text/unicode.h"

namespace slime::text {

using detail::Json;
using detail::JsonAt;

const char* flavor_name(Flavor f) { return f == Flavor::kFast ? "fast" : "slow"; }

Flavor parse_flavor(std::string_view name) {
  if (name == "fast") return Flavor::kFast;
  if (name == "slow") return Flavor::kSlowSentencePiece;
  throw_error(ErrorCode::kInvalidArgument, "unknown tokenizer flavor '{}' (expected fast or slow)", name);
}

namespace {

std::shared_ptr<Tokenizer::Impl> load_tokenizer_json(const std::string& path) {
  const Json doc = detail::read_json_file(path);
  const JsonAt root{path, ""};
  detail::require_object(doc, root);
  auto impl = std::make_shared<Tokenizer::Impl>();
  impl->path = path;

  auto field = [&](const char* key) -> const Json& {
    static const Json null_json;
    auto it = doc.find(key);
    return it == doc.end() ? null_json : *it;
  };
  impl->normalizer = Normalizer::from_json(field("normalizer"), root["normalizer"]);
  impl->pretokenizer = PreTokenizer::from_json(field("pre_tokenizer"), root["pre_tokenizer"]);
  impl->decoder = Decoder::from_json(field("decoder"), root["decoder"]);
  impl->post = PostProcessor::from_json(field("post_processor"), root["post_processor"]);

  const Json& model = detail::member(doc, "model", root);
  detail::require_object(model, root["model"]);
  const Json* type = detail::optional_member(model, "type");
  if (!type) root["model"].fail(ErrorCode::kFormat, "missing key 'type'");
  const std::string model_type = detail::as_string(*type, root["model"]["type"]);
  if (model_type != "BPE") root["model"]["type"].fail(ErrorCode::kUnsupported, "unsupported model type '" + model_type + "' (only BPE)");
  impl->model = BpeModel::from_json(model, root["model"], impl->pretokenizer.byte_level());

  int32_t size = impl->model->size();
  if (const Json* added = detail::optional_member(doc, "added_tokens")) {
    const JsonAt aat = root["added_tokens"];
    detail::require_array(*added, aat);
    for (size_t i = 0; i < added->size(); ++i) {
      const Json& e = (*added)[i];
      const JsonAt eat = aat[i];
      AddedToken t;
      const int64_t id = detail::as_int(detail::member(e, "id", eat), eat["id"]);
      if (id < 0 || id > INT32_MAX) eat["id"].fail(ErrorCode::kFormat, fmt::format("id {} is out of range", id));
      t.id = int32_t(id);
      t.content = detail::as_string(detail::member(e, "content", eat), eat["content"]);
      if (t.content.empty()) eat["content"].fail(ErrorCode::kFormat, "empty added token");
      auto flag = [&](const char* key, bool def) {
        const Json* v = detail::optional_member(e, key);
        return v ? detail::as_bool(*v, eat[key]) : def;
      };
      t.special = flag("special", false);
      t.lstrip = flag("lstrip", false);
      t.rstrip = flag("rstrip", false);
      t.single_word = flag("single_word", false);
      t.normalized = flag("normalized", !t.special);
      size = std::max(size, t.id + 1);
      impl->added.push_back(std::move(t));
    }
  }
  impl->vocab_size = size;
  impl->added_index.assign(size_t(size), -1);
  std::vector<AddedToken> raw, normalized;
  for (size_t i = 0; i < impl->added.size(); ++i) {
    const AddedToken& t = impl->added[i];
    impl->added_index[size_t(t.id)] = int32_t(i);
    impl->added_ids.insert(t.content, t.id);  // the first of duplicate contents wins
    if (t.normalized && !impl->normalizer.empty()) {
      AddedToken n = t;
      impl->normalizer.apply(t.content, n.content);
      normalized.push_back(std::move(n));
    } else {
      raw.push_back(t);
    }
  }
  for (int32_t id = impl->model->size(); id < size; ++id) {
    if (impl->added_index[size_t(id)] < 0) root["added_tokens"].fail(ErrorCode::kFormat, fmt::format("no token has id {} (ids must have no gaps)", id));
  }
  impl->raw_matcher = AddedTokenMatcher(std::move(raw));
  impl->normalized_matcher = AddedTokenMatcher(std::move(normalized));
  impl->slow_matcher = AddedTokenMatcher(impl->added);
  for (int32_t id : impl->post.prefix) {
    if (id >= size) root["post_processor"].fail(ErrorCode::kFormat, fmt::format("special token id {} is out of range", id));
  }
  for (int32_t id : impl->post.suffix) {
    if (id >= size) root["post_processor"].fail(ErrorCode::kFormat, fmt::format("special token id {} is out of range", id));
  }
  if (!impl->post.prefix.empty()) impl->bos = impl->post.prefix.front();
  if (!impl->post.suffix.empty()) impl->eos = impl->post.suffix.back();
  const BpeModel& m = *impl->model;
  impl->sentencepiece_kind = !m.byte_level() && m.byte_fallback() && impl->normalizer.is_sentencepiece_like() &&
                             impl->pretokenizer.empty();
  return impl;
}

// tokenizer_config.json: a token given as "text" or {"content": "text", ...}.
std::optional<int32_t> config_token(const Json& cfg, const char* key, const JsonAt& at, const Tokenizer::Impl& impl) {
  const Json* v = detail::optional_member(cfg, key);
  if (!v) return std::nullopt;
  const std::string text = v->is_object() ? detail::as_string(detail::member(*v, "content", at[key]), at[key]["content"])
                                          : detail::as_string(*v, at[key]);
  const int32_t id = impl.token_to_id(text);
  if (id < 0) at[key].fail(ErrorCode::kFormat, "token '" + text + "' is not in the vocabulary");
  return id;
}

void apply_config(Tokenizer::Impl& impl, const std::string& path) {
  const Json cfg = detail::read_json_file(path);
  const JsonAt root{path, ""};
  detail::require_object(cfg, root);
  auto get_bool = [&](const char* key) -> std::optional<bool> {
    const Json* v = detail::optional_member(cfg, key);
    if (!v) return std::nullopt;
    return detail::as_bool(*v, root[key]);
  };
  std::string cls;
  if (const Json* v = detail::optional_member(cfg, "tokenizer_class")) cls = detail::as_string(*v, root["tokenizer_class"]);
  const bool llama = cls == "LlamaTokenizer" || cls == "LlamaTokenizerFast";
  if (auto bos = config_token(cfg, "bos_token", root, impl)) impl.bos = bos;
  if (auto eos = config_token(cfg, "eos_token", root, impl)) impl.eos = eos;
  // Llama tokenizers rebuild the post-processor from these flags (LlamaTokenizerFast.update_post_processor).
  const auto add_bos = get_bool("add_bos_token"), add_eos = get_bool("add_eos_token");
  if (add_bos || add_eos) {
    impl.post.prefix.clear();
    impl.post.suffix.clear();
    if (add_bos.value_or(false)) {
      if (!impl.bos) root["add_bos_token"].fail(ErrorCode::kFormat, "add_bos_token is true but there is no bos_token");
      impl.post.prefix.push_back(*impl.bos);
    }
    if (add_eos.value_or(false)) {
      if (!impl.eos) root["add_eos_token"].fail(ErrorCode::kFormat, "add_eos_token is true but there is no eos_token");
      impl.post.suffix.push_back(*impl.eos);
    }
  }
  // transformers' defaults when the keys are absent: LlamaTokenizer says false, the base class true.
  impl.clean_up = get_bool("clean_up_tokenization_spaces").value_or(!llama);
  impl.spaces_between_special_tokens = get_bool("spaces_between_special_tokens").value_or(!llama);
  const bool legacy = get_bool("legacy").value_or(true);  // null/absent: transformers warns, uses true
  if (cls == "LlamaTokenizer" && legacy && impl.sentencepiece_kind) impl.default_flavor = Flavor::kSlowSentencePiece;
  if (const Json* v = detail::optional_member(cfg, "model_max_length")) {
    // 1e30 (transformers' VERY_LARGE_INTEGER, "no limit") parses as a float: leave unset.
    if (v->is_number_integer()) impl.model_max_length = detail::as_int(*v, root["model_max_length"]);
    else if (!v->is_number()) root["model_max_length"].fail(ErrorCode::kFormat, "expected a number");
  }
}

bool file_exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Cut a SentencePiece-normalised text before every "▁" that follows another character: no merge
// crosses such a point (BpeModel::cuttable_before_spm_space), so words can be merged and cached
// one by one.
template <typename F>
void for_each_spm_word(std::string_view s, F&& f) {
  size_t start = 0;
  for (size_t p = s.find(kSpmSpace, 1); p != std::string_view::npos; p = s.find(kSpmSpace, p + 1)) {
    const bool after_space = p >= kSpmSpace.size() && s.compare(p - kSpmSpace.size(), kSpmSpace.size(), kSpmSpace) == 0;
    if (!after_space) {
      f(s.substr(start, p - start));
      start = p;
    }
  }
  f(s.substr(start));
}

}  // namespace

void Tokenizer::Impl::encode_text(std::string_view text, bool ignore_merges, std::vector<int32_t>& out) const {
  thread_local std::string normalized, scratch;
  thread_local std::vector<Segment> pieces;
  thread_local std::vector<Span> words;
  std::string_view norm = text;
  if (!normalizer.empty()) {
    normalizer.apply(text, normalized);
    norm = normalized;
  }
  auto encode_piece = [&](std::string_view piece) {
    if (piece.empty()) return;
    if (pretokenizer.empty()) {
      if (model->cuttable_before_spm_space()) {
        for_each_spm_word(piece, [&](std::string_view w) { model->encode_word(w, ignore_merges, out); });
      } else {
        model->encode_word(piece, ignore_merges, out);
      }
      return;
    }
    const std::string_view base = pretokenizer.split(piece, scratch, words);
    for (const Span& w : words) model->encode_word(base.substr(w.begin, w.end - w.begin), ignore_merges, out);
  };
  if (normalized_matcher.empty()) {
    encode_piece(norm);
    return;
  }
  pieces.clear();
  normalized_matcher.split_tokenizers(norm, 0, pieces);
  for (const Segment& s : pieces) {
    if (s.token >= 0) out.push_back(s.token);
    else encode_piece(norm.substr(s.begin, s.end - s.begin));
  }
}

Tokenizer::Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Tokenizer Tokenizer::from_file(const std::string& tokenizer_json) {
  return Tokenizer(load_tokenizer_json(tokenizer_json));
}

Tokenizer Tokenizer::from_dir(const std::string& dir) {
  if (dir.empty()) throw_error(ErrorCode::kInvalidArgument, "tokenizer: empty directory path");
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw_error(ErrorCode::kNotFound, "{}: not a directory", dir);
  const std::string json = dir + "/tokenizer.json";
  if (!file_exists(json) && file_exists(dir + "/tokenizer.model")) {
    throw_error(ErrorCode::kUnsupported, "{}: has tokenizer.model but no tokenizer.json; only tokenizer.json is read "
                "(convert it once with transformers 4.37: LlamaTokenizerFast.from_pretrained(DIR).save_pretrained(DIR))", dir);
  }
  auto impl = load_tokenizer_json(json);
  const std::string config = dir + "/tokenizer_config.json";
  if (file_exists(config)) apply_config(*impl, config);
  Tokenizer t(impl);
  t.flavor_ = impl->default_flavor;
  t.clean_up_ = impl->clean_up;
  return t;
}

void Tokenizer::set_flavor(Flavor f) {
  if (f == Flavor::kSlowSentencePiece && !impl_->sentencepiece_kind) {
    throw_error(ErrorCode::kUnsupported,
                "{}: the slow SentencePiece flavor needs a SentencePiece-kind model (BPE with byte_fallback, "
                "normalizer Prepend \"\u2581\" + Replace \" \" -> \"\u2581\", no pre_tokenizer)", impl_->path);
  }
  flavor_ = f;
}

Flavor Tokenizer::default_flavor() const { return impl_->default_flavor; }

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  const Impl& impl = *impl_;
  const size_t bad = utf8_find_invalid(text);
  if (bad != std::string_view::npos) {
    throw_error(ErrorCode::kInvalidArgument, "{}: encode: text is not valid UTF-8 at byte {}", impl.path, bad);
  }
  const bool ignore_merges = honor_ignore_merges_ && impl.model->file_ignore_merges();
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 8);
  if (add_special_tokens) out.insert(out.end(), impl.post.prefix.begin(), impl.post.prefix.end());
  thread_local std::vector<Segment> segments;
  segments.clear();
  if (flavor_ == Flavor::kSlowSentencePiece) {
    impl.slow_matcher.split_transformers(text, segments);
  } else if (impl.raw_matcher.empty()) {
    if (!text.empty()) segments.push_back({0, text.size(), -1});
  } else {
    impl.raw_matcher.split_tokenizers(text, 0, segments);
  }
  // encode_text may reuse thread-local buffers, but not `segments`: copy-free iteration is safe.
  for (const Segment& s : segments) {
    if (s.token >= 0) out.push_back(s.token);
    else impl.encode_text(text.substr(s.begin, s.end - s.begin), ignore_merges, out);
  }
  if (add_special_tokens) out.insert(out.end(), impl.post.suffix.begin(), impl.post.suffix.end());
  return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  const Impl& impl = *impl_;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= impl.vocab_size) {
      throw_error(ErrorCode::kInvalidArgument, "{}: decode: id {} at position {} is outside [0, {})", impl.path, ids[i], i,
                  impl.vocab_size);
    }
  }
  std::string text;
  if (flavor_ == Flavor::kSlowSentencePiece) {
    text = slow_decode(impl, ids, skip_special_tokens);
  } else {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int32_t id : ids) {
      if (skip_special_tokens && impl.is_special(id)) continue;
      tokens.push_back(impl.token(id));
    }
    text = impl.decoder.decode(std::move(tokens));
  }
  return clean_up_ ? clean_up_tokenization(std::move(text)) : text;
}

int32_t Tokenizer::token_to_id(std::string_view token) const { return impl_->token_to_id(token); }

std::string Tokenizer::id_to_token(int32_t id) const {
  if (id < 0 || id >= impl_->vocab_size) {
    throw_error(ErrorCode::kInvalidArgument, "{}: id {} is outside [0, {})", impl_->path, id, impl_->vocab_size);
  }
  return impl_->token(id);
}

int32_t Tokenizer::vocab_size() const { return impl_->vocab_size; }
std::optional<int32_t> Tokenizer::bos_id() const { return impl_->bos; }
std::optional<int32_t> Tokenizer::eos_id() const { return impl_->eos; }
std::optional<int64_t> Tokenizer::model_max_length() const { return impl_->model_max_length; }
bool Tokenizer::is_special(int32_t id) const { return impl_->is_special(id); }
bool Tokenizer::is_sentencepiece_kind() const { return impl_->sentencepiece_kind; }
const std::string& Tokenizer::path() const { return impl_->path; }

}  // namespace slime::text
