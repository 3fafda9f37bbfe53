#include "datasets/formats/slime_jsonl.h"

#include <filesystem>

#include <fmt/format.h>

#include "datasets/formats/image_files.h"
#include "datasets/formats/json_files.h"
#include "datasets/formats/sha256.h"
#include "engine/common/error.h"

namespace slime::data {
namespace fs = std::filesystem;
namespace {

// A manifest key as JSON, null when absent or when the manifest is not an object: json::value()
// would throw type_error on either (found by tests/fuzz/fuzz_llava_jsonl).
nlohmann::json manifest_field(const nlohmann::json& manifest, const char* key) {
  return manifest.is_object() && manifest.contains(key) ? manifest[key] : nlohmann::json();
}

}  // namespace

bool is_slime_jsonl_dir(const std::string& dir) {
  const fs::path manifest = fs::path(dir) / "dataset.json";
  if (!fs::is_regular_file(manifest)) return false;
  const nlohmann::json m = read_json_file(manifest.string());
  return manifest_field(m, "format") == kSlimeJsonlFormat;
}

nlohmann::json slime_jsonl_row(const Sample& s, const std::vector<std::string>& image_paths) {
  nlohmann::json row;
  row["id"] = s.id;
  if (image_paths.size() == 1) row["image"] = image_paths[0];
  if (image_paths.size() > 1) row["images"] = image_paths;
  row["question"] = s.question;
  if (!s.hint.empty()) row["hint"] = s.hint;
  if (!s.options.empty()) {
    nlohmann::json options = nlohmann::json::array();
    for (const auto& o : s.options) options.push_back(o.text);
    row["options"] = options;
  }
  row["answer"] = s.answer;
  if (!s.answers.empty()) row["answers"] = s.answers;
  if (!s.category.empty()) row["category"] = s.category;
  if (!s.split.empty()) row["split"] = s.split;
  if (!s.meta.empty()) row["meta"] = s.meta;
  return row;
}

DatasetInfo load_slime_jsonl(const std::string& task, const LoadOptions& opt, const SampleSink& sink) {
  DatasetInfo info;
  info.task = task;
  info.format = kSlimeJsonlFormat;
  fs::path file = opt.path, root = opt.path;
  if (fs::is_directory(file)) {
    const fs::path manifest = root / "dataset.json";
    if (fs::exists(manifest)) {
      Sha256 h;
      const nlohmann::json m = read_json_file(manifest.string(), &h);
      add_file_hash(info, "dataset.json", h.hex());
      const nlohmann::json format = manifest_field(m, "format"), version = manifest_field(m, "version");
      if (format != kSlimeJsonlFormat || version != kSlimeJsonlVersion) {
        throw_error(ErrorCode::kUnsupported, "{}: format {} version {}, expected {} version {}", manifest.string(),
                    format.dump(), version.dump(), kSlimeJsonlFormat, kSlimeJsonlVersion);
      }
    }
    file = root / ((opt.split.empty() ? std::string("test") : opt.split) + ".jsonl");
  } else {
    root = file.parent_path();
  }
  if (!fs::exists(file)) throw_error(ErrorCode::kNotFound, "{}: no such split file", file.string());
  const std::string image_root = opt.image_root.empty() ? root.string() : opt.image_root;
  const std::string name = file.filename().string();
  Sha256 h;
  for_each_jsonl(file.string(), &h, [&](int64_t row, const nlohmann::json& o, const std::string& error) {
    Sample s;
    s.task = task;
    s.row = row;
    s.error = error;
    const std::string where = fmt::format("{} row {}", name, row);
    auto missing = [&](const char* field) {
      if (s.error.empty()) s.error = fmt::format("missing_field: {}: '{}' is missing", where, field);
    };
    s.id = json_text(o, "id");
    if (s.id.empty()) { s.id = fmt::format("row{}", row); missing("id"); }
    s.question = json_text(o, "question");
    if (s.question.empty()) missing("question");
    s.hint = json_text(o, "hint");
    s.answer = json_text(o, "answer");
    if (o.is_object() && !o.contains("answer") && !o.contains("answers")) missing("answer");
    s.category = json_text(o, "category");
    s.split = json_text(o, "split");
    try {
      if (o.is_object() && o.contains("options")) {
        const auto& opts = o["options"];
        for (size_t i = 0; i < opts.size(); ++i) s.options.push_back({std::string(1, char('A' + i)), opts[i].get<std::string>()});
      }
      if (o.is_object() && o.contains("answers")) {
        for (const auto& a : o["answers"]) s.answers.push_back(a.is_string() ? a.get<std::string>() : a.dump());
      }
      if (o.is_object() && o.contains("meta")) s.meta = o["meta"];
    } catch (const nlohmann::json::exception& e) {
      if (s.error.empty()) s.error = fmt::format("bad_row: {}: {}", where, e.what());
    }
    std::vector<std::string> images;
    if (o.is_object() && o.contains("image") && o["image"].is_string()) images.push_back(o["image"]);
    if (o.is_object() && o.contains("images") && o["images"].is_array()) {
      for (const auto& i : o["images"]) images.push_back(i.is_string() ? i.get<std::string>() : i.dump());
    }
    for (const auto& rel : images) {
      auto r = resolve_image(image_root, rel, where, opt.hash_images, info);
      if (r.error.empty()) s.images.push_back({r.path, {}, rel});
      if (s.error.empty()) s.error = r.error;
    }
    emit(info, sink, std::move(s));
  });
  add_file_hash(info, name, h.hex());
  finish_content_hash(info);
  return info;
}

}  // namespace slime::data
