// safetensors reader and writer: round trips, zero-copy, and one test per validation rule.
#include <cstring>
#include <numeric>

#include "engine/io/safetensors.h"
#include "engine/io/safetensors_writer.h"
#include "tests/unit/io/io_test_util.h"

namespace slime::io::test {
namespace {

using SafetensorsTest = TempDirTest;

const Dtype kAllDtypes[] = {Dtype::kBool, Dtype::kU8,  Dtype::kI8,   Dtype::kI16, Dtype::kI32,
                            Dtype::kI64,  Dtype::kF16, Dtype::kBF16, Dtype::kF32, Dtype::kF64};

// Deterministic bytes per tensor, so a swapped or shifted range shows up as a mismatch. BOOL gets
// 0/1 only (other bytes are not valid bools for readers that check).
std::vector<uint8_t> pattern_bytes(Dtype dtype, size_t nbytes, int seed) {
  std::vector<uint8_t> bytes(nbytes);
  for (size_t i = 0; i < nbytes; ++i)
    bytes[i] = dtype == Dtype::kBool ? static_cast<uint8_t>((i + seed) % 2)
                                     : static_cast<uint8_t>(31 * i + 7 * seed + 1);
  return bytes;
}

TEST(Dtypes, NamesSizesAndParsing) {
  for (Dtype d : kAllDtypes) EXPECT_EQ(parse_dtype(dtype_name(d)), d);
  EXPECT_EQ(dtype_itemsize(Dtype::kBF16), 2u);
  EXPECT_EQ(dtype_itemsize(Dtype::kI64), 8u);
  EXPECT_FALSE(parse_dtype("F8_E4M3").has_value());
  EXPECT_FALSE(parse_dtype("f32").has_value());  // names are case-sensitive in the format
}

TEST_F(SafetensorsTest, RoundTripsEveryDtypeEmptyAndRank0WithMetadata) {
  std::vector<std::vector<uint8_t>> storage;
  std::vector<TensorBuffer> buffers;
  int seed = 0;
  for (Dtype d : kAllDtypes) {
    std::vector<int64_t> shape = {2, 3};
    storage.push_back(pattern_bytes(d, 6 * dtype_itemsize(d), seed++));
    buffers.push_back({std::string("t.") + dtype_name(d), d, shape, storage.back().data(), storage.back().size(), {}});
  }
  storage.push_back(pattern_bytes(Dtype::kF32, 4, seed++));
  buffers.push_back({"scalar", Dtype::kF32, {}, storage.back().data(), 4, {}});
  buffers.push_back({"empty", Dtype::kBF16, {0, 5}, nullptr, 0, {}});
  storage.push_back(pattern_bytes(Dtype::kI16, 2, seed++));
  buffers.push_back({"last", Dtype::kI16, {1}, storage.back().data(), 2, {}});
  const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"note", "héllo \"quoted\""}};
  const std::string file = path("all.safetensors");
  write_safetensors(file, buffers, metadata);

  SafetensorsFile st = SafetensorsFile::open(file);
  EXPECT_EQ(st.metadata(), metadata);
  EXPECT_EQ((8 + st.header_bytes()) % 8, 0u) << "header must be padded to a multiple of 8";
  ASSERT_EQ(st.tensors().size(), buffers.size());
  for (size_t i = 0; i < buffers.size(); ++i) {
    const TensorView& v = st.at(buffers[i].name);
    EXPECT_EQ(v.dtype, buffers[i].dtype) << v.name;
    EXPECT_EQ(v.shape, buffers[i].shape) << v.name;
    ASSERT_EQ(v.nbytes, buffers[i].nbytes) << v.name;
    if (v.nbytes > 0) {
      EXPECT_EQ(std::memcmp(v.data, buffers[i].data, v.nbytes), 0) << v.name;
    }
    EXPECT_EQ(st.tensors()[i].name, buffers[i].name) << "tensors are laid out in the given order";
  }
  EXPECT_EQ(st.at("scalar").numel(), 1);
  EXPECT_EQ(st.at("empty").numel(), 0);
  EXPECT_EQ(st.find("nope"), nullptr);
  expect_error([&] { st.at("nope"); }, ErrorCode::kNotFound, {file, "nope"});
}

