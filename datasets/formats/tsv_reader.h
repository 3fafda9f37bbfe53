// Streaming reader for VLMEvalKit TSVs, tokenising as pandas.read_csv(sep='\t') does with its C
// parser: a field that starts with '"' is quoted (may hold tabs and newlines, '""' is a quote,
// text after the closing quote is appended), quotes inside an unquoted field are literal, blank
// lines are skipped, \n, \r\n and \r end a record. One record is in memory at a time; records can
// be re-read by byte offset (VLMEvalKit lets a row's `image` be the `index` of another row).
#pragma once
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slime::data {

class Sha256;

struct TsvRecord {
  int64_t row = -1;        // 0-based data row (the header is not a row)
  int64_t line = 0;        // 1-based line number where the record starts (for messages)
  int64_t offset = 0;      // byte offset of the record start, for TsvReader::read_at
  std::vector<std::string> cells;  // as many as the header: missing trailing cells are NaN ("")
  std::string error;       // "bad_row: ..." when the record does not tokenise like pandas would
};

class TsvReader {
 public:
  // Opens `path` and reads the header. `hash` (optional) receives every byte read by next().
  explicit TsvReader(std::string path, Sha256* hash = nullptr);

  const std::string& path() const { return path_; }
  const std::vector<std::string>& header() const { return header_; }
  int column(std::string_view name) const;  // -1 when absent

  // The next record in file order; false at the end of the file.
  bool next(TsvRecord* record);
  // Re-reads the record that starts at `offset` (from an earlier TsvRecord) without disturbing
  // next(); `row` and `line` are copied in by the caller.
  bool read_at(int64_t offset, TsvRecord* record);

  // The cell, or nullopt when pandas would read NaN (absent column, short row, NA string).
  std::optional<std::string_view> cell(const TsvRecord& r, int column) const;

 private:
  struct Cursor {
    std::ifstream in;
    std::vector<char> buf;
    size_t pos = 0, len = 0;
    int64_t offset = 0;  // file offset of buf[pos]
    int64_t line = 1;
    Sha256* hash = nullptr;
    int get();
    int peek();
  };
  // Tokenises one record from `c`; false at EOF before any character.
  bool read_record(Cursor& c, std::vector<std::string>* fields, std::string* error);
  bool read_fields(Cursor& c, std::vector<std::string>* fields, std::string* error, bool* quoted);

  std::string path_;
  std::vector<std::string> header_;
  Cursor main_;
  int64_t next_row_ = 0;
};

}  // namespace slime::data
