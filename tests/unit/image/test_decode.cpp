// Decoding: every odd-mode golden must decode to Pillow's Image.open(f).convert("RGB") bytes, and
// bad input must raise slime::Error naming the file.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "engine/common/error.h"
#include "engine/image/decode.h"
#include "tests/unit/image/image_test_util.h"

namespace slime::image {
namespace {

using test::kImageData;
namespace fs = std::filesystem;

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / fs::path("slime_image_test_" + std::to_string(::getpid()))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::vector<uint8_t>& bytes) const {
    std::string p = (path_ / name).string();
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return p;
  }

 private:
  fs::path path_;
};

TEST(Decode, MatchesPillowConvertRgb) {
  const auto golden = test::load_json(kImageData + "decode.json");
  ASSERT_GE(golden["cases"].size(), 15u);
  for (const auto& c : golden["cases"]) {
    const std::string file = c["file"];
    SCOPED_TRACE(fmt::format("{} (Pillow mode {})", file, c["pillow_mode"].get<std::string>()));
    const RgbImage got = read_image(kImageData + file);
    const RgbImage want = read_image(kImageData + c["expected"].get<std::string>());
    EXPECT_EQ(got.width, c["size"][0].get<int>());
    EXPECT_EQ(test::first_difference(got, want), "");
  }
}

TEST(Decode, ExifOrientationIsIgnored) {
  // exif_rot6.jpg is 100x120 with Orientation=6; Pillow's open() keeps it 100 wide.
  const RgbImage img = read_image(kImageData + "decode/exif_rot6.jpg");
  EXPECT_EQ(img.width, 100);
  EXPECT_EQ(img.height, 120);
}

TEST(Decode, PeekSizeReadsPngAndJpegHeaders) {
  auto png = read_bytes(kImageData + "inputs/synth_333x337.png");
  HeaderSize s = peek_size(png.data(), png.size(), "png");
  EXPECT_EQ(s.width, 333);
  EXPECT_EQ(s.height, 337);
  auto jpg = read_bytes(kImageData + "decode/rgb420.jpg");
  s = peek_size(jpg.data(), jpg.size(), "jpg");
  EXPECT_EQ(s.width, 160);
  EXPECT_EQ(s.height, 120);
}

// Expects slime::Error with `code` and a message naming `path`.
void expect_error(const std::string& path, ErrorCode code, const DecodeOptions& options = {}) {
  try {
    read_image(path, options);
    ADD_FAILURE() << path << ": decoded without error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST(Decode, BadInputsRaiseErrorsNamingTheFile) {
  TempDir dir;
  auto png = read_bytes(kImageData + "inputs/synth_800x600.png");
  auto jpg = read_bytes(kImageData + "decode/rgb420.jpg");
  expect_error(dir.write("half.png", {png.begin(), png.begin() + png.size() / 2}), ErrorCode::kFormat);
  expect_error(dir.write("header_only.png", {png.begin(), png.begin() + 20}), ErrorCode::kFormat);
  expect_error(dir.write("half.jpg", {jpg.begin(), jpg.begin() + jpg.size() / 2}), ErrorCode::kFormat);
  expect_error(dir.write("empty.png", {}), ErrorCode::kFormat);
  const std::string text = "hello, this is not an image\n";
  expect_error(dir.write("text.png", {text.begin(), text.end()}), ErrorCode::kFormat);
  expect_error((fs::temp_directory_path() / "slime_no_such_image.png").string(), ErrorCode::kNotFound);
}

TEST(Decode, PixelLimit) {
  TempDir dir;
  auto png = read_bytes(kImageData + "inputs/synth_333x337.png");
  const std::string path = dir.write("ok.png", png);
  DecodeOptions small;
  small.max_pixels = 333 * 337 - 1;
  expect_error(path, ErrorCode::kUnsupported, small);
  small.max_pixels = 333 * 337;
  EXPECT_EQ(read_image(path, small).width, 333);
  // A PNG header claiming 20000 x 20000 (4e8 pixels, over Pillow's bound) is refused before any
  // decoding, with the default limit.
  auto huge = png;
  const uint8_t dims[8] = {0, 0, 0x4E, 0x20, 0, 0, 0x4E, 0x20};
  std::copy(dims, dims + 8, huge.begin() + 16);
  expect_error(dir.write("huge.png", huge), ErrorCode::kUnsupported);
  EXPECT_EQ(kDefaultMaxPixels, 2 * 89'478'485);
}

}  // namespace
}  // namespace slime::image
