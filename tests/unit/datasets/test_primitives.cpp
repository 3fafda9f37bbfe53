// sha256 (FIPS 180-4 test vectors), base64 as Python's non-validating b64decode, cell rules.
#include <gtest/gtest.h>

#include <string>

#include "datasets/formats/base64.h"
#include "datasets/formats/cells.h"
#include "datasets/formats/sha256.h"

namespace slime::data {
namespace {

TEST(Sha256, StandardVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // One million 'a', fed in uneven pieces (exercises the block buffer).
  Sha256 h;
  const std::string chunk(997, 'a');
  size_t left = 1000000;
  while (left > 0) {
    const size_t n = std::min(left, chunk.size());
    h.update(chunk.data(), n);
    left -= n;
  }
  EXPECT_EQ(h.hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

std::string decoded(const char* s) {
  auto b = base64_decode(s);
  return b ? std::string(b->begin(), b->end()) : std::string("<error>");
}

TEST(Base64, DecodesAsPythonNonValidating) {
  EXPECT_EQ(decoded("YWJj"), "abc");
  EXPECT_EQ(decoded("YWI="), "ab");
  EXPECT_EQ(decoded("YQ=="), "a");
  EXPECT_EQ(decoded("YW\nJj"), "abc");       // newlines skipped
  EXPECT_EQ(decoded("!!YW*Jj"), "abc");      // non-alphabet characters skipped
  EXPECT_EQ(decoded("YWI=YWJj"), "ab");      // a complete pad ends the data
  EXPECT_EQ(decoded("YWI"), "<error>");      // Incorrect padding
  EXPECT_EQ(decoded("YWJjZ"), "<error>");    // 1 more than a multiple of 4
  EXPECT_EQ(decoded("YQ="), "<error>");      // incomplete padding
  EXPECT_EQ(decoded(""), "");
}

TEST(Base64, RoundTripAndImageMagic) {
  for (size_t n = 0; n < 7; ++n) {
    std::vector<uint8_t> bytes;
    for (size_t i = 0; i < n; ++i) bytes.push_back(uint8_t(250 - 37 * i));
    EXPECT_EQ(*base64_decode(base64_encode(bytes)), bytes) << n;
  }
  EXPECT_TRUE(looks_like_image({0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0}));
  EXPECT_TRUE(looks_like_image({0xFF, 0xD8, 0xFF, 0xE0}));
  EXPECT_FALSE(looks_like_image({'h', 'e', 'l', 'l', 'o'}));
}

TEST(Cells, PandasNaAndLlavaIsNone) {
  for (const char* na : {"", "NaN", "nan", "None", "N/A", "NA", "null", "NULL", "#N/A", "<NA>", "n/a", "-nan"}) {
    EXPECT_TRUE(is_pandas_na(na)) << na;
  }
  for (const char* value : {"none", "0", "A", " ", "Nan", "NONE"}) EXPECT_FALSE(is_pandas_na(value)) << value;
  EXPECT_TRUE(llava_is_none(std::nullopt));
  EXPECT_TRUE(llava_is_none(std::string_view("NONE")));  // pandas keeps it, is_none drops it
  EXPECT_TRUE(llava_is_none(std::string_view("Nan")));
  EXPECT_FALSE(llava_is_none(std::string_view("a hint")));
}

TEST(Cells, PythonStringLists) {
  auto l = parse_py_str_list("['nokia', \"nokia's\", 'a\\'b', 'x\\ny']");
  ASSERT_TRUE(l);
  EXPECT_EQ(*l, (std::vector<std::string>{"nokia", "nokia's", "a'b", "x\ny"}));
  EXPECT_EQ(*parse_py_str_list("[]"), std::vector<std::string>{});
  EXPECT_EQ(*parse_py_str_list("[1, 2.5]"), (std::vector<std::string>{"1", "2.5"}));
  EXPECT_FALSE(parse_py_str_list("nokia"));
  EXPECT_FALSE(parse_py_str_list("['unterminated]"));
  EXPECT_FALSE(parse_py_str_list("['a' 'b']"));
}

}  // namespace
}  // namespace slime::data
