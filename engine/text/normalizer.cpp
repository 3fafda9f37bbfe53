#include "engine/text/normalizer.h"

#include "engine/text/unicode.h"

namespace slime::text {

using detail::Json;
using detail::JsonAt;

Normalizer Normalizer::from_json(const Json& j, const JsonAt& at) {
  Normalizer n;
  if (!j.is_null()) n.parse(j, at);
  return n;
}

void Normalizer::parse(const Json& j, const JsonAt& at) {
  const std::string type = detail::as_string(detail::member(j, "type", at), at["type"]);
  if (type == "Sequence") {
    const Json& list = detail::require_array(detail::member(j, "normalizers", at), at["normalizers"]);
    for (size_t i = 0; i < list.size(); ++i) parse(list[i], at["normalizers"][i]);
  } else if (type == "Prepend") {
    ops_.push_back({Op::kPrepend, detail::as_string(detail::member(j, "prepend", at), at["prepend"]), {}});
  } else if (type == "Replace") {
    const Json& pattern = detail::require_object(detail::member(j, "pattern", at), at["pattern"]);
    const Json* s = detail::optional_member(pattern, "String");
    if (!s) at["pattern"].fail(ErrorCode::kUnsupported, "only {\"String\": ...} patterns are supported");
    std::string from = detail::as_string(*s, at["pattern"]["String"]);
    if (from.empty()) at["pattern"].fail(ErrorCode::kFormat, "empty Replace pattern");
    ops_.push_back({Op::kReplace, std::move(from), detail::as_string(detail::member(j, "content", at), at["content"])});
  } else {
    at["type"].fail(ErrorCode::kUnsupported, "unsupported normalizer type '" + type + "'");
  }
}

void Normalizer::apply(std::string_view in, std::string& out) const {
  std::string tmp;
  out.assign(in);
  for (const Op& op : ops_) {
    if (op.kind == Op::kPrepend) {
      if (!out.empty()) out.insert(0, op.a);  // HF: only a non-empty string gets the prefix
      continue;
    }
    size_t hit = out.find(op.a);
    if (hit == std::string::npos) continue;
    tmp.clear();
    tmp.reserve(out.size() + out.size() / 2);
    size_t from = 0;
    for (; hit != std::string::npos; hit = out.find(op.a, from)) {
      tmp.append(out, from, hit - from);
      tmp.append(op.b);
      from = hit + op.a.size();
    }
    tmp.append(out, from, std::string::npos);
    out.swap(tmp);
  }
}

bool Normalizer::is_sentencepiece_like() const {
  return ops_.size() == 2 && ops_[0].kind == Op::kPrepend && ops_[0].a == kSpmSpace &&
         ops_[1].kind == Op::kReplace && ops_[1].a == " " && ops_[1].b == kSpmSpace;
}

}  // namespace slime::text
