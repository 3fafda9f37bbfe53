// fuzz-libs: slime_text
// Arbitrary tokenizer.json (engine/text): part 0 is tokenizer.json, part 1 (optional)
// tokenizer_config.json, part 2 (optional) a text. A tokenizer that loads must then encode the
// text (or a fixed one) in its default flavour, and decode what it produced and its first ids.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/common/error.h"
#include "engine/text/tokenizer.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slime;
  const auto parts = fuzz::split_parts(fuzz::as_view(data, size), 3);
  const auto dir = fuzz::fresh_dir("tokenizer");
  fuzz::write_file(dir / "tokenizer.json", parts[0]);
  if (parts.size() > 1) fuzz::write_file(dir / "tokenizer_config.json", parts[1]);
  const std::string_view text = parts.size() > 2 ? parts[2] : "Hello world! <s> 12345 \xe4\xbd\xa0\xe5\xa5\xbd";
  try {
    const text::Tokenizer tok = text::Tokenizer::from_dir(dir.string());
    for (bool special : {false, true}) {
      const std::vector<int32_t> ids = tok.encode(text, special);
      for (int32_t id : ids)
        if (id < 0 || id >= tok.vocab_size()) std::abort();  // encode must only produce real ids
      (void)tok.decode(ids, special);
    }
    std::vector<int32_t> first;
    for (int32_t id = 0; id < tok.vocab_size() && id < 64; ++id) first.push_back(id);
    (void)tok.decode(first, false);
    (void)tok.bos_id();
    (void)tok.eos_id();
  } catch (const Error&) {
    // Malformed input must end here, as slime::Error; anything else escapes and is a finding.
  }
  return 0;
}
