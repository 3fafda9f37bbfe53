// fuzz-libs: slime_text
// Encode/decode of arbitrary bytes with the real tokenizers of tests/data (loaded once): the
// Llama-2 SentencePiece-style one in both flavours (fast, and the slow LlamaTokenizer Vicuna models
// use) and the Llama-3 byte-level one with and without ignore_merges. Byte 0 picks the tokenizer and
// the special-token switches; the rest is the text (not UTF-8: refused as slime::Error). Decoding
// runs on the ids just produced and on ids read from the text's bytes (out of range: slime::Error).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "engine/common/error.h"
#include "engine/text/tokenizer.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

std::vector<slime::text::Tokenizer> load_all() {
  using slime::text::Tokenizer;
  const std::string data = SLIME_SOURCE_DIR "/tests/data/tokenizers/";
  Tokenizer llama2_fast = Tokenizer::from_dir(data + "llama2");
  llama2_fast.set_flavor(slime::text::Flavor::kFast);
  Tokenizer llama2_slow = llama2_fast;
  llama2_slow.set_flavor(slime::text::Flavor::kSlowSentencePiece);
  Tokenizer llama3 = Tokenizer::from_dir(data + "llama3");
  Tokenizer llama3_pinned = llama3;  // tokenizers 0.15 (SliME's pin) ignores ignore_merges
  llama3_pinned.set_honor_ignore_merges(false);
  return {llama2_fast, llama2_slow, llama3, llama3_pinned};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slime;
  static const std::vector<text::Tokenizer> tokenizers = load_all();
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const text::Tokenizer& tok = tokenizers[mode % tokenizers.size()];
  const bool add_special = mode & 0x10, skip_special = mode & 0x20;
  const std::string_view input = fuzz::as_view(data + 1, size - 1);

  try {
    const std::vector<int32_t> ids = tok.encode(input, add_special);
    for (int32_t id : ids)
      if (id < 0 || id >= tok.vocab_size()) std::abort();  // encode must only produce real ids
    (void)tok.decode(ids, skip_special);
  } catch (const Error&) {
    // Text that is not UTF-8 is refused (HF's tokenizers only ever see Python str).
  }

  std::vector<int32_t> raw(input.size() / sizeof(int32_t));
  if (!raw.empty()) std::memcpy(raw.data(), input.data(), raw.size() * sizeof(int32_t));
  try {
    (void)tok.decode(raw, skip_special);
    for (int32_t id : raw) (void)tok.id_to_token(id);
  } catch (const Error&) {
    // An id outside the vocabulary: the documented kInvalidArgument.
  }
  return 0;
}
