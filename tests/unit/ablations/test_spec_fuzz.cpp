// A spec found by tests/fuzz/fuzz_ablation_spec (tests/data/fuzz_regressions/SOURCE.md): a
// number beyond double made load_spec throw nlohmann's out_of_range instead of slime::Error; and a
// grid that expands beyond memory (found by hand while fuzzing it).
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "ablations/spec.h"
#include "engine/common/error.h"

TEST(SpecFuzz, NumberOverflowIsAFormatError) {
  const std::string path = SLIME_SOURCE_DIR "/tests/data/fuzz_regressions/number_overflow_spec.json";
  try {
    slime::ablations::load_spec(path);
    ADD_FAILURE() << "no error";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), slime::ErrorCode::kFormat) << e.what();
    EXPECT_NE(std::string(e.what()).find("number_overflow_spec.json"), std::string::npos) << e.what();
  }
}

// Three 100-value axes were a million cells (2 GB and minutes) before any check; the grid is now
// bounded by kMaxCells up front, with a message naming the limit.
TEST(SpecFuzz, GridBeyondTheCellLimitIsRefused) {
  nlohmann::json axes;
  for (const char* axis : {"adapters", "branches"})
    for (int i = 0; i < 101; ++i)
      axes[axis].push_back({{"name", std::string(1, axis[0]) + std::to_string(i)}, {"set", {{"selector_topk", i + 1}}}});
  const nlohmann::json json = {{"name", "big"}, {"model", "m"}, {"tasks", {"pope"}}, {"axes", axes}};
  const slime::ablations::Spec spec = slime::ablations::parse_spec(json, "big.json");
  try {
    slime::ablations::expand_cells(spec);
    ADD_FAILURE() << "no error";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), slime::ErrorCode::kInvalidArgument) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::to_string(slime::ablations::kMaxCells)), std::string::npos) << e.what();
  }
}
