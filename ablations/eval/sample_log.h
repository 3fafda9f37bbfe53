// The append-only per-sample log (OUT/samples_<task>.jsonl): one JSON object per line, each line
// written with one write() and fsync'ed before the next sample is counted as done, so a `kill -9`
// or a power cut loses at most the line being written. Opening a log checks every line; a torn last
// line (no newline, or not JSON because the write was cut) is the trace of such a crash and is cut
// off, while a bad line before the last one means the file was edited or corrupted: kFormat.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace slime::suite {

struct LogContents {
  std::vector<nlohmann::json> records;  // the complete lines, in file order
  size_t good_bytes = 0;                // length of the prefix holding them
  bool torn_tail = false;               // bytes after good_bytes (a cut last line)
};

// Reads PATH without changing it; a missing file is an empty log. kIo / kFormat naming the line.
LogContents read_log(const std::string& path);

class SampleLog {
 public:
  // Opens (creating) PATH for appending; a torn last line is truncated away first (repaired()).
  explicit SampleLog(const std::string& path);
  ~SampleLog();
  SampleLog(const SampleLog&) = delete;
  SampleLog& operator=(const SampleLog&) = delete;

  const std::vector<nlohmann::json>& existing() const { return existing_; }
  bool repaired() const { return repaired_; }
  const std::string& path() const { return path_; }
  // Appends RECORD as one line and fsyncs; kIo naming the file on failure (disk full, file size
  // limit), after cutting a partially written line back off.
  void append(const nlohmann::json& record);

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<nlohmann::json> existing_;
  bool repaired_ = false;
};

// Writes TEXT to PATH through PATH.tmp.<pid> + fsync + rename, so readers see the old or the new file,
// never half of one.
void write_file_atomic(const std::string& path, const std::string& text);

}  // namespace slime::suite
