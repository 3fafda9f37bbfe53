#include <gtest/gtest.h>

#include "engine/common/error.h"

TEST(Error, CarriesCodeAndFormattedMessage) {
  try {
    slime::throw_error(slime::ErrorCode::kFormat, "{}: tensor '{}' is truncated", "a.safetensors", "w");
    FAIL() << "no throw";
  } catch (const slime::Error& e) {
    EXPECT_EQ(e.code(), slime::ErrorCode::kFormat);
    EXPECT_STREQ(e.what(), "a.safetensors: tensor 'w' is truncated");
    EXPECT_STREQ(slime::error_code_name(e.code()), "format");
  }
}
