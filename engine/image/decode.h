// Image decoding to 8-bit RGB with the pixel values of Pillow's `Image.open(f).convert("RGB")`,
// which is what SliME's preprocessing sees (model.md §2.6). OpenCV decodes; we convert modes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace slime::image {

// Interleaved RGB8, row-major, no row padding: pixel (x, y) channel c is rgb[(y*width + x)*3 + c].
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;

  RgbImage() = default;
  RgbImage(int w, int h) : width(w), height(h), rgb(size_t(w) * size_t(h) * 3, 0) {}
  uint8_t* row(int y) { return rgb.data() + size_t(y) * size_t(width) * 3; }
  const uint8_t* row(int y) const { return rgb.data() + size_t(y) * size_t(width) * 3; }
};

// Pillow refuses images over 2 x Image.MAX_IMAGE_PIXELS (2 x 89,478,485) pixels with
// DecompressionBombError; we use the same bound so an image Pillow would reject is rejected here too.
constexpr int64_t kDefaultMaxPixels = 178'956'970;

struct DecodeOptions {
  int64_t max_pixels = kDefaultMaxPixels;  // width*height above this -> slime::Error (kUnsupported)
};

// Decodes a whole encoded file (PNG, JPEG, BMP, WebP, TIFF, ... whatever OpenCV's imgcodecs has).
// Like Pillow, EXIF orientation is NOT applied. Mode conversion follows Pillow's convert("RGB"):
//   gray (1/2/4/8-bit)    -> value replicated into R, G, B (low depths scaled to 0..255 by libpng)
//   gray + alpha, RGBA    -> alpha dropped, no compositing onto a background
//   palette (+ tRNS)      -> palette colour, transparency dropped
//   16-bit gray           -> Pillow opens it as mode "I" and convert() clips to 0..255: min(v, 255)
//   16-bit RGB/RGBA/LA    -> Pillow unpacks the high byte: v >> 8 (alpha dropped)
//   CMYK/YCCK JPEG        -> decoded by libjpeg directly, samples taken as Adobe-inverted, then
//                            Pillow's cmyk2rgb: nk - x*nk/255 (MULDIV255 rounding), nk = 255 - K
// `name` appears in error messages (a path or a label for in-memory bytes).
RgbImage decode_image(const uint8_t* data, size_t size, const std::string& name,
                      const DecodeOptions& options = {});
RgbImage decode_image(const std::vector<uint8_t>& bytes, const std::string& name,
                      const DecodeOptions& options = {});
RgbImage read_image(const std::string& path, const DecodeOptions& options = {});

// Width/height from a PNG or JPEG header without decoding, or {-1, -1} for other formats; used to
// enforce max_pixels before any allocation. Throws kFormat when a PNG/JPEG header is cut short.
struct HeaderSize {
  int64_t width = -1;
  int64_t height = -1;
};
HeaderSize peek_size(const uint8_t* data, size_t size, const std::string& name);

}  // namespace slime::image
