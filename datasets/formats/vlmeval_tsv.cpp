#include "datasets/formats/vlmeval_tsv.h"

#include <filesystem>
#include <unordered_map>

#include <fmt/format.h>

#include "datasets/formats/base64.h"
#include "datasets/formats/cells.h"
#include "datasets/formats/image_files.h"
#include "datasets/formats/sha256.h"
#include "datasets/formats/tsv_reader.h"
#include "engine/common/error.h"

namespace slime::data {
namespace fs = std::filesystem;
namespace {

// VLMEvalKit ImageBaseDataset: an `image` cell of at most 64 characters is the index of the row
// whose image it shares.
constexpr size_t kImageRefMaxLen = 64;

// Columns that become Sample fields; every other column goes to meta under its own name.
bool is_core_column(const std::string& name) {
  if (name.size() == 1 && name[0] >= 'A' && name[0] <= 'Z') return true;
  for (const char* c : {"index", "image", "image_path", "question", "hint", "answer", "category", "split"}) {
    if (name == c) return true;
  }
  return false;
}

// Decodes one base64 cell (or a Python list of them) into images; "" or an error text.
std::string decode_images(std::string_view cell, const std::string& where, Sample& s, int64_t max_bytes) {
  if (static_cast<int64_t>(cell.size()) > max_bytes)
    return fmt::format("oversized_image: {}: base64 image cell of {} bytes exceeds the limit of {} bytes "
                       "(LoadOptions::max_base64_bytes)", where, cell.size(), max_bytes);
  std::vector<std::string> parts;
  if (auto list = parse_py_str_list(cell)) {
    parts = std::move(*list);
  } else {
    parts.emplace_back(cell);
  }
  for (size_t k = 0; k < parts.size(); ++k) {
    auto bytes = base64_decode(parts[k]);
    if (!bytes) return fmt::format("corrupt_base64: {}: image {} is not valid base64 (bad padding or length)", where, k);
    if (!looks_like_image(*bytes)) return fmt::format("corrupt_base64: {}: image {} decodes to {} bytes that are not an image", where, k, bytes->size());
    ImageRef ref;
    ref.bytes = std::move(*bytes);
    ref.name = parts.size() == 1 ? where : fmt::format("{}[{}]", where, k);
    s.images.push_back(std::move(ref));
  }
  return "";
}

}  // namespace

DatasetInfo load_vlmeval_tsv(const std::string& task, const LoadOptions& opt,
                             const TsvTaskRules& rules, const SampleSink& sink) {
  DatasetInfo info;
  info.task = task;
  info.format = "vlmeval_tsv";
  const std::string file_name = fs::path(opt.path).filename().string();
  const std::string image_root =
      opt.image_root.empty() ? fs::path(opt.path).parent_path().string() : opt.image_root;

  // Pass 1: hash + index -> offset of rows that hold a real image.
  std::unordered_map<std::string, int64_t> image_rows;
  {
    Sha256 hash;
    TsvReader reader(opt.path, &hash);
    const int c_index = reader.column("index"), c_image = reader.column("image");
    TsvRecord r;
    while (reader.next(&r)) {
      auto idx = reader.cell(r, c_index);
      auto img = reader.cell(r, c_image);
      // A repeated index: the last row wins, as in the dict VLMEvalKit builds.
      if (idx && img && img->size() > kImageRefMaxLen) image_rows.insert_or_assign(std::string(*idx), r.offset);
    }
    add_file_hash(info, file_name, hash.hex());
  }

  TsvReader reader(opt.path);
  const auto& header = reader.header();
  const int c_index = reader.column("index"), c_image = reader.column("image"),
            c_image_path = reader.column("image_path"), c_question = reader.column("question"),
            c_hint = reader.column("hint"), c_answer = reader.column("answer"),
            c_category = reader.column("category"), c_split = reader.column("split");
  if (c_index < 0 || c_question < 0) {
    throw_error(ErrorCode::kFormat, "{}: TSV header lacks 'index' or 'question' (has {} columns)", opt.path, header.size());
  }
  TsvRecord r, ref;
  while (reader.next(&r)) {
    Sample s;
    s.task = task;
    s.row = r.row;
    const std::string where = fmt::format("{} row {}", file_name, r.row);
    auto missing = [&](const char* column) {
      if (s.error.empty()) s.error = fmt::format("missing_field: {}: column '{}' is empty", where, column);
    };
    s.error = r.error;
    auto get = [&](int c) { auto v = reader.cell(r, c); return v ? std::string(*v) : std::string(); };
    if (auto v = reader.cell(r, c_index)) s.id = std::string(*v); else { s.id = fmt::format("row{}", r.row); missing("index"); }
    if (auto v = reader.cell(r, c_question)) s.question = std::string(*v); else missing("question");
    s.hint = get(c_hint);
    s.answer = get(c_answer);
    if (auto list = parse_py_str_list(s.answer)) s.answers = std::move(*list);
    s.category = get(c_category);
    s.split = get(c_split);
    for (size_t c = 0; c < header.size(); ++c) {
      const std::string& name = header[c];
      if (name.size() == 1 && name[0] >= 'A' && name[0] <= 'Z') {
        if (auto v = reader.cell(r, static_cast<int>(c))) s.options.push_back({name, std::string(*v)});
      } else if (!is_core_column(name)) {
        auto v = reader.cell(r, static_cast<int>(c));
        s.meta[name] = v ? nlohmann::json(std::string(*v)) : nlohmann::json(nullptr);
      }
    }
    // Image: base64 cell, a reference to another row's cell, or a file under image_root.
    std::string image_error;
    auto cell = reader.cell(r, c_image);
    if (cell && cell->size() <= kImageRefMaxLen) {
      auto it = image_rows.find(std::string(*cell));
      if (it == image_rows.end() || !reader.read_at(it->second, &ref)) {
        image_error = fmt::format("missing_image: {}: image refers to index '{}', which has no image", where, *cell);
      } else {
        image_error = decode_images(*reader.cell(ref, c_image), where, s, opt.max_base64_bytes);
      }
    } else if (cell) {
      image_error = decode_images(*cell, where, s, opt.max_base64_bytes);
    } else if (auto p = reader.cell(r, c_image_path)) {
      auto resolved = resolve_image(image_root, std::string(*p), where, opt.hash_images, info);
      if (resolved.error.empty()) s.images.push_back({resolved.path, {}, std::string(*p)});
      image_error = resolved.error;
    } else if (rules.image_required) {
      image_error = fmt::format("missing_image: {}: no image and no image_path", where);
    }
    if (s.error.empty()) s.error = image_error;
    if (rules.keep && !rules.keep(s)) {
      ++info.filtered;
      continue;
    }
    emit(info, sink, std::move(s));
  }
  finish_content_hash(info);
  return info;
}

}  // namespace slime::data
