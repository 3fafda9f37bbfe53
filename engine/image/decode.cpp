// Decoding with OpenCV (libjpeg directly for CMYK JPEGs), then the per-mode conversion Pillow's
// convert("RGB") would do (decode.h). Built with SLIME_IMGCODECS OFF (no OpenCV imgcodecs, e.g. the
// GPU check's kit): libpng decodes PNG and libjpeg every JPEG, into the same BGR(A) / native 16-bit
// samples OpenCV hands back, so the conversion and therefore the pixels are the same.
#include "engine/image/decode.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE
#include <cstring>
#include <fstream>
#include <iterator>

#include <jpeglib.h>
#if SLIME_WITH_IMGCODECS
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#else
#include <png.h>
#endif

#include "engine/common/error.h"

namespace slime::image {
namespace {

bool is_png(const uint8_t* d, size_t n) {
  static const uint8_t kSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return n >= 8 && std::memcmp(d, kSig, 8) == 0;
}
bool is_jpeg(const uint8_t* d, size_t n) { return n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF; }

uint32_t be32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }
uint32_t be16(const uint8_t* p) { return (uint32_t(p[0]) << 8) | p[1]; }

// Walks JPEG marker segments from the SOI; calls fn(marker, segment_start) for each marker that
// has a length field, and stops at SOS (entropy-coded data follows) or when fn returns false.
// Returns the offset just past the SOS header, or 0 if no SOS was reached.
template <typename Fn>
size_t walk_jpeg_segments(const uint8_t* d, size_t n, Fn fn) {
  size_t pos = 2;
  while (pos + 4 <= n) {
    if (d[pos] != 0xFF) return 0;
    uint8_t marker = d[pos + 1];
    if (marker == 0xFF) { ++pos; continue; }  // fill byte
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD9)) { pos += 2; continue; }  // no length
    size_t len = be16(d + pos + 2);
    if (len < 2) return 0;
    if (!fn(marker, pos)) return 0;
    if (marker == 0xDA) return pos + 2 + len;
    pos += 2 + len;
  }
  return 0;
}

// Pillow raises "image file is truncated" where libjpeg only warns and fills the rest with grey,
// so a JPEG must have an EOI marker after its first scan. 0xFF 0xD9 cannot occur inside
// entropy-coded data (0xFF is byte-stuffed there), so its absence means the data stops early.
bool jpeg_truncated(const uint8_t* d, size_t n) {
  size_t scan = walk_jpeg_segments(d, n, [](uint8_t, size_t) { return true; });
  if (scan == 0) return true;
  for (size_t i = scan; i + 1 < n; ++i)
    if (d[i] == 0xFF && d[i + 1] == 0xD9) return false;
  return true;
}

// Number of colour components in the JPEG's frame header, or 0 when none is found.
int jpeg_components(const uint8_t* d, size_t n) {
  int components = 0;
  walk_jpeg_segments(d, n, [&](uint8_t marker, size_t pos) {
    bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof && pos + 10 <= n) {
      components = d[pos + 9];
      return false;
    }
    return true;
  });
  return components;
}

