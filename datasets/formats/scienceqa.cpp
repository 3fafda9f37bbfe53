#include "datasets/formats/scienceqa.h"

#include <filesystem>

#include <fmt/format.h>

#include "datasets/formats/image_files.h"
#include "datasets/formats/json_files.h"
#include "datasets/formats/sha256.h"
#include "engine/common/error.h"

namespace slime::data {
namespace fs = std::filesystem;

DatasetInfo load_scienceqa(const std::string& task, const LoadOptions& opt, bool image_only,
                           const SampleSink& sink) {
  DatasetInfo info;
  info.task = task;
  info.format = "scienceqa_json";
  const std::string split = opt.split.empty() ? "test" : opt.split;
  Sha256 hp, hs;
  const nlohmann::json problems = read_json_file((fs::path(opt.path) / "problems.json").string(), &hp);
  const nlohmann::json splits = read_json_file((fs::path(opt.path) / "pid_splits.json").string(), &hs);
  add_file_hash(info, "problems.json", hp.hex());
  add_file_hash(info, "pid_splits.json", hs.hex());
  if (!splits.contains(split) || !splits[split].is_array()) {
    throw_error(ErrorCode::kNotFound, "{}/pid_splits.json: no split '{}'", opt.path, split);
  }
  const std::string image_root =
      opt.image_root.empty() ? (fs::path(opt.path) / "images" / split).string() : opt.image_root;
  int64_t row = -1;
  for (const auto& pid_json : splits[split]) {
    ++row;
    Sample s;
    s.task = task;
    s.row = row;
    s.split = split;
    s.id = pid_json.is_string() ? pid_json.get<std::string>() : pid_json.dump();
    const std::string where = fmt::format("pid_splits.json {}[{}] (pid {})", split, row, s.id);
    auto it = problems.find(s.id);
    if (it == problems.end()) {
      s.error = fmt::format("missing_field: {}: not in problems.json", where);
      emit(info, sink, std::move(s));
      continue;
    }
    const auto& p = *it;
    const std::string image = json_text(p, "image");
    if (image_only && image.empty()) {
      ++info.filtered;
      continue;
    }
    s.question = json_text(p, "question");
    s.hint = json_text(p, "hint");
    s.category = json_text(p, "subject");
    for (const char* key : {"grade", "subject", "topic", "category", "skill"}) {
      if (p.contains(key)) s.meta[key] = p[key];
    }
    if (p.contains("choices") && p["choices"].is_array()) {
      for (size_t i = 0; i < p["choices"].size(); ++i) {
        s.options.push_back({std::string(1, char('A' + i)), p["choices"][i].get<std::string>()});
      }
    }
    if (s.question.empty() || s.options.empty()) {
      s.error = fmt::format("missing_field: {}: 'question' or 'choices' is empty", where);
    } else if (!p.contains("answer") || !p["answer"].is_number_integer() ||
               p["answer"].get<int64_t>() < 0 || p["answer"].get<size_t>() >= s.options.size()) {
      s.error = fmt::format("missing_field: {}: 'answer' is not an index into the choices", where);
    } else {
      s.answer = std::string(1, char('A' + p["answer"].get<int>()));
    }
    if (!image.empty()) {
      const std::string rel = s.id + "/" + image;
      auto r = resolve_image(image_root, rel, where, opt.hash_images, info);
      if (r.error.empty()) s.images.push_back({r.path, {}, rel});
      if (s.error.empty()) s.error = r.error;
    }
    emit(info, sink, std::move(s));
  }
  finish_content_hash(info);
  return info;
}

}  // namespace slime::data
