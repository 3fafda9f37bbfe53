#include "ablations/eval/sample_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/common/error.h"

namespace slime::suite {
namespace {

void write_all(int fd, const std::string& bytes, const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_error(ErrorCode::kIo, "{}: write failed: {}", path, std::strerror(errno));
    done += static_cast<size_t>(n);
  }
}

void sync_fd(int fd, const std::string& path) {
  if (::fsync(fd) != 0) throw_error(ErrorCode::kIo, "{}: fsync failed: {}", path, std::strerror(errno));
}

// fsync of the directory makes a created or renamed entry durable, not only the file's bytes.
void sync_dir_of(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // best effort: some filesystems refuse to open directories
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

LogContents read_log(const std::string& path) {
  LogContents out;
  if (!std::filesystem::exists(path)) return out;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kIo, "{}: cannot open the sample log", path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  size_t pos = 0;
  int64_t line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    const size_t nl = text.find('\n', pos);
    const bool complete = nl != std::string::npos;
    const std::string line = text.substr(pos, (complete ? nl : text.size()) - pos);
    nlohmann::json record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    const bool valid = !record.is_discarded() && record.is_object();
    const bool last = !complete || nl + 1 == text.size();
    if (!complete || !valid) {
      // Only the last line may be cut: appends are sequential, so a crash tears the tail alone.
      if (!last) throw_error(ErrorCode::kFormat, "{}:{}: not a JSON object (the log is corrupted)", path, line_no);
      out.torn_tail = true;
      break;
    }
    out.records.push_back(std::move(record));
    pos = nl + 1;
    out.good_bytes = pos;
  }
  return out;
}

SampleLog::SampleLog(const std::string& path) : path_(path) {
  LogContents contents = read_log(path);
  existing_ = std::move(contents.records);
  if (contents.torn_tail) {
    if (::truncate(path.c_str(), static_cast<off_t>(contents.good_bytes)) != 0)
      throw_error(ErrorCode::kIo, "{}: cannot cut the torn last line: {}", path, std::strerror(errno));
    repaired_ = true;
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw_error(ErrorCode::kIo, "{}: cannot open the sample log for appending: {}", path, std::strerror(errno));
  if (repaired_) sync_fd(fd_, path_);
  sync_dir_of(path_);
}

SampleLog::~SampleLog() {
  if (fd_ >= 0) ::close(fd_);
}

void SampleLog::append(const nlohmann::json& record) {
  // One write() per line: with O_APPEND the line lands whole at the end or, on a crash, as the
  // torn tail that the next open cuts off.
  // Invalid UTF-8 (a byte-level token cut mid-character) becomes U+FFFD rather than an exception.
  const std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const off_t before = ::lseek(fd_, 0, SEEK_END);
  try {
    write_all(fd_, line, path_);
    sync_fd(fd_, path_);
  } catch (const Error& e) {
    // Disk full (ENOSPC) or a file size limit (EFBIG) can cut the write mid-line: cut the partial
    // line now, so the file on disk holds whole lines even if nothing ever opens it again.
    const bool cut = before >= 0 && ::ftruncate(fd_, before) == 0 && ::fsync(fd_) == 0;
    throw_error(ErrorCode::kIo, "{}; {}", e.what(),
                cut ? "the log keeps its complete lines; free space and rerun the same command to resume"
                    : "the log may end in a torn line, which the next run cuts off");
  }
}

void write_file_atomic(const std::string& path, const std::string& text) {
  // The pid keeps two processes writing the same file (shards sharing a fingerprint cache) apart.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw_error(ErrorCode::kIo, "{}: cannot create: {}", tmp, std::strerror(errno));
  try {
    write_all(fd, text, tmp);
    sync_fd(fd, tmp);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());  // a half-written temporary (disk full) is no use to anyone
    throw;
  }
  ::close(fd);
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw_error(ErrorCode::kIo, "{}: cannot rename {} over it: {}", path, tmp, std::strerror(errno));
  sync_dir_of(path);
}

}  // namespace slime::suite