// libjpeg reports fatal errors through error_exit; we jump back and throw with its message.
struct JpegErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_error_exit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// 4-component (CMYK/YCCK) JPEGs, which OpenCV turns into BGR with its own formula. Pillow reads
// them as rawmode "CMYK;I" (Adobe's inverted samples, assumed for every CMYK JPEG), then
// convert("RGB") computes, per channel, nk - nk*x/255 with nk = 255 - K and MULDIV255 rounding:
// t = x*nk + 128; x*nk/255 ~ ((t >> 8) + t) >> 8.
// The libjpeg calls that may longjmp live in these two functions, which hold no C++ object with
// a destructor, so jumping out of them skips nothing.
bool jpeg_cmyk_start(jpeg_decompress_struct* cinfo, JpegErrorManager* err, const uint8_t* data, size_t size) {
  if (setjmp(err->jump)) return false;
  jpeg_mem_src(cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(cinfo, TRUE);
  cinfo->out_color_space = JCS_CMYK;  // libjpeg converts YCCK to CMYK, as it does for Pillow
  jpeg_start_decompress(cinfo);
  return true;
}

bool jpeg_cmyk_rows(jpeg_decompress_struct* cinfo, JpegErrorManager* err, uint8_t* rgb, uint8_t* line) {
  if (setjmp(err->jump)) return false;
  const size_t width = cinfo->output_width;
  while (cinfo->output_scanline < cinfo->output_height) {
    uint8_t* o = rgb + size_t(cinfo->output_scanline) * width * 3;
    JSAMPROW row = line;
    jpeg_read_scanlines(cinfo, &row, 1);
    for (size_t x = 0; x < width; ++x, o += 3) {
      const uint8_t* p = line + x * 4;
      const int nk = p[3];  // 255 - K, where K = 255 - stored sample (CMYK;I)
      for (int c = 0; c < 3; ++c) {
        const int t = (255 - p[c]) * nk + 128;
        o[c] = uint8_t(std::clamp(nk - (((t >> 8) + t) >> 8), 0, 255));
      }
    }
  }
  jpeg_finish_decompress(cinfo);
  return true;
}

RgbImage decode_cmyk_jpeg(const uint8_t* data, size_t size, const std::string& name) {
  jpeg_decompress_struct cinfo{};
  JpegErrorManager err{};
  cinfo.err = jpeg_std_error(&err.base);
  err.base.error_exit = jpeg_error_exit;
  err.base.output_message = [](j_common_ptr) {};  // warnings stay quiet
  jpeg_create_decompress(&cinfo);
  bool ok = jpeg_cmyk_start(&cinfo, &err, data, size);
  RgbImage out;
  if (ok) {
    out = RgbImage(int(cinfo.output_width), int(cinfo.output_height));
    std::vector<uint8_t> line(size_t(cinfo.output_width) * 4);
    ok = jpeg_cmyk_rows(&cinfo, &err, out.rgb.data(), line.data());
  }
  jpeg_destroy_decompress(&cinfo);
  if (!ok) throw_error(ErrorCode::kFormat, "{}: cannot decode CMYK JPEG: {}", name, err.message);
  return out;
}

void check_pixels(int64_t w, int64_t h, const std::string& name, const DecodeOptions& options) {
  if (w * h > options.max_pixels)
    throw_error(ErrorCode::kUnsupported,
                "{}: image of {}x{} = {} pixels exceeds the limit of {} pixels (--max-image-pixels; the default "
                "is Pillow's decompression-bomb bound)", name, w, h, w * h, options.max_pixels);
}

// Decoded samples as OpenCV hands them back: BGR(A) order, 8- or 16-bit (native endianness), rows
// STEP bytes apart. The per-type rules are Pillow's (decode.h).
RgbImage to_rgb(const uint8_t* base, size_t step, int cols, int rows, int ch, bool wide, const std::string& name) {
  if (ch < 1 || ch > 4) throw_error(ErrorCode::kUnsupported, "{}: unsupported channel count {}", name, ch);
  RgbImage out(cols, rows);
  for (int y = 0; y < rows; ++y) {
    uint8_t* o = out.row(y);
    const uint8_t* row = base + size_t(y) * step;
    for (int x = 0; x < cols; ++x, o += 3) {
      if (!wide) {
        const uint8_t* p = row + size_t(x) * ch;
        if (ch <= 2) o[0] = o[1] = o[2] = p[0];  // L / LA: replicate, drop alpha
        else { o[0] = p[2]; o[1] = p[1]; o[2] = p[0]; }  // BGR(A) -> RGB, drop alpha
      } else {
        const uint16_t* p = reinterpret_cast<const uint16_t*>(row) + size_t(x) * ch;
        if (ch == 1) o[0] = o[1] = o[2] = uint8_t(std::min<uint16_t>(p[0], 255));  // mode "I": clip
        else if (ch == 2) o[0] = o[1] = o[2] = uint8_t(p[0] >> 8);                 // "LA;16B": high byte
        else { o[0] = uint8_t(p[2] >> 8); o[1] = uint8_t(p[1] >> 8); o[2] = uint8_t(p[0] >> 8); }
      }
    }
  }
  return out;
}

#if SLIME_WITH_IMGCODECS
RgbImage to_rgb(const cv::Mat& m, const std::string& name) {
  if (m.depth() != CV_8U && m.depth() != CV_16U)
    throw_error(ErrorCode::kUnsupported, "{}: unsupported sample type (OpenCV depth {}); expected 8- or 16-bit", name, m.depth());
  return to_rgb(m.data, m.step[0], m.cols, m.rows, m.channels(), m.depth() == CV_16U, name);
}
#else
// libpng reads from memory; running past the end is a truncated file (png_error longjmps).
struct PngSource {
  const uint8_t* data;
  size_t size, pos;
};

void png_read_mem(png_structp png, png_bytep out, png_size_t n) {
  auto* src = static_cast<PngSource*>(png_get_io_ptr(png));
  if (n > src->size - src->pos) png_error(png, "truncated PNG data");
  std::memcpy(out, src->data + src->pos, n);
  src->pos += n;
}

struct PngError {
  char message[200];
};
void png_on_error(png_structp png, png_const_charp msg) {
  auto* err = static_cast<PngError*>(png_get_error_ptr(png));
  std::snprintf(err->message, sizeof err->message, "%s", msg);
  png_longjmp(png, 1);
}
void png_on_warning(png_structp, png_const_charp) {}  // warnings stay quiet, as in OpenCV

// As OpenCV's IMREAD_UNCHANGED: palette -> RGB(A), gray below 8 bits -> 8 bits (scaled by libpng),
// tRNS of gray/RGB kept out (no alpha), 16-bit kept, BGR order, native byte order. Like the JPEG
// helpers above, the functions that may longjmp hold no object with a destructor.
bool png_start(png_structp png, png_infop info, PngSource* src, int* width, int* height, int* channels, int* depth) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_read_fn(png, src, png_read_mem);
  png_read_info(png, info);
  const int type = png_get_color_type(png, info);
  if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if ((type & PNG_COLOR_MASK_COLOR) == 0 && png_get_bit_depth(png, info) < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (type & PNG_COLOR_MASK_COLOR) png_set_bgr(png);
  if (png_get_bit_depth(png, info) == 16) {
    const uint16_t one = 1;
    if (*reinterpret_cast<const uint8_t*>(&one) == 1) png_set_swap(png);  // little-endian host
  }
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  *width = int(png_get_image_width(png, info));
  *height = int(png_get_image_height(png, info));
  *channels = png_get_channels(png, info);
  *depth = png_get_bit_depth(png, info);
  return true;
}

bool png_rows(png_structp png, png_infop info, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_read_image(png, rows);
  png_read_end(png, info);
  return true;
}

RgbImage decode_png(const uint8_t* data, size_t size, const std::string& name, const DecodeOptions& options) {
  PngError err{};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &err, png_on_error, png_on_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    throw_error(ErrorCode::kInternal, "{}: libpng could not start", name);
  }
  PngSource src{data, size, 0};
  int width = 0, height = 0, channels = 0, depth = 0;
  bool ok = png_start(png, info, &src, &width, &height, &channels, &depth);
  std::vector<uint8_t> samples;
  size_t step = 0;
  if (ok) {
    try {
      check_pixels(width, height, name, options);
    } catch (...) {
      png_destroy_read_struct(&png, &info, nullptr);
      throw;
    }
    step = size_t(width) * size_t(channels) * size_t(depth / 8);
    samples.resize(step * size_t(height));
    std::vector<png_bytep> rows(static_cast<size_t>(height));
    for (int y = 0; y < height; ++y) rows[size_t(y)] = samples.data() + size_t(y) * step;
    ok = png_rows(png, info, rows.data());
  }
  png_destroy_read_struct(&png, &info, nullptr);
  if (!ok) throw_error(ErrorCode::kFormat, "{}: cannot decode PNG: {}", name, err.message);
  return to_rgb(samples.data(), step, width, height, channels, depth == 16, name);
}

