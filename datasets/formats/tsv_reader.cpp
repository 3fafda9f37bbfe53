#include "datasets/formats/tsv_reader.h"

#include "datasets/formats/cells.h"
#include "datasets/formats/sha256.h"
#include "engine/common/error.h"

namespace slime::data {
namespace {
constexpr size_t kBufferSize = 1 << 20;  // records can hold multi-MB base64 images
}  // namespace

int TsvReader::Cursor::get() {
  if (pos == len) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    len = static_cast<size_t>(in.gcount());
    pos = 0;
    if (len == 0) return -1;
    if (hash) hash->update(buf.data(), len);
  }
  ++offset;
  return static_cast<unsigned char>(buf[pos++]);
}

int TsvReader::Cursor::peek() {
  const int c = get();
  if (c >= 0) {
    --pos;
    --offset;
  }
  return c;
}

TsvReader::TsvReader(std::string path, Sha256* hash) : path_(std::move(path)) {
  main_.in.open(path_, std::ios::binary);
  if (!main_.in) throw_error(ErrorCode::kIo, "{}: cannot open TSV", path_);
  main_.buf.resize(kBufferSize);
  main_.hash = hash;
  std::string error;
  if (!read_record(main_, &header_, &error)) throw_error(ErrorCode::kFormat, "{}: empty TSV (no header)", path_);
  if (!error.empty()) throw_error(ErrorCode::kFormat, "{}: header: {}", path_, error);
  // pandas drops a UTF-8 byte-order mark at the start of the file.
  if (!header_.empty() && header_[0].rfind("\xEF\xBB\xBF", 0) == 0) header_[0].erase(0, 3);
}

int TsvReader::column(std::string_view name) const {
  for (size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

bool TsvReader::read_record(Cursor& c, std::vector<std::string>* fields, std::string* error) {
  // pandas (skip_blank_lines) also skips a line holding only spaces (tokenizer.c WHITESPACE_LINE).
  for (;;) {
    bool quoted = false;
    if (!read_fields(c, fields, error, &quoted)) return false;
    const bool spaces_only = fields->size() == 1 && !quoted &&
                             (*fields)[0].find_first_not_of(' ') == std::string::npos && !(*fields)[0].empty();
    if (!spaces_only) return true;
  }
}

bool TsvReader::read_fields(Cursor& c, std::vector<std::string>* fields, std::string* error, bool* quoted) {
  enum State { kStart, kField, kQuoted, kQuoteInQuoted };
  fields->clear();
  // Skip blank lines (pandas skip_blank_lines=True).
  int ch = c.peek();
  while (ch == '\n' || ch == '\r') {
    c.get();
    if (ch == '\n' || c.peek() != '\n') ++c.line;
    ch = c.peek();
  }
  if (ch < 0) return false;
  const int64_t start_line = c.line;
  std::string field;
  State state = kStart;
  for (;;) {
    ch = c.get();
    if (ch < 0) {
      if (state == kQuoted) *error = fmt::format("line {}: EOF inside a quoted field", start_line);
      fields->push_back(std::move(field));
      return true;
    }
    const char x = static_cast<char>(ch);
    const bool newline = x == '\n' || x == '\r';
    if (state == kQuoted) {
      if (x == '"') {
        state = kQuoteInQuoted;
      } else {
        if (x == '\n') ++c.line;
        field += x;
      }
      continue;
    }
    if (state == kQuoteInQuoted && x == '"') {  // "" inside quotes is one quote
      field += '"';
      state = kQuoted;
      continue;
    }
    if (x == '\t') {
      fields->push_back(std::move(field));
      field.clear();
      state = kStart;
      continue;
    }
    if (newline) {
      if (x == '\r' && c.peek() == '\n') c.get();
      ++c.line;
      fields->push_back(std::move(field));
      return true;
    }
    if (state == kStart && x == '"') {
      state = kQuoted;
      *quoted = true;
      continue;
    }
    field += x;
    state = kField;
  }
}

bool TsvReader::next(TsvRecord* r) {
  r->error.clear();
  r->offset = main_.offset;
  // Blank lines are skipped inside read_record; the record offset is where its text starts.
  int ch = main_.peek();
  while (ch == '\n' || ch == '\r') {
    main_.get();
    if (ch == '\n' || main_.peek() != '\n') ++main_.line;
    ch = main_.peek();
  }
  r->offset = main_.offset;
  r->line = main_.line;
  if (!read_record(main_, &r->cells, &r->error)) return false;
  r->row = next_row_++;
  if (!r->error.empty()) {
    r->error = fmt::format("bad_row: {} row {} {}", path_, r->row, r->error);
  } else if (r->cells.size() > header_.size()) {
    r->error = fmt::format("bad_row: {} row {} (line {}): expected {} fields, saw {}", path_, r->row,
                           r->line, header_.size(), r->cells.size());
  }
  r->cells.resize(header_.size());
  return true;
}

bool TsvReader::read_at(int64_t offset, TsvRecord* r) {
  Cursor c;
  c.in.open(path_, std::ios::binary);
  if (!c.in) throw_error(ErrorCode::kIo, "{}: cannot reopen TSV", path_);
  c.in.seekg(offset);
  c.offset = offset;
  c.buf.resize(kBufferSize);
  r->error.clear();
  r->offset = offset;
  if (!read_record(c, &r->cells, &r->error)) return false;
  r->cells.resize(header_.size());
  return true;
}

std::optional<std::string_view> TsvReader::cell(const TsvRecord& r, int column) const {
  if (column < 0 || column >= static_cast<int>(r.cells.size())) return std::nullopt;
  const std::string& s = r.cells[static_cast<size_t>(column)];
  if (is_pandas_na(s)) return std::nullopt;
  return std::string_view(s);
}

}  // namespace slime::data
