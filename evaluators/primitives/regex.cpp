#include "evaluators/primitives/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "engine/common/error.h"

namespace slime::eval {
namespace {
pcre2_code* as_code(void* p) { return static_cast<pcre2_code*>(p); }

struct MatchData {
  pcre2_match_data* data = pcre2_match_data_create(16, nullptr);
  ~MatchData() { pcre2_match_data_free(data); }
};
}  // namespace

Regex::Regex(const std::string& pattern, bool ignore_case) : pattern_(pattern) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  const uint32_t flags = PCRE2_UTF | PCRE2_UCP | (ignore_case ? PCRE2_CASELESS : 0u);
  code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), flags, &err, &offset,
                        nullptr);
  if (!code_) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    throw_error(ErrorCode::kInternal, "scorer regex '{}' does not compile at offset {}: {}", pattern, offset,
                reinterpret_cast<const char*>(msg));
  }
}

Regex::~Regex() { pcre2_code_free(as_code(code_)); }

bool Regex::search(std::string_view text, RegexMatch& m, size_t start) const {
  thread_local MatchData md;
  // Predictions are arbitrary model text: let PCRE2 check UTF-8 and fail cleanly on bad bytes.
  const int rc = pcre2_match(as_code(code_), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), start, 0,
                             md.data, nullptr);
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(rc, msg, sizeof msg);
    throw_error(ErrorCode::kFormat, "scorer regex '{}' failed on a {}-byte text: {}", pattern_, text.size(),
                reinterpret_cast<const char*>(msg));
  }
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.data);
  uint32_t ngroups = 0;
  pcre2_pattern_info(as_code(code_), PCRE2_INFO_CAPTURECOUNT, &ngroups);
  m.begin = ov[0];
  m.end = ov[1];
  m.groups.assign(ngroups, std::string());
  for (uint32_t g = 1; g <= ngroups && int(g) < rc; ++g) {
    if (ov[2 * g] != PCRE2_UNSET) m.groups[g - 1] = std::string(text.substr(ov[2 * g], ov[2 * g + 1] - ov[2 * g]));
  }
  return true;
}

// Python advances past an empty match by one character; the patterns used here never match
// empty, but guard anyway so a bad pattern cannot loop.
static size_t next_start(std::string_view text, const RegexMatch& m) {
  if (m.end > m.begin) return m.end;
  size_t p = m.end + 1;
  while (p < text.size() && (static_cast<unsigned char>(text[p]) & 0xC0) == 0x80) ++p;
  return p;
}

std::vector<std::string> Regex::findall(std::string_view text) const {
  std::vector<std::string> out;
  RegexMatch m;
  size_t pos = 0;
  while (pos <= text.size() && search(text, m, pos)) {
    out.push_back(m.groups.empty() ? std::string(text.substr(m.begin, m.end - m.begin)) : m.groups[0]);
    pos = next_start(text, m);
  }
  return out;
}

std::string Regex::sub(std::string_view text, std::string_view repl, size_t count) const {
  std::string out;
  RegexMatch m;
  size_t pos = 0, copied = 0, done = 0;
  while (pos <= text.size() && (count == 0 || done < count) && search(text, m, pos)) {
    out.append(text.substr(copied, m.begin - copied));
    out.append(repl);
    copied = m.end;
    ++done;
    pos = next_start(text, m);
    if (m.end == m.begin && m.begin < text.size()) {
      out.append(text.substr(m.end, pos - m.end));
      copied = pos;
    }
  }
  out.append(text.substr(std::min(copied, text.size())));
  return out;
}

std::vector<std::string> Regex::split(std::string_view text) const {
  std::vector<std::string> out;
  RegexMatch m;
  size_t pos = 0, last = 0;
  while (pos <= text.size() && search(text, m, pos)) {
    if (m.end == m.begin) {  // Python 3.7+ splits on empty matches too; not needed by our patterns
      pos = next_start(text, m);
      continue;
    }
    out.emplace_back(text.substr(last, m.begin - last));
    last = m.end;
    pos = m.end;
  }
  out.emplace_back(text.substr(last));
  return out;
}

}  // namespace slime::eval
