#include "datasets/formats/llava_layout.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <vector>

#include <fmt/format.h>

#include "datasets/formats/cells.h"
#include "datasets/formats/image_files.h"
#include "datasets/formats/json_files.h"
#include "datasets/formats/sha256.h"
#include "datasets/prompts.h"
#include "engine/common/error.h"

namespace slime::data {
namespace fs = std::filesystem;
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string root_or(const LoadOptions& opt, const char* sub) {
  return opt.image_root.empty() ? (fs::path(opt.path) / sub).string() : opt.image_root;
}

nlohmann::json read_hashed_json(DatasetInfo& info, const LoadOptions& opt, const std::string& rel) {
  Sha256 h;
  nlohmann::json j = read_json_file((fs::path(opt.path) / rel).string(), &h);
  add_file_hash(info, rel, h.hex());
  return j;
}

// Streams a question jsonl and turns each line into the common part of a Sample.
void for_each_question(DatasetInfo& info, const LoadOptions& opt, const std::string& rel,
                       const std::string& image_root, const std::string& task,
                       const std::function<void(Sample&&)>& fn) {
  Sha256 h;
  for_each_jsonl((fs::path(opt.path) / rel).string(), &h,
                 [&](int64_t row, const nlohmann::json& obj, const std::string& error) {
    Sample s;
    s.task = task;
    s.row = row;
    s.error = error;
    const std::string where = fmt::format("{} row {}", rel, row);
    s.id = json_text(obj, "question_id");
    if (s.id.empty()) s.id = fmt::format("row{}", row);
    const std::string text = json_text(obj, "text");
    s.question = strip_llava_suffix(text);
    s.category = json_text(obj, "category");
    s.meta["llava_text"] = text;
    if (s.error.empty() && text.empty()) s.error = fmt::format("missing_field: {}: 'text' is empty", where);
    const std::string image = json_text(obj, "image");
    if (obj.is_object()) {
      auto p = resolve_image(image_root, image, where, opt.hash_images, info);
      if (p.error.empty()) s.images.push_back({p.path, {}, image});
      if (s.error.empty()) s.error = p.error;
    }
    fn(std::move(s));
  });
  add_file_hash(info, rel, h.hex());
}

DatasetInfo start(const std::string& task) {
  DatasetInfo info;
  info.task = task;
  info.format = "llava_jsonl";
  return info;
}

void set_missing(Sample& s, const std::string& what) {
  if (s.error.empty()) s.error = "missing_field: " + what;
}

}  // namespace

std::string strip_llava_suffix(const std::string& text) {
  for (const char* suffix : {kShortAnswerSuffix, kLetterSuffix}) {
    if (ends_with(text, suffix)) return text.substr(0, text.size() - std::string_view(suffix).size());
  }
  return text;
}

DatasetInfo load_llava_pope(const std::string& task, const std::string& split,
                            const LoadOptions& opt, const SampleSink& sink) {
  DatasetInfo info = start(task);
  // Label lines of this split, in file order (each line a JSON object, POPE@e3e3926).
  const std::string label_rel = fmt::format("coco/coco_pope_{}.json", split);
  std::vector<nlohmann::json> labels;
  Sha256 h;
  for_each_jsonl((fs::path(opt.path) / label_rel).string(), &h,
                 [&](int64_t, const nlohmann::json& obj, const std::string&) { labels.push_back(obj); });
  add_file_hash(info, label_rel, h.hex());
  size_t next = 0;
  for_each_question(info, opt, "llava_pope_test.jsonl", root_or(opt, "val2014"), task, [&](Sample&& s) {
    if (s.category != split) {
      ++info.filtered;
      return;
    }
    s.split = split;
    if (next < labels.size()) {
      const auto& label = labels[next];
      s.answer = json_text(label, "label");
      s.meta["label_question_id"] = json_text(label, "question_id");
      if (s.answer.empty()) set_missing(s, fmt::format("{} row {}: 'label' is empty", label_rel, next));
    } else {
      set_missing(s, fmt::format("{}: no label line {} for question {}", label_rel, next, s.id));
    }
    ++next;
    emit(info, sink, std::move(s));
  });
  finish_content_hash(info);
  return info;
}

