// Read-only memory mapping of a whole file (RAII). Tensors viewed from a mapping point into it, so
// whoever holds a view also holds the shared_ptr that keeps the mapping alive.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace slime::io {

class MappedFile {
 public:
  // Maps `path` read-only (PROT_READ, MAP_PRIVATE). Throws kNotFound / kIo naming the path.
  static std::shared_ptr<const MappedFile> open(const std::string& path);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  const uint8_t* data() const { return data_; }  // nullptr for an empty file
  size_t size() const { return size_; }
  bool contains(const void* p) const {
    auto* b = static_cast<const uint8_t*>(p);
    return data_ != nullptr && b >= data_ && b <= data_ + size_;
  }

 private:
  MappedFile(std::string path, const uint8_t* data, size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const uint8_t* data_;
  size_t size_;
};

}  // namespace slime::io