TEST_F(SafetensorsTest, ViewsAreZeroCopyIntoTheMapping) {
  std::vector<float> values(10);
  std::iota(values.begin(), values.end(), 0.5f);
  const std::string file = path("z.safetensors");
  write_safetensors(file, {{"w", Dtype::kF32, {10}, values.data(), 40, {}}});
  SafetensorsFile st = SafetensorsFile::open(file);
  const TensorView& w = st.at("w");
  EXPECT_TRUE(st.mapping()->contains(w.data));
  EXPECT_EQ(w.data, st.mapping()->data() + 8 + st.header_bytes());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(w.data) % 8, 0u);
  float first;
  std::memcpy(&first, w.data, 4);
  EXPECT_EQ(first, 0.5f);
}

TEST_F(SafetensorsTest, EmptyFileWithNoTensorsIsLegal) {
  const std::string file = path("none.safetensors");
  write_safetensors(file, {});
  EXPECT_TRUE(SafetensorsFile::open(file).tensors().empty());
}

TEST_F(SafetensorsTest, WriterRejectsBadBuffersAndLeavesNoFile) {
  float x = 1;
  const std::string file = path("bad.safetensors");
  expect_error([&] { write_safetensors(file, {{"a", Dtype::kF32, {1}, &x, 4, {}}, {"a", Dtype::kF32, {1}, &x, 4, {}}}); },
               ErrorCode::kInvalidArgument, {file, "'a'"});
  expect_error([&] { write_safetensors(file, {{"a", Dtype::kF32, {2}, &x, 4, {}}}); },
               ErrorCode::kInvalidArgument, {file, "'a'"});
  expect_error([&] { write_safetensors(file, {{"__metadata__", Dtype::kF32, {1}, &x, 4, {}}}); },
               ErrorCode::kInvalidArgument, {file, "__metadata__"});
  EXPECT_FALSE(fs::exists(file));
  EXPECT_TRUE(fs::is_empty(dir_)) << "no temporary file may be left behind";
}

TEST_F(SafetensorsTest, WriterReplacesAnExistingFileAtomically) {
  const std::string file = path("r.safetensors");
  int32_t a = 1, b = 2;
  write_safetensors(file, {{"x", Dtype::kI32, {1}, &a, 4, {}}});
  SafetensorsFile old = SafetensorsFile::open(file);  // a live mapping of the old file
  write_safetensors(file, {{"y", Dtype::kI32, {1}, &b, 4, {}}});
  EXPECT_NE(old.find("x"), nullptr);  // rename leaves the old inode (and mapping) intact
  EXPECT_NE(SafetensorsFile::open(file).find("y"), nullptr);
}

// ---- malformed files: one test per rule -------------------------------------------------------

TEST_F(SafetensorsTest, RejectsHeaderLengthAboveLimit) {
  const std::string file = path("big.safetensors");
  write_bytes(file, u64le(kMaxHeaderBytes + 1) + "{}");
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "exceeds"});
}

TEST_F(SafetensorsTest, RejectsHeaderLongerThanFile) {
  const std::string file = path("long.safetensors");
  write_bytes(file, u64le(100) + "{}");
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "past the end"});
}

TEST_F(SafetensorsTest, RejectsFileShorterThanLengthField) {
  const std::string file = path("tiny.safetensors");
  write_bytes(file, std::string("\x02\0\0", 3));
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "truncated"});
}

TEST_F(SafetensorsTest, RejectsHeaderThatIsNotJson) {
  const std::string file = path("nojson.safetensors");
  write_safetensors_raw(file, "{\"w\": nope}", 0);
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "not valid JSON"});
}

TEST_F(SafetensorsTest, RejectsHeaderThatIsNotAnObject) {
  const std::string file = path("array.safetensors");
  write_safetensors_raw(file, "[1, 2]", 0);
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "JSON object"});
  write_safetensors_raw(file, " {}", 0);  // the reference wants '{' as the very first byte
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "JSON object"});
}

TEST_F(SafetensorsTest, RejectsEntryWithMissingField) {
  const std::string file = path("missing.safetensors");
  write_safetensors_raw(file, R"({"w": {"dtype": "F32", "shape": [1]}})", 4);
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "'w'", "data_offsets"});
}

