// Error of a tensor against a golden, relative to the golden's scale: max|a - b| / max|b|
// (per-element relative error is meaningless near zero crossings). Computed in double.
#pragma once
#include <gtest/gtest.h>

#include <torch/torch.h>

namespace slime::test {

struct Diff {
  double max_abs;
  double rel;  // max|a - b| / max|b|
};

inline Diff diff(const at::Tensor& actual, const at::Tensor& expected) {
  EXPECT_EQ(actual.sizes(), expected.sizes());
  const at::Tensor a = actual.to(at::kDouble), b = expected.to(at::kDouble);
  const double max_abs = (a - b).abs().max().item<double>();
  return {max_abs, max_abs / b.abs().max().item<double>()};
}

}  // namespace slime::test