// Gray or YCbCr/RGB JPEGs (CMYK ones go through decode_cmyk_jpeg): libjpeg's default decoding
// (islow DCT, fancy upsampling), which is what OpenCV and Pillow run too.
bool jpeg_plain_start(jpeg_decompress_struct* cinfo, JpegErrorManager* err, const uint8_t* data, size_t size) {
  if (setjmp(err->jump)) return false;
  jpeg_mem_src(cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(cinfo, TRUE);
  cinfo->out_color_space = cinfo->num_components == 1 ? JCS_GRAYSCALE : JCS_EXT_BGR;
  jpeg_start_decompress(cinfo);
  return true;
}

bool jpeg_plain_rows(jpeg_decompress_struct* cinfo, JpegErrorManager* err, uint8_t* out, size_t step) {
  if (setjmp(err->jump)) return false;
  while (cinfo->output_scanline < cinfo->output_height) {
    JSAMPROW row = out + size_t(cinfo->output_scanline) * step;
    jpeg_read_scanlines(cinfo, &row, 1);
  }
  jpeg_finish_decompress(cinfo);
  return true;
}

RgbImage decode_plain_jpeg(const uint8_t* data, size_t size, const std::string& name) {
  jpeg_decompress_struct cinfo{};
  JpegErrorManager err{};
  cinfo.err = jpeg_std_error(&err.base);
  err.base.error_exit = jpeg_error_exit;
  err.base.output_message = [](j_common_ptr) {};
  jpeg_create_decompress(&cinfo);
  bool ok = jpeg_plain_start(&cinfo, &err, data, size);
  std::vector<uint8_t> samples;
  size_t step = 0;
  int channels = 0;
  if (ok) {
    channels = cinfo.output_components;
    step = size_t(cinfo.output_width) * size_t(channels);
    samples.resize(step * cinfo.output_height);
    ok = jpeg_plain_rows(&cinfo, &err, samples.data(), step);
  }
  const int width = int(cinfo.output_width), height = int(cinfo.output_height);
  jpeg_destroy_decompress(&cinfo);
  if (!ok) throw_error(ErrorCode::kFormat, "{}: cannot decode JPEG: {}", name, err.message);
  return to_rgb(samples.data(), step, width, height, channels, false, name);
}

RgbImage decode_without_imgcodecs(const uint8_t* data, size_t size, const std::string& name,
                                  const DecodeOptions& options) {
  if (is_png(data, size)) return decode_png(data, size, name, options);
  if (is_jpeg(data, size)) return decode_plain_jpeg(data, size, name);  // size checked by the caller
  throw_error(ErrorCode::kFormat,
              "{}: not a decodable image ({} bytes; this build reads PNG and JPEG only: built without OpenCV "
              "imgcodecs, SLIME_IMGCODECS=OFF)", name, size);
}
#endif

}  // namespace