DatasetInfo load_llava_textvqa(const std::string& task, const LoadOptions& opt, const SampleSink& sink) {
  DatasetInfo info = start(task);
  const nlohmann::json ann = read_hashed_json(info, opt, "TextVQA_0.5.1_val.json");
  std::map<std::pair<std::string, std::string>, const nlohmann::json*> by_key;
  if (!ann.contains("data") || !ann["data"].is_array()) {
    throw_error(ErrorCode::kFormat, "{}/TextVQA_0.5.1_val.json: no 'data' list", opt.path);
  }
  for (const auto& a : ann["data"]) by_key[{json_text(a, "image_id"), lower(json_text(a, "question"))}] = &a;
  for_each_question(info, opt, "llava_textvqa_val_v051_ocr.jsonl", root_or(opt, "train_images"), task, [&](Sample&& s) {
    // eval_textvqa.py prompt_processor: the question is the line before "Reference OCR token:".
    const std::string text = s.meta["llava_text"].get<std::string>();
    std::vector<std::string> lines;
    size_t a = 0;
    for (size_t b; (b = text.find('\n', a)) != std::string::npos; a = b + 1) lines.push_back(text.substr(a, b - a));
    lines.push_back(text.substr(a));
    size_t q = starts_with(text, "Reference OCR token:") ? 1 : 0;
    s.question = q < lines.size() ? lines[q] : text;
    const std::string image_id = s.id;
    s.meta["image_id"] = image_id;
    auto it = by_key.find({image_id, lower(s.question)});
    if (it == by_key.end()) {
      set_missing(s, fmt::format("llava_textvqa_val_v051_ocr.jsonl row {}: no annotation for image {} question '{}'", s.row, image_id, s.question));
    } else {
      const auto& an = *it->second;
      s.id = json_text(an, "question_id");
      // Only a list of strings is answers; anything else would throw json::type_error out of the
      // loader (found by tests/fuzz/fuzz_llava_jsonl), so it is reported on the sample instead.
      if (auto ans = an.find("answers"); ans != an.end()) {  // find() is end() on a non-object too
        if (ans->is_array() && std::all_of(ans->begin(), ans->end(), [](const auto& x) { return x.is_string(); }))
          s.answers = ans->get<std::vector<std::string>>();
        else if (s.error.empty())
          s.error = fmt::format("bad_row: TextVQA_0.5.1_val.json question {}: 'answers' is not a list of strings", s.id);
      }
      auto ocr = an.find("ocr_tokens");
      s.meta["ocr_tokens"] = ocr != an.end() ? *ocr : nlohmann::json::array();
      if (s.answers.size() != 10) set_missing(s, fmt::format("TextVQA_0.5.1_val.json question {}: {} answers, expected 10", s.id, s.answers.size()));
    }
    emit(info, sink, std::move(s));
  });
  finish_content_hash(info);
  return info;
}

DatasetInfo load_llava_mme(const std::string& task, const LoadOptions& opt, const SampleSink& sink) {
  DatasetInfo info = start(task);
  const fs::path release = fs::path(opt.path) / "MME_Benchmark_release_version";
  // (category, file.txt, question) -> answer, read lazily per ground-truth file.
  std::map<std::string, std::map<std::string, std::string>> gt_files;  // "<cat>/<file>" -> q -> a
  auto gt_of = [&](const std::string& category, const std::string& file) -> const std::map<std::string, std::string>& {
    const std::string key = category + "/" + file;
    auto it = gt_files.find(key);
    if (it != gt_files.end()) return it->second;
    auto& table = gt_files[key];
    // Category and file come from the data: a name the filesystem refuses (too long, ...) is a
    // missing file, never an exception (found by fuzz_llava_jsonl).
    std::error_code ec;
    const fs::path dir = fs::exists(release / category / "images", ec) ? release / category / "questions_answers_YN" : release / category;
    const fs::path path = dir / file;
    std::ifstream in(path, std::ios::binary);
    if (!in) return table;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const fs::path relative = fs::relative(path, opt.path, ec);
    add_file_hash(info, (ec ? path : relative).string(), sha256_hex(text));
    size_t a = 0;
    while (a < text.size()) {
      size_t b = text.find('\n', a);
      if (b == std::string::npos) b = text.size();
      const std::string line = trim(std::string_view(text).substr(a, b - a));  // line.strip()
      const size_t tab = line.find('\t');
      if (tab != std::string::npos) table[line.substr(0, tab)] = line.substr(tab + 1);
      a = b + 1;
    }
    return table;
  };
  for_each_question(info, opt, "llava_mme.jsonl", root_or(opt, "MME_Benchmark_release_version"), task, [&](Sample&& s) {
    const std::string category = s.id.substr(0, s.id.find('/'));
    std::string file = s.id.substr(s.id.rfind('/') + 1);
    file = file.substr(0, file.find('.')) + ".txt";
    if (s.category.empty()) s.category = category;
    const auto& table = gt_of(category, file);
    std::string q = trim(s.question) + kMmeYesNo;
    auto it = table.find(q);
    if (it == table.end()) {
      q = trim(s.question) + " " + kMmeYesNo;  // some release files have two spaces
      it = table.find(q);
    }
    if (it == table.end()) {
      set_missing(s, fmt::format("MME_Benchmark_release_version/{}: no ground truth for '{}' in {}", category, s.question, file));
    } else {
      s.question = q;
      s.answer = it->second;
    }
    emit(info, sink, std::move(s));
  });
  finish_content_hash(info);
  return info;
}

