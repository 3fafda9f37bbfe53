#include "evaluators/primitives/seeded_choice.h"

#include "engine/common/error.h"

namespace slime::eval {

uint64_t fallback_seed(const std::string& benchmark, const std::string& sample_id, const std::string& rule_version) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a offset basis
  const std::string key = benchmark + '\x1f' + sample_id + '\x1f' + rule_version;
  for (unsigned char c : key) {
    h ^= c;
    h *= 0x100000001b3ull;  // FNV prime
  }
  // splitmix64 finaliser: spreads FNV's weak low bits before the modulo.
  h += 0x9e3779b97f4a7c15ull;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

std::string seeded_choice(const std::vector<std::string>& choices, const std::string& benchmark,
                          const std::string& sample_id, const std::string& rule_version) {
  if (choices.empty()) {
    throw_error(ErrorCode::kInvalidArgument, "{} sample '{}': random fallback over an empty choice list", benchmark,
                sample_id);
  }
  return choices[fallback_seed(benchmark, sample_id, rule_version) % choices.size()];
}

}  // namespace slime::eval
