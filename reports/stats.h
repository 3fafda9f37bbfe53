// Uncertainty for accuracy metrics: a seeded percentile bootstrap over per-sample scores, and a
// paired test between two runs on the same samples. The generator is a fixed SplitMix64 with
// index = next() % n so a Python reference (tests/data/reports/gen_stats_golden.py) replays the
// exact resamples; the modulo bias is < n / 2^64, far below the bootstrap's own noise.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace slime::reports {

constexpr int kDefaultBootstrap = 1000;
constexpr double kDefaultLevel = 0.95;

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

// numpy.percentile(values, q) with the default 'linear' method; VALUES need not be sorted.
double percentile(std::vector<double> values, double q);

struct Interval {
  int64_t n = 0;
  double mean = 0;  // of the scores (not of the resamples)
  double lo = 0, hi = 0;
};

// Percentile bootstrap of the mean: B resamples of size n with replacement, interval =
// [percentile(means, 100*(1-level)/2), percentile(means, 100*(1+level)/2)]. Throws
// kInvalidArgument for an empty sample or B < 1.
Interval bootstrap_ci(const std::vector<double>& scores, int bootstrap = kDefaultBootstrap, uint64_t seed = 0,
                      double level = kDefaultLevel);

struct PairedResult {
  std::string method;  // "mcnemar-exact" (all scores 0/1) or "paired-bootstrap"
  int64_t n = 0;
  double delta = 0;        // mean(b) - mean(a)
  double lo = 0, hi = 0;   // paired percentile bootstrap interval of delta
  double p_value = 1;      // two-sided
  int64_t a_only = 0;      // pairs with a = 1, b = 0 (binary scores only)
  int64_t b_only = 0;      // pairs with a = 0, b = 1
};

// Paired comparison of A and B (equal length, same sample order). For 0/1 scores the p-value is
// McNemar's exact test: two-sided binomial on the discordant pairs, p = min(1, 2 P(X <= min(a_only,
// b_only))), X ~ Bin(a_only + b_only, 1/2) (1 when there are none). Otherwise it is the paired
// bootstrap's: p = min(1, 2 min(P*(delta <= 0), P*(delta >= 0))). The interval is the paired
// bootstrap's in both cases (resampling pairs with one index stream).
PairedResult paired_test(const std::vector<double>& a, const std::vector<double>& b,
                         int bootstrap = kDefaultBootstrap, uint64_t seed = 0, double level = kDefaultLevel);

// P(X <= k) for X ~ Bin(n, 1/2), computed in log space (exact to double rounding for n in the
// hundred thousands).
double binomial_half_cdf(int64_t k, int64_t n);

}  // namespace slime::reports
