// tokenizer.json inputs of the class tests/fuzz found (tests/data/fuzz_regressions/SOURCE.md): a
// number beyond double is nlohmann's out_of_range, which must end as slime::Error too.
#include <gtest/gtest.h>

#include <string>

#include "engine/common/error.h"
#include "engine/text/tokenizer.h"

TEST(TokenizerFuzz, NumberOverflowIsAFormatError) {
  const std::string path = SLIME_SOURCE_DIR "/tests/data/fuzz_regressions/number_overflow_tokenizer.json";
  try {
    slime::text::Tokenizer::from_file(path);
    ADD_FAILURE() << "no error";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), slime::ErrorCode::kFormat) << e.what();
  }
}
