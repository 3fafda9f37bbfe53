// SHA-256 (FIPS 180-4), used for dataset content hashes. OpenSSL is not a project dependency, and
// the hash only has to be the standard one (so `sha256sum` on the same file gives the same hex).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace slime::data {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(const std::string& s) { update(s.data(), s.size()); }
  std::array<uint8_t, 32> digest();  // finalises; the object must not be updated afterwards
  std::string hex();                 // digest() as 64 lower-case hex characters

 private:
  void block(const uint8_t* p);
  std::array<uint32_t, 8> h_;
  std::array<uint8_t, 64> buf_{};
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string sha256_hex(const std::string& bytes);
// Streams the file in chunks; throws kIo naming the path when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace slime::data
