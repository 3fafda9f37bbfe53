// Base64 decoding as VLMEvalKit does it (`base64.b64decode(s)`, Python's non-validating mode):
// characters outside the alphabet (newlines, spaces) are skipped, padding must be right.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slime::data {

// nullopt when Python would raise binascii.Error ("Incorrect padding", excess data after '=').
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);
std::string base64_encode(const std::vector<uint8_t>& bytes);

// Whether the bytes start like an image the decoder reads (JPEG, PNG, GIF, BMP, WEBP, TIFF). A
// decoded cell that is not one is reported as corrupt base64 rather than handed to the engine.
bool looks_like_image(const std::vector<uint8_t>& bytes);

}  // namespace slime::data
