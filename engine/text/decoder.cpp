#include "engine/text/decoder.h"

#include "engine/text/unicode.h"

namespace slime::text {

using detail::Json;
using detail::JsonAt;

namespace {
void replace_all(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  std::string out;
  size_t pos = 0;
  for (size_t hit = s.find(from); hit != std::string::npos; hit = s.find(from, pos)) {
    out.append(s, pos, hit - pos).append(to);
    pos = hit + from.size();
  }
  if (pos == 0) return;
  out.append(s, pos, std::string::npos);
  s.swap(out);
}
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

int parse_byte_token(const std::string& t) {
  if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return -1;
  if (t[3] == '+') return hex_digit(t[4]);
  const int hi = hex_digit(t[3]), lo = hex_digit(t[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

Decoder Decoder::from_json(const Json& j, const JsonAt& at) {
  Decoder d;
  if (!j.is_null()) {
    d.none_ = false;
    d.parse(j, at);
  }
  return d;
}

void Decoder::parse(const Json& j, const JsonAt& at) {
  const std::string type = detail::as_string(detail::member(j, "type", at), at["type"]);
  if (type == "Sequence") {
    const Json& list = detail::require_array(detail::member(j, "decoders", at), at["decoders"]);
    for (size_t i = 0; i < list.size(); ++i) parse(list[i], at["decoders"][i]);
  } else if (type == "Replace") {
    const Json& pattern = detail::require_object(detail::member(j, "pattern", at), at["pattern"]);
    const Json* s = detail::optional_member(pattern, "String");
    if (!s) at["pattern"].fail(ErrorCode::kUnsupported, "only {\"String\": ...} patterns are supported");
    steps_.push_back({Step::kReplace, detail::as_string(*s, at["pattern"]["String"]),
                      detail::as_string(detail::member(j, "content", at), at["content"])});
  } else if (type == "ByteFallback") {
    steps_.push_back({Step::kByteFallback, {}, {}});
  } else if (type == "Fuse") {
    steps_.push_back({Step::kFuse, {}, {}});
  } else if (type == "ByteLevel") {
    steps_.push_back({Step::kByteLevel, {}, {}});
  } else if (type == "Strip") {
    Step st{Step::kStrip, {}, {}};
    const std::string content = detail::as_string(detail::member(j, "content", at), at["content"]);
    uint32_t cp = 0;
    if (content.empty() || utf8_decode(content, 0, cp) != content.size()) {
      at["content"].fail(ErrorCode::kFormat, "expected one character");
    }
    st.strip_char = cp;
    const int64_t start = detail::as_int(detail::member(j, "start", at), at["start"]);
    const int64_t stop = detail::as_int(detail::member(j, "stop", at), at["stop"]);
    if (start < 0 || stop < 0) at.fail(ErrorCode::kFormat, "negative Strip start/stop");
    st.start = size_t(start);
    st.stop = size_t(stop);
    steps_.push_back(st);
  } else {
    at["type"].fail(ErrorCode::kUnsupported, "unsupported decoder type '" + type + "'");
  }
}

std::string Decoder::decode(std::vector<std::string> tokens) const {
  std::string out;
  if (none_) {
    for (size_t i = 0; i < tokens.size(); ++i) out.append(i ? " " : "").append(tokens[i]);
    return out;
  }
  std::vector<std::string> next;
  for (const Step& st : steps_) {
    switch (st.kind) {
      case Step::kReplace:
        for (std::string& t : tokens) replace_all(t, st.from, st.to);
        break;
      case Step::kByteFallback: {
        // Runs of `<0xXX>` become their UTF-8 text, or one U+FFFD per byte if invalid.
        next.clear();
        std::string bytes;
        size_t nbytes = 0;
        auto flush = [&] {
          if (!nbytes) return;
          if (utf8_find_invalid(bytes) == std::string::npos) {
            next.push_back(bytes);
          } else {
            for (size_t k = 0; k < nbytes; ++k) next.emplace_back("\xEF\xBF\xBD");
          }
          bytes.clear();
          nbytes = 0;
        };
        for (std::string& t : tokens) {
          const int b = parse_byte_token(t);
          if (b >= 0) {
            bytes.push_back(char(b));
            ++nbytes;
          } else {
            flush();
            next.push_back(std::move(t));
          }
        }
        flush();
        tokens.swap(next);
        break;
      }
      case Step::kFuse: {
        std::string all;
        for (const std::string& t : tokens) all += t;
        tokens.assign(1, std::move(all));
        break;
      }
      case Step::kStrip:
        for (std::string& t : tokens) {
          // Character-wise, at most `start` leading and `stop` trailing copies of strip_char.
          size_t begin = 0, end = t.size();
          uint32_t cp = 0;
          for (size_t k = 0; k < st.start && begin < end; ++k) {
            const size_t len = utf8_decode(t, begin, cp);
            if (!len || cp != st.strip_char) break;
            begin += len;
          }
          for (size_t k = 0; k < st.stop && end > begin; ++k) {
            size_t p = end - 1;
            while (p > begin && (static_cast<unsigned char>(t[p]) & 0xC0) == 0x80) --p;
            if (utf8_decode(t, p, cp) != end - p || cp != st.strip_char) break;
            end = p;
          }
          t = t.substr(begin, end - begin);
        }
        break;
      case Step::kByteLevel: {
        // Each token maps back to bytes (or, if some char is outside the alphabet, stays as is);
        // all bytes together are read as lossy UTF-8.
        std::string bytes;
        for (const std::string& t : tokens) {
          const size_t mark = bytes.size();
          uint32_t cp = 0;
          bool ok = true;
          for (size_t p = 0; p < t.size() && ok;) {
            const size_t len = utf8_decode(t, p, cp);
            const int b = len ? unicode_to_byte(cp) : -1;
            if (b < 0) ok = false;
            else bytes.push_back(char(b)), p += len;
          }
          if (!ok) bytes.resize(mark), bytes += t;
        }
        tokens.assign(1, utf8_lossy(bytes));
        break;
      }
    }
  }
  for (const std::string& t : tokens) out += t;
  return out;
}

std::string clean_up_tokenization(std::string s) {
  static const std::pair<const char*, const char*> kRules[] = {
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kRules) replace_all(s, from, to);
  return s;
}

}  // namespace slime::text
