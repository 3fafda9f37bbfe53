#include "engine/io/safetensors_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <set>

#include <nlohmann/json.hpp>

#include "engine/common/error.h"

namespace slime::io {
namespace {

// Removes the temporary file unless the rename happened.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  int fd_ = -1;
  bool committed_ = false;
  const std::string path_;
};

void write_all(const std::string& path, int fd, const void* data, size_t size) {
  auto* p = static_cast<const uint8_t*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw_error(ErrorCode::kIo, "{}: write failed: {}", path, std::strerror(errno));
    p += n;
    size -= static_cast<size_t>(n);
  }
}

std::string encode_header(const std::string& path, const std::vector<TensorBuffer>& tensors,
                          const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const TensorBuffer& t : tensors) {
    if (t.name == "__metadata__" || !names.insert(t.name).second)
      throw_error(ErrorCode::kInvalidArgument, "{}: tensor '{}': duplicate or reserved name", path,
                  t.name);
    uint64_t bytes = dtype_itemsize(t.dtype);
    for (int64_t d : t.shape) {
      if (d < 0)
        throw_error(ErrorCode::kInvalidArgument, "{}: tensor '{}': negative dimension", path, t.name);
      bytes *= static_cast<uint64_t>(d);
    }
    if (bytes != t.nbytes || (t.nbytes > 0 && t.data == nullptr))
      throw_error(ErrorCode::kInvalidArgument, "{}: tensor '{}': {} bytes given, shape x {} needs {}",
                  path, t.name, t.nbytes, dtype_name(t.dtype), bytes);
    header[t.name] = {{"dtype", dtype_name(t.dtype)},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

}  // namespace

void write_safetensors(const std::string& path, const std::vector<TensorBuffer>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  const std::string header = encode_header(path, tensors, metadata);
  static std::atomic<unsigned> counter{0};
  TempFile tmp(path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++));
  tmp.fd_ = ::open(tmp.path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (tmp.fd_ < 0)
    throw_error(ErrorCode::kIo, "{}: cannot create {}: {}", path, tmp.path_, std::strerror(errno));
  uint8_t length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<uint8_t>(uint64_t{header.size()} >> (8 * i));
  write_all(path, tmp.fd_, length, sizeof length);
  write_all(path, tmp.fd_, header.data(), header.size());
  for (const TensorBuffer& t : tensors) write_all(path, tmp.fd_, t.data, t.nbytes);
  // fsync before rename: after a crash the target is either the old file or the complete new one.
  bool flushed = ::fsync(tmp.fd_) == 0;
  flushed = ::close(tmp.fd_) == 0 && flushed;
  tmp.fd_ = -1;
  if (!flushed)
    throw_error(ErrorCode::kIo, "{}: flushing {} failed: {}", path, tmp.path_, std::strerror(errno));
  if (::rename(tmp.path_.c_str(), path.c_str()) != 0)
    throw_error(ErrorCode::kIo, "{}: rename from {} failed: {}", path, tmp.path_, std::strerror(errno));
  tmp.committed_ = true;
}

}  // namespace slime::io