DatasetInfo load_llava_gqa(const std::string& task, const LoadOptions& opt, const SampleSink& sink) {
  DatasetInfo info = start(task);
  const nlohmann::json ann = read_hashed_json(info, opt, "testdev_balanced_questions.json");
  for_each_question(info, opt, "llava_gqa_testdev_balanced.jsonl", root_or(opt, "images"), task, [&](Sample&& s) {
    auto it = ann.find(s.id);
    if (it == ann.end()) {
      set_missing(s, fmt::format("testdev_balanced_questions.json: no question {}", s.id));
    } else {
      s.answer = json_text(*it, "answer");
      s.meta["full_answer"] = json_text(*it, "fullAnswer");
      s.meta["image_id"] = json_text(*it, "imageId");
    }
    emit(info, sink, std::move(s));
  });
  finish_content_hash(info);
  return info;
}

DatasetInfo load_llava_mmvet(const std::string& task, const LoadOptions& opt, const SampleSink& sink) {
  DatasetInfo info = start(task);
  const nlohmann::json ann = read_hashed_json(info, opt, "mm-vet.json");
  for_each_question(info, opt, "llava-mm-vet.jsonl", root_or(opt, "images"), task, [&](Sample&& s) {
    const std::string key = "v1_" + s.id;  // convert_mmvet_for_eval.py: results[f'v1_{qid}']
    auto it = ann.find(key);
    if (it == ann.end()) {
      set_missing(s, fmt::format("mm-vet.json: no entry {}", key));
    } else {
      s.answer = json_text(*it, "answer");
      s.category = json_text(*it, "capability");
      if (it->contains("capability")) s.meta["capability"] = (*it)["capability"];
    }
    emit(info, sink, std::move(s));
  });
  finish_content_hash(info);
  return info;
}

DatasetInfo load_llava_bench(const std::string& task, const LoadOptions& opt, const SampleSink& sink) {
  DatasetInfo info = start(task);
  std::map<std::string, std::string> reference, captions;
  {
    Sha256 h;
    for_each_jsonl((fs::path(opt.path) / "answers_gpt4.jsonl").string(), &h,
                   [&](int64_t, const nlohmann::json& o, const std::string&) { reference[json_text(o, "question_id")] = json_text(o, "text"); });
    add_file_hash(info, "answers_gpt4.jsonl", h.hex());
  }
  if (fs::exists(fs::path(opt.path) / "context.jsonl")) {
    Sha256 h;
    for_each_jsonl((fs::path(opt.path) / "context.jsonl").string(), &h,
                   [&](int64_t, const nlohmann::json& o, const std::string&) { captions[json_text(o, "image")] = json_text(o, "caption"); });
    add_file_hash(info, "context.jsonl", h.hex());
  }
  for_each_question(info, opt, "questions.jsonl", root_or(opt, "images"), task, [&](Sample&& s) {
    auto it = reference.find(s.id);
    if (it == reference.end()) set_missing(s, fmt::format("answers_gpt4.jsonl: no answer for question {}", s.id));
    else s.answer = it->second;
    if (!s.images.empty()) {
      auto c = captions.find(s.images[0].name);
      if (c != captions.end()) s.meta["caption"] = c->second;
    }
    emit(info, sink, std::move(s));
  });
  finish_content_hash(info);
  return info;
}

}  // namespace slime::data
