#include "evaluators/predictions.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "datasets/dataset.h"
#include "datasets/formats/json_files.h"
#include "datasets/formats/tsv_reader.h"
#include "engine/common/error.h"
#include "engine/common/input_limits.h"

namespace slime::eval {
namespace fs = std::filesystem;

namespace {

std::string extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

// The raw answer of one of our sample-log rows: resps [[text]] (lmms-eval's shape) or [text].
std::string raw_response(const nlohmann::json& row, const std::string& where) {
  const nlohmann::json* r = row.contains("resps") ? &row["resps"] : nullptr;
  while (r != nullptr && r->is_array() && !r->empty()) r = &(*r)[0];
  if (r != nullptr && r->is_string()) return r->get<std::string>();
  if (row.contains("error")) return "";  // a sample that failed in the run: scored as an empty answer
  throw_error(ErrorCode::kFormat, "{}: 'resps' holds no answer text", where);
}

PredictionFile read_jsonl(const std::string& path) {
  PredictionFile out;
  std::map<std::string, int64_t> seen;  // LLaVA answer files may repeat a question_id (MME)
  data::for_each_jsonl(path, nullptr, [&](int64_t row, const nlohmann::json& obj, const std::string& error) {
    const std::string where = path + " row " + std::to_string(row);
    if (!error.empty()) throw_error(ErrorCode::kFormat, "{}", error);
    std::string format;
    Prediction p;
    if (obj.contains("doc_id") && obj.contains("resps")) {
      format = "slime_samples";
      p = {data::json_text(obj, "doc_id"), raw_response(obj, where)};
    } else if (obj.contains("question_id") && obj.contains("text")) {
      format = "llava_answers";
      p = {data::repeated_id(seen, data::json_text(obj, "question_id")), data::json_text(obj, "text")};
    } else if (obj.contains("index") && obj.contains("prediction")) {
      format = "vlmevalkit";
      p = {data::json_text(obj, "index"), data::json_text(obj, "prediction")};
    } else {
      throw_error(ErrorCode::kFormat,
                  "{}: not a prediction row (expected doc_id+resps, question_id+text or index+prediction)", where);
    }
    if (out.format.empty()) out.format = format;
    if (format != out.format)
      throw_error(ErrorCode::kFormat, "{}: a {} row in a file of {} rows", where, format, out.format);
    out.predictions.push_back(std::move(p));
  });
  return out;
}

// RFC 4180 CSV as pandas.to_csv writes it: quoted fields may hold commas, quotes ("") and newlines.
std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_error(ErrorCode::kIo, "{}: cannot open", path);
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false, was_quoted = false;
  char c;
  auto end_field = [&] {
    rows.back().push_back(field);
    field.clear();
    was_quoted = false;
  };
  while (in.get(c)) {
    if (quoted) {
      if (c == '"') {
        if (in.peek() == '"') {
          field += '"';
          in.get(c);
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c == '"' && field.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && in.peek() == '\n') in.get(c);
      end_field();
      rows.emplace_back();
    } else {
      field += c;
    }
  }
  if (quoted) throw_error(ErrorCode::kFormat, "{}: unterminated quoted field at the end of the file", path);
  if (!field.empty() || !rows.back().empty()) end_field();
  while (!rows.empty() && (rows.back().empty() || (rows.back().size() == 1 && rows.back()[0].empty()))) rows.pop_back();
  return rows;
}

PredictionFile read_table(const std::string& path, bool tsv) {
  PredictionFile out;
  out.format = "vlmevalkit";
  auto missing = [&](const std::vector<std::string>& header) {
    throw_error(ErrorCode::kFormat, "{}: needs 'index' and 'prediction' columns (VLMEvalKit), the header has {} columns",
                path, header.size());
  };
  if (tsv) {
    data::TsvReader reader(path);
    const int index = reader.column("index"), prediction = reader.column("prediction");
    if (index < 0 || prediction < 0) missing(reader.header());
    data::TsvRecord rec;
    while (reader.next(&rec)) {
      if (!rec.error.empty()) throw_error(ErrorCode::kFormat, "{} line {}: {}", path, rec.line, rec.error);
      const auto id = reader.cell(rec, index);
      if (!id) throw_error(ErrorCode::kFormat, "{} line {}: empty index", path, rec.line);
      out.predictions.push_back({std::string(*id), std::string(reader.cell(rec, prediction).value_or(""))});
    }
    return out;
  }
  const auto rows = read_csv(path);
  if (rows.empty()) missing({});
  const auto& header = rows[0];
  int index = -1, prediction = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == "index") index = static_cast<int>(i);
    if (header[i] == "prediction") prediction = static_cast<int>(i);
  }
  if (index < 0 || prediction < 0) missing(header);
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (static_cast<int>(row.size()) <= std::max(index, prediction))
      throw_error(ErrorCode::kFormat, "{} row {}: {} fields, fewer than the header's", path, r - 1, row.size());
    out.predictions.push_back({row[index], row[prediction]});
  }
  return out;
}

}  // namespace

PredictionFile read_predictions(const std::string& path) {
  if (!fs::exists(path)) throw_error(ErrorCode::kNotFound, "{}: no such prediction file", path);
  const std::string ext = extension(path);
  // Downloaded prediction files are untrusted: the CSV reader holds the whole table, so bound it.
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (!ec && size > static_cast<uintmax_t>(kMaxDatasetJsonBytes))
    throw_error(ErrorCode::kInvalidArgument, "{}: prediction file of {} bytes exceeds the limit of {} bytes", path, size,
                kMaxDatasetJsonBytes);
  PredictionFile out;
  if (ext == ".xlsx" || ext == ".xls")
    throw_error(ErrorCode::kUnsupported,
                "{}: spreadsheets are not read; convert it first: python3 -c \"import pandas as p; "
                "p.read_excel('{}').to_csv('predictions.tsv', sep='\\t', index=False)\"",
                path, path);
  if (ext == ".tsv")
    out = read_table(path, true);
  else if (ext == ".csv")
    out = read_table(path, false);
  else
    out = read_jsonl(path);
  std::set<std::string> seen;
  for (const Prediction& p : out.predictions)
    if (!seen.insert(p.id).second) throw_error(ErrorCode::kInvalidArgument, "{}: id '{}' appears twice", path, p.id);
  return out;
}

}  // namespace slime::eval
