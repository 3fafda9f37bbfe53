// Deterministic ~1 MiB mixed corpus for the tokenizer benchmark (English prose, code, CJK, emoji,
// digits, whitespace runs), cut into ~1 KiB documents. Same output on every platform: a fixed
// splitmix64 stream picks from fixed word lists. scripts/bench_tokenizer.sh dumps it with
// `bench_tokenizer --dump-corpus FILE` so Python encodes exactly the same documents.
#pragma once
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

namespace slime::bench {

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return size_t(next() % n); }
  template <typename T, size_t N>
  const T& pick(const T (&a)[N]) { return a[below(N)]; }

 private:
  uint64_t s_;
};

inline std::vector<std::string> tokenizer_corpus(size_t total_bytes = 1 << 20) {
  static const char* kWords[] = {
      "the", "of", "and", "to", "in", "is", "that", "it", "was", "for", "on", "are", "with", "as", "they",
      "be", "at", "one", "have", "this", "from", "by", "hot", "word", "but", "what", "some", "we", "can",
      "out", "other", "were", "all", "there", "when", "up", "use", "your", "how", "said", "an", "each",
      "which", "she", "do", "their", "time", "if", "will", "way", "about", "many", "then", "them", "would",
      "write", "like", "so", "these", "her", "long", "make", "thing", "see", "him", "two", "has", "look",
      "more", "day", "could", "go", "come", "did", "number", "sound", "no", "most", "people", "my", "over",
      "know", "water", "than", "call", "first", "who", "may", "down", "side", "been", "now", "find",
      "image", "model", "question", "answer", "picture", "shows", "left", "right", "benchmark", "visual",
      "tokens", "resolution", "selection", "features", "compression", "don't", "it's", "we're", "they've",
      "Transformer", "multimodal", "high-resolution", "state-of-the-art", "e.g.", "i.e.", "(see", "below)"};
  static const char* kPunct[] = {".", ",", ";", ":", "?", "!", " -", "\"", "'", ")"};
  static const char* kCode[] = {
      "for (int i = 0; i < n; ++i) {", "  sum += values[i] * weights[i];", "}", "return std::move(out);",
      "def forward(self, x):", "    x = self.proj(x)  # (B, N, D)", "    return torch.softmax(x / t, dim=-1)",
      "if (!ok) throw std::runtime_error(\"bad input\");", "const auto& [key, value] = *it;",
      "\tprintf(\"%d\\n\", count);", "x_0 = np.linalg.norm(a - b, axis=1) ** 2", "}", "#include <vector>",
      "        self.layers = nn.ModuleList([Block(d) for _ in range(12)])", "SELECT id, name FROM users WHERE age > 30;",
      "<div class=\"row\"><span>{{ item.title }}</span></div>", "let v: Vec<u32> = (0..10).map(|i| i * i).collect();"};
  static const char* kCjk[] = {
      "的", "一", "是", "不", "了", "人", "我", "在", "有", "他", "这", "中", "大", "来", "上", "国", "个", "到",
      "说", "们", "为", "子", "和", "你", "地", "出", "道", "也", "时", "年", "得", "就", "那", "要", "下", "以",
      "生", "会", "自", "着", "去", "之", "过", "家", "学", "对", "可", "里", "后", "小", "么", "心", "多", "天",
      "图", "像", "模", "型", "视", "觉", "。", "，", "、", "？", "「", "」", "の", "は", "で", "す", "ま", "し",
      "た", "カ", "メ", "ラ", "한", "국", "어", "문", "장", "입", "니", "다", "🙂"};
  static const char* kEmoji[] = {"😀", "😂", "👍", "🎉", "❤️", "🔥", "👨‍👩‍👧‍👦", "🧑🏽‍💻", "🇫🇷", "✨", "🤖", "📷"};
  static const char* kSpace[] = {"\n", "\n\n", "\n\n\n", "  ", "    ", "\t", "\t\t", "        ", " \n", "\r\n", "   \n  "};

  Rng rng(0x5113e7e5);
  std::vector<std::string> docs;
  size_t total = 0;
  while (total < total_bytes) {
    std::string doc;
    while (doc.size() < 1024) {
      const size_t kind = rng.below(100);
      if (kind < 50) {  // prose sentence
        const size_t n = 6 + rng.below(14);
        for (size_t i = 0; i < n; ++i) {
          std::string w = rng.pick(kWords);
          if (i == 0) w[0] = char(std::toupper(static_cast<unsigned char>(w[0])));
          doc += (i ? " " : "") + w;
          if (rng.below(10) == 0) doc += rng.pick(kPunct);
        }
        doc += ". ";
      } else if (kind < 70) {  // code lines
        for (size_t i = 0, n = 2 + rng.below(5); i < n; ++i) doc += std::string(rng.pick(kCode)) + "\n";
      } else if (kind < 82) {  // CJK run
        for (size_t i = 0, n = 10 + rng.below(60); i < n; ++i) doc += rng.pick(kCjk);
        doc += rng.below(2) ? "\n" : " ";
      } else if (kind < 88) {  // emoji
        for (size_t i = 0, n = 1 + rng.below(6); i < n; ++i) doc += std::string(rng.pick(kEmoji)) + (rng.below(3) ? "" : " ");
      } else if (kind < 94) {  // digits: integers, decimals, dates
        doc += std::to_string(rng.next() % 1000000007ull);
        doc += rng.below(2) ? "." + std::to_string(rng.below(1000)) : "";
        doc += " " + std::to_string(1990 + rng.below(40)) + "-" + std::to_string(1 + rng.below(12)) + "-" +
               std::to_string(1 + rng.below(28)) + " ";
      } else {  // whitespace runs
        doc += rng.pick(kSpace);
        if (rng.below(4) == 0) doc += std::string(1 + rng.below(40), ' ');
      }
    }
    total += doc.size();
    docs.push_back(std::move(doc));
  }
  return docs;
}

}  // namespace slime::bench