TEST_F(SafetensorsTest, RejectsUnknownDtypeAsUnsupported) {
  const std::string file = path("dtype.safetensors");
  write_safetensors_raw(file, R"({"w": {"dtype": "F8_E4M3", "shape": [4], "data_offsets": [0, 4]}})", 4);
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kUnsupported, {file, "'w'", "F8_E4M3"});
  write_safetensors_raw(file, R"({"w": {"dtype": "Q4", "shape": [4], "data_offsets": [0, 4]}})", 4);
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kUnsupported, {file, "'w'", "Q4"});
}

TEST_F(SafetensorsTest, RejectsNegativeOrNonIntegerShape) {
  const std::string file = path("shape.safetensors");
  write_safetensors_raw(file, R"({"w": {"dtype": "U8", "shape": [-1], "data_offsets": [0, 0]}})", 0);
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "'w'", "shape"});
  write_safetensors_raw(file, R"({"w": {"dtype": "U8", "shape": [1.5], "data_offsets": [0, 1]}})", 1);
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "'w'", "shape"});
}

TEST_F(SafetensorsTest, RejectsShapeWhoseByteCountOverflows) {
  const std::string file = path("overflow.safetensors");
  // 2^62 * 2^3 elements of 8 bytes wraps a 64-bit byte count to 0.
  write_safetensors_raw(file, R"({"w": {"dtype": "F64", "shape": [4611686018427387904, 8], "data_offsets": [0, 0]}})", 0);
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "'w'", "overflows"});
}

TEST_F(SafetensorsTest, RejectsOffsetsOutOfRange) {
  const std::string file = path("range.safetensors");
  write_safetensors_raw(file, R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 4);
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "'w'", "out of range"});
}

TEST_F(SafetensorsTest, RejectsOverlappingRanges) {
  const std::string file = path("overlap.safetensors");
  write_safetensors_raw(file, R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                  "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})", 12);
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "'b'", "overlap"});
}

TEST_F(SafetensorsTest, RejectsHoleBetweenRanges) {
  const std::string file = path("hole.safetensors");
  write_safetensors_raw(file, R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                                  "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})", 12);
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "'b'", "hole"});
}

TEST_F(SafetensorsTest, RejectsDataNotStartingAtZero) {
  const std::string file = path("start.safetensors");
  write_safetensors_raw(file, R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", 8);
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "'a'", "offset 0"});
}

TEST_F(SafetensorsTest, RejectsByteLengthDifferentFromShapeTimesItemsize) {
  const std::string file = path("len.safetensors");
  write_safetensors_raw(file, R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", 8);
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "'w'", "needs 12"});
}

TEST_F(SafetensorsTest, RejectsTrailingBytes) {
  const std::string file = path("trailing.safetensors");
  write_safetensors_raw(file, R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", 8);
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "'w'", "trailing"});
}

TEST_F(SafetensorsTest, RejectsDuplicateTensorNames) {
  const std::string file = path("dup.safetensors");
  write_safetensors_raw(file, R"({"w": {"dtype": "U8", "shape": [1], "data_offsets": [0, 1]},
                                  "w": {"dtype": "U8", "shape": [1], "data_offsets": [1, 2]}})", 2);
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "duplicate tensor name 'w'"});
}

TEST_F(SafetensorsTest, RejectsNonStringMetadata) {
  const std::string file = path("meta.safetensors");
  write_safetensors_raw(file, R"({"__metadata__": {"step": 3}})", 0);
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "step"});
}

TEST_F(SafetensorsTest, RejectsTruncatedFile) {
  const std::string file = path("cut.safetensors");
  std::vector<float> values(16, 1.0f);
  write_safetensors(file, {{"a", Dtype::kF32, {4}, values.data(), 16, {}},
                           {"b", Dtype::kF32, {12}, values.data(), 48, {}}});
  fs::resize_file(file, fs::file_size(file) - 3);
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kFormat, {file, "'b'", "truncated"});
}

TEST_F(SafetensorsTest, MissingFileIsNotFound) {
  const std::string file = path("absent.safetensors");
  expect_error([&] { SafetensorsFile::open(file); }, ErrorCode::kNotFound, {file});
}

}  // namespace
}  // namespace slime::io::test