HeaderSize peek_size(const uint8_t* d, size_t n, const std::string& name) {
  HeaderSize s;
  if (is_png(d, n)) {
    if (n < 24 || std::memcmp(d + 12, "IHDR", 4) != 0)
      throw_error(ErrorCode::kFormat, "{}: truncated or malformed PNG header", name);
    s.width = be32(d + 16);
    s.height = be32(d + 20);
  } else if (is_jpeg(d, n)) {
    walk_jpeg_segments(d, n, [&](uint8_t marker, size_t pos) {
      // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC): height at +5, width at +7.
      bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (sof && pos + 9 <= n) {
        s.height = be16(d + pos + 5);
        s.width = be16(d + pos + 7);
        return false;
      }
      return true;
    });
  }
  return s;
}

RgbImage decode_image(const uint8_t* data, size_t size, const std::string& name, const DecodeOptions& options) {
  if (size == 0) throw_error(ErrorCode::kFormat, "{}: empty file (0 bytes), not an image", name);
  HeaderSize header = peek_size(data, size, name);
  if (header.width >= 0) check_pixels(header.width, header.height, name, options);
  if (is_jpeg(data, size) && jpeg_truncated(data, size))
    throw_error(ErrorCode::kFormat, "{}: truncated JPEG (no end-of-image marker after the scan data)", name);

  if (is_jpeg(data, size) && jpeg_components(data, size) == 4) return decode_cmyk_jpeg(data, size, name);

#if SLIME_WITH_IMGCODECS
  if (size > size_t(INT_MAX))  // cv::Mat columns are int
    throw_error(ErrorCode::kUnsupported, "{}: encoded file of {} bytes is larger than 2 GiB", name, size);
  cv::Mat encoded(1, int(size), CV_8U, const_cast<uint8_t*>(data));
  cv::Mat decoded;
  try {
    // UNCHANGED keeps 16-bit samples and alpha so we can convert as Pillow does; EXIF orientation
    // is ignored because Pillow's Image.open() does not apply it.
    decoded = cv::imdecode(encoded, cv::IMREAD_UNCHANGED | cv::IMREAD_IGNORE_ORIENTATION);
  } catch (const cv::Exception& e) {
    throw_error(ErrorCode::kFormat, "{}: cannot decode image: {}", name, e.what());
  }
  if (decoded.empty())
    throw_error(ErrorCode::kFormat, "{}: not a decodable image ({} bytes; truncated, corrupt or an unknown format)", name, size);
  check_pixels(decoded.cols, decoded.rows, name, options);
  return to_rgb(decoded, name);
#else
  return decode_without_imgcodecs(data, size, name, options);
#endif
}

RgbImage decode_image(const std::vector<uint8_t>& bytes, const std::string& name, const DecodeOptions& options) {
  return decode_image(bytes.data(), bytes.size(), name, options);
}

RgbImage read_image(const std::string& path, const DecodeOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    throw_error(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, "{}: cannot open image: {}", path, std::strerror(err));
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw_error(ErrorCode::kIo, "{}: read failed", path);
  return decode_image(bytes, path, options);
}

}  // namespace slime::image
