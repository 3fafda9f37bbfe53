// Inputs found by tests/fuzz/fuzz_safetensors and fuzz_model_config (tests/data/fuzz_regressions/
// SOURCE.md).
#include <gtest/gtest.h>

#include <string>

#include "engine/common/error.h"
#include "engine/io/checkpoint.h"
#include "engine/io/model_config.h"

// metadata.total_size 3.99e21, a float beyond uint64, was converted to uint64 (undefined
// behaviour, reported by UBSan). It is now ignored, as a negative total is; the weights load.
TEST(CheckpointFuzz, TotalSizeBeyondUint64IsIgnored) {
  const auto ckpt = slime::io::Checkpoint::open(SLIME_SOURCE_DIR "/tests/data/fuzz_regressions/total_size_overflow");
  EXPECT_FALSE(ckpt.index_total_size().has_value());
  EXPECT_EQ(ckpt.size(), 1u);
  EXPECT_EQ(ckpt.tensor("w").nbytes, 8u);
}

// A --set value that is neither JSON nor UTF-8 became a JSON string whose dump() (in the error
// message of the key's validation) threw json::type_error; it is refused as kInvalidArgument.
TEST(ModelConfigFuzz, OverrideThatIsNotUtf8IsInvalidArgument) {
  auto config = slime::io::load_model_config(SLIME_SOURCE_DIR "/tests/data/io/configs/llava_v1_6_vicuna_7b_hf.json");
  try {
    slime::io::apply_override(config, "vision_config.image_size=null\xff\xff");
    ADD_FAILURE() << "no error";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), slime::ErrorCode::kInvalidArgument) << e.what();
    EXPECT_NE(std::string(e.what()).find("UTF-8"), std::string::npos) << e.what();
  }
}
