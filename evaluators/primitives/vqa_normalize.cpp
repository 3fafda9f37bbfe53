#include "evaluators/primitives/vqa_normalize.h"

#include <array>
#include <unordered_map>
#include <unordered_set>

#include "evaluators/primitives/pystr.h"
#include "evaluators/primitives/regex.h"

namespace slime::eval {
namespace {

// 21 characters in upstream order; no ':' and no '\''.
constexpr std::array<std::string_view, 21> kPunct = {";", "/", "[", "]", "\"", "{", "}", "(", ")", "=", "+",
                                                     "\\", "_", "-", ">", "<", "@", "`", ",", "?", "!"};

const std::unordered_map<std::string, std::string>& number_map() {
  static const std::unordered_map<std::string, std::string> m = {
      {"none", "0"}, {"zero", "0"}, {"one", "1"}, {"two", "2"},   {"three", "3"}, {"four", "4"},
      {"five", "5"}, {"six", "6"},  {"seven", "7"}, {"eight", "8"}, {"nine", "9"},  {"ten", "10"}};
  return m;
}

// The upstream table verbatim, quirks included (capitalised keys never match after lower-casing,
// "somebody'd" -> "somebodyd" is reversed).
const std::unordered_map<std::string, std::string>& contractions() {
  static const std::unordered_map<std::string, std::string> m = {
      {"aint", "ain't"}, {"arent", "aren't"}, {"cant", "can't"}, {"couldve", "could've"},
      {"couldnt", "couldn't"}, {"couldn'tve", "couldn't've"}, {"couldnt've", "couldn't've"},
      {"didnt", "didn't"}, {"doesnt", "doesn't"}, {"dont", "don't"}, {"hadnt", "hadn't"},
      {"hadnt've", "hadn't've"}, {"hadn'tve", "hadn't've"}, {"hasnt", "hasn't"}, {"havent", "haven't"},
      {"hed", "he'd"}, {"hed've", "he'd've"}, {"he'dve", "he'd've"}, {"hes", "he's"}, {"howd", "how'd"},
      {"howll", "how'll"}, {"hows", "how's"}, {"Id've", "I'd've"}, {"I'dve", "I'd've"}, {"Im", "I'm"},
      {"Ive", "I've"}, {"isnt", "isn't"}, {"itd", "it'd"}, {"itd've", "it'd've"}, {"it'dve", "it'd've"},
      {"itll", "it'll"}, {"let's", "let's"}, {"maam", "ma'am"}, {"mightnt", "mightn't"},
      {"mightnt've", "mightn't've"}, {"mightn'tve", "mightn't've"}, {"mightve", "might've"},
      {"mustnt", "mustn't"}, {"mustve", "must've"}, {"neednt", "needn't"}, {"notve", "not've"},
      {"oclock", "o'clock"}, {"oughtnt", "oughtn't"}, {"ow's'at", "'ow's'at"}, {"'ows'at", "'ow's'at"},
      {"'ow'sat", "'ow's'at"}, {"shant", "shan't"}, {"shed've", "she'd've"}, {"she'dve", "she'd've"},
      {"she's", "she's"}, {"shouldve", "should've"}, {"shouldnt", "shouldn't"},
      {"shouldnt've", "shouldn't've"}, {"shouldn'tve", "shouldn't've"}, {"somebody'd", "somebodyd"},
      {"somebodyd've", "somebody'd've"}, {"somebody'dve", "somebody'd've"}, {"somebodyll", "somebody'll"},
      {"somebodys", "somebody's"}, {"someoned", "someone'd"}, {"someoned've", "someone'd've"},
      {"someone'dve", "someone'd've"}, {"someonell", "someone'll"}, {"someones", "someone's"},
      {"somethingd", "something'd"}, {"somethingd've", "something'd've"},
      {"something'dve", "something'd've"}, {"somethingll", "something'll"}, {"thats", "that's"},
      {"thered", "there'd"}, {"thered've", "there'd've"}, {"there'dve", "there'd've"},
      {"therere", "there're"}, {"theres", "there's"}, {"theyd", "they'd"}, {"theyd've", "they'd've"},
      {"they'dve", "they'd've"}, {"theyll", "they'll"}, {"theyre", "they're"}, {"theyve", "they've"},
      {"twas", "'twas"}, {"wasnt", "wasn't"}, {"wed've", "we'd've"}, {"we'dve", "we'd've"},
      {"weve", "we've"}, {"werent", "weren't"}, {"whatll", "what'll"}, {"whatre", "what're"},
      {"whats", "what's"}, {"whatve", "what've"}, {"whens", "when's"}, {"whered", "where'd"},
      {"wheres", "where's"}, {"whereve", "where've"}, {"whod", "who'd"}, {"whod've", "who'd've"},
      {"who'dve", "who'd've"}, {"wholl", "who'll"}, {"whos", "who's"}, {"whove", "who've"},
      {"whyll", "why'll"}, {"whyre", "why're"}, {"whys", "why's"}, {"wont", "won't"},
      {"wouldve", "would've"}, {"wouldnt", "wouldn't"}, {"wouldnt've", "wouldn't've"},
      {"wouldn'tve", "wouldn't've"}, {"yall", "y'all"}, {"yall'll", "y'all'll"}, {"y'allll", "y'all'll"},
      {"yall'd've", "y'all'd've"}, {"y'alld've", "y'all'd've"}, {"y'all'dve", "y'all'd've"},
      {"youd", "you'd"}, {"youd've", "you'd've"}, {"you'dve", "you'd've"}, {"youll", "you'll"},
      {"youre", "you're"}, {"youve", "you've"}};
  return m;
}

// Python passes re.UNICODE (== 32) as re.sub's positional `count`.
constexpr size_t kPeriodSubCount = 32;

const Regex& period_regex(VqaNorm v) {
  // A/B: the malformed "(?!<=\d)" lookahead means "not followed by '<=' + digit": in effect every
  // period not followed by a digit. C: a real lookbehind, so "2." keeps its period.
  static const Regex a(R"((?!<=\d)(\.)(?!\d))");
  static const Regex c(R"((?<!\d)\.(?!\d))");
  return v == VqaNorm::kVlmEvalKit ? c : a;
}

const Regex& comma_regex(VqaNorm v) {
  static const Regex a(R"((?<=\d)(\,)+(?=\d))");
  static const Regex b(R"((\d)(\,)(\d))");
  static const Regex c(R"((\d)(,)(\d))");
  switch (v) {
    case VqaNorm::kOfficial: return b;
    case VqaNorm::kVlmEvalKit: return c;
    default: return a;
  }
}
}  // namespace

std::string vqa_process_punctuation(std::string_view text, VqaNorm variant) {
  RegexMatch m;
  const bool digit_comma = comma_regex(variant).search(text, m);
  std::string out(text);
  for (std::string_view p : kPunct) {
    const std::string after = std::string(p) + " ", before = " " + std::string(p);
    // Tests look at the ORIGINAL text, replacements act on the running output.
    if (py::contains(text, after) || py::contains(text, before) || digit_comma) {
      out = py::replace_all(out, p, "");
    } else {
      out = py::replace_all(out, p, " ");
    }
  }
  return period_regex(variant).sub(out, "", kPeriodSubCount);
}

std::string vqa_process_digit_article(std::string_view text) {
  static const std::unordered_set<std::string> articles = {"a", "an", "the"};
  std::vector<std::string> words;
  for (std::string& w : py::split_ws(py::lower(text))) {
    auto n = number_map().find(w);
    std::string word = n == number_map().end() ? w : n->second;
    if (!articles.count(word)) words.push_back(std::move(word));
  }
  for (auto& w : words) {
    auto c = contractions().find(w);
    if (c != contractions().end()) w = c->second;
  }
  return py::join(words, " ");
}

std::string vqa_clean_whitespace(std::string_view text) {
  return py::strip(py::replace_all(py::replace_all(text, "\n", " "), "\t", " "));
}

std::string vqa_word_tokenize(std::string_view text) {
  std::string w = py::lower(text);
  w = py::replace_all(w, ",", "");
  w = py::replace_all(w, "?", "");
  w = py::replace_all(w, "'s", " 's");
  return py::strip(w);
}

std::string vqa_normalize(std::string_view text, VqaNorm variant) {
  std::string t = variant == VqaNorm::kEvalAI ? vqa_word_tokenize(text) : std::string(text);
  t = vqa_clean_whitespace(t);
  t = vqa_process_punctuation(t, variant);
  return vqa_process_digit_article(t);
}

}  // namespace slime::eval
