// Deterministic replacement for upstream's random.choice fallbacks (MMMU, MMBench): the pick
// depends only on (benchmark, sample id, rule version), never on order, batch size or shards.
#pragma once
#include <string>
#include <vector>

namespace slime::eval {

// 64-bit seed: FNV-1a over "benchmark \x1f sample_id \x1f rule_version", mixed by splitmix64.
uint64_t fallback_seed(const std::string& benchmark, const std::string& sample_id, const std::string& rule_version);
// choices[seed % n]; throws kInvalidArgument on an empty list.
std::string seeded_choice(const std::vector<std::string>& choices, const std::string& benchmark,
                          const std::string& sample_id, const std::string& rule_version);

}  // namespace slime::eval
