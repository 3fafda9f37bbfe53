#include "engine/text/post_processor.h"

namespace slime::text {

using detail::Json;
using detail::JsonAt;

namespace {
void parse(const Json& j, const JsonAt& at, PostProcessor& pp) {
  const std::string type = detail::as_string(detail::member(j, "type", at), at["type"]);
  if (type == "ByteLevel") return;
  if (type == "Sequence") {
    const Json& list = detail::require_array(detail::member(j, "processors", at), at["processors"]);
    for (size_t i = 0; i < list.size(); ++i) parse(list[i], at["processors"][i], pp);
    return;
  }
  if (type != "TemplateProcessing") at["type"].fail(ErrorCode::kUnsupported, "unsupported post_processor type '" + type + "'");
  const Json& specials = detail::require_object(detail::member(j, "special_tokens", at), at["special_tokens"]);
  const Json& single = detail::require_array(detail::member(j, "single", at), at["single"]);
  std::vector<int32_t> before, after;
  bool seen_sequence = false;
  for (size_t i = 0; i < single.size(); ++i) {
    const JsonAt iat = at["single"][i];
    if (const Json* seq = detail::optional_member(single[i], "Sequence")) {
      const std::string id = detail::as_string(detail::member(*seq, "id", iat["Sequence"]), iat["Sequence"]["id"]);
      if (id != "A" || seen_sequence) iat.fail(ErrorCode::kUnsupported, "a single template must hold $A exactly once");
      seen_sequence = true;
      continue;
    }
    const Json& sp = detail::member(single[i], "SpecialToken", iat);
    const std::string name = detail::as_string(detail::member(sp, "id", iat["SpecialToken"]), iat["SpecialToken"]["id"]);
    const JsonAt sat = at["special_tokens"][name];
    const Json* entry = detail::optional_member(specials, name.c_str());
    if (!entry) sat.fail(ErrorCode::kFormat, "special token used by the template is not defined");
    const Json& ids = detail::require_array(detail::member(*entry, "ids", sat), sat["ids"]);
    for (size_t k = 0; k < ids.size(); ++k) {
      const int64_t id = detail::as_int(ids[k], sat["ids"][k]);
      if (id < 0 || id > INT32_MAX) sat["ids"][k].fail(ErrorCode::kFormat, "id out of range");
      (seen_sequence ? after : before).push_back(int32_t(id));
    }
  }
  if (!seen_sequence) at["single"].fail(ErrorCode::kUnsupported, "the single template has no $A");
  // A later processor wraps the output of the earlier ones.
  pp.prefix.insert(pp.prefix.begin(), before.begin(), before.end());
  pp.suffix.insert(pp.suffix.end(), after.begin(), after.end());
}
}  // namespace

PostProcessor PostProcessor::from_json(const Json& j, const JsonAt& at) {
  PostProcessor pp;
  if (!j.is_null()) parse(j, at, pp);
  return pp;
}

}  // namespace slime::text
