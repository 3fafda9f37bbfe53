// fuzz-libs: slime_io
// safetensors header + sharded index (engine/io). Without a part marker the input is one
// .safetensors file, opened by SafetensorsFile::open and Checkpoint::open; with markers, part 0 is
// model.safetensors.index.json and parts 1.. are shards s1.safetensors, s2.safetensors, ... of a
// checkpoint directory. Every view handed out must lie inside the data section (the reader's
// promise, safetensors.h), checked here because reads past a mapping are invisible to ASan.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/common/error.h"
#include "engine/io/checkpoint.h"
#include "engine/io/safetensors.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

void check_views(const slime::io::SafetensorsFile& f) {
  const auto& map = *f.mapping();
  const uint8_t* begin = map.data() == nullptr ? nullptr : map.data() + 8 + f.header_bytes();
  const uint8_t* end = map.data() == nullptr ? nullptr : map.data() + map.size();
  for (const auto& t : f.tensors()) {
    if (t.nbytes != static_cast<size_t>(t.numel()) * slime::io::dtype_itemsize(t.dtype)) std::abort();
    if (t.nbytes == 0) continue;
    if (t.data < begin || t.data + t.nbytes > end) std::abort();
    if (f.find(t.name) != &t) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slime;
  const auto input = fuzz::as_view(data, size);
  const auto parts = fuzz::split_parts(input, 5);
  const auto dir = fuzz::fresh_dir("ckpt");
  try {
    if (parts.size() == 1) {
      const auto path = (dir / "model.safetensors").string();
      fuzz::write_file(path, input);
      check_views(io::SafetensorsFile::open(path));
    } else {
      fuzz::write_file(dir / "model.safetensors.index.json", parts[0]);
      for (size_t i = 1; i < parts.size(); ++i)
        fuzz::write_file(dir / ("s" + std::to_string(i) + ".safetensors"), parts[i]);
    }
    const auto ckpt = io::Checkpoint::open(dir.string());
    for (const auto& f : ckpt.files()) check_views(f);
    for (const auto& name : ckpt.names()) (void)ckpt.tensor(name);
    (void)io::to_json(ckpt).dump();
  } catch (const Error&) {
    // Malformed input must end here, as slime::Error; anything else escapes and is a finding.
  }
  return 0;
}
