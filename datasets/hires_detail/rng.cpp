#include "datasets/hires_detail/rng.h"

namespace slime::data::hires {
namespace {

uint64_t mix(uint64_t z) {  // SplitMix64 finaliser
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

uint64_t Rng::next() {
  state_ += 0x9e3779b97f4a7c15ULL;
  return mix(state_);
}

int Rng::uniform(int lo, int hi) {
  const uint64_t range = static_cast<uint64_t>(static_cast<int64_t>(hi) - lo) + 1;
  const uint64_t limit = UINT64_MAX - UINT64_MAX % range;  // reject the biased tail
  uint64_t x;
  do {
    x = next();
  } while (x >= limit);
  return static_cast<int>(static_cast<int64_t>(lo) + static_cast<int64_t>(x % range));
}

double Rng::unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

uint64_t item_seed(uint64_t seed, const std::string& split, int index) {
  uint64_t h = mix(seed ^ 0x68697265732d6474ULL);  // "hires-dt"
  for (unsigned char c : split) h = mix(h ^ c);
  return mix(h ^ static_cast<uint64_t>(index));
}

}  // namespace slime::data::hires
