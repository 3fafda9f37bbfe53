// Cross-check with the reference implementation: tests/data/io/golden/mixed.safetensors was written
// by Python safetensors (scripts/reference/gen_safetensors_golden.py) with its expected values in
// mixed.json. Every value must match exactly: the reader does no arithmetic, and f16/bf16 values
// convert to double without rounding. The C++ writer's copy is checked here for a lossless round
// trip, and by the script with Python safetensors (SLIME_IO_EXPORT_DIR; tests/data/io/SOURCE.md).
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "engine/io/torch_tensors.h"
#include "tests/unit/io/io_test_util.h"

namespace slime::io::test {
namespace {

const std::string kGolden = SLIME_SOURCE_DIR "/tests/data/io/golden/";

nlohmann::json read_expected() {
  std::ifstream in(kGolden + "mixed.json");
  EXPECT_TRUE(in.good()) << "missing " << kGolden << "mixed.json";
  return nlohmann::json::parse(in);
}

double expected_float(const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>();
  const std::string s = v.get<std::string>();  // JSON has no NaN/Infinity literals
  if (s == "nan") return std::nan("");
  return s == "inf" ? INFINITY : -INFINITY;
}

void expect_values(const std::string& name, const at::Tensor& t, const nlohmann::json& values) {
  ASSERT_EQ(static_cast<size_t>(t.numel()), values.size()) << name;
  if (t.scalar_type() == at::kBool) {
    at::Tensor b = t.reshape({-1});
    for (int64_t i = 0; i < t.numel(); ++i) EXPECT_EQ(b[i].item<bool>(), values[i].get<bool>()) << name << "[" << i << "]";
  } else if (!t.is_floating_point()) {
    at::Tensor l = t.to(at::kLong).reshape({-1});
    for (int64_t i = 0; i < t.numel(); ++i) EXPECT_EQ(l[i].item<int64_t>(), values[i].get<int64_t>()) << name << "[" << i << "]";
  } else {
    at::Tensor d = t.to(at::kDouble).reshape({-1});
    for (int64_t i = 0; i < t.numel(); ++i) {
      const double got = d[i].item<double>(), want = expected_float(values[i]);
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(got)) << name << "[" << i << "]";
      } else {
        EXPECT_EQ(got, want) << name << "[" << i << "]";
        EXPECT_EQ(std::signbit(got), std::signbit(want)) << name << "[" << i << "] sign of zero";
      }
    }
  }
}

TEST(Golden, PythonSafetensorsFileReadsExactly) {
  const nlohmann::json expected = read_expected();
  SafetensorsFile st = SafetensorsFile::open(kGolden + expected["file"].get<std::string>());
  EXPECT_EQ(nlohmann::json(st.metadata()), expected["metadata"]);
  ASSERT_EQ(st.tensors().size(), expected["tensors"].size());
  for (const auto& e : expected["tensors"]) {
    const std::string name = e["name"];
    const TensorView& view = st.at(name);
    EXPECT_STREQ(dtype_name(view.dtype), e["dtype"].get<std::string>().c_str()) << name;
    EXPECT_EQ(view.shape, e["shape"].get<std::vector<int64_t>>()) << name;
    expect_values(name, to_tensor(view, st.mapping()), e["values"]);
  }
}

using GoldenWriter = TempDirTest;

TEST_F(GoldenWriter, ReproducesTheGoldenTensors) {
  const nlohmann::json expected = read_expected();
  SafetensorsFile golden = SafetensorsFile::open(kGolden + expected["file"].get<std::string>());
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& e : expected["tensors"])
    tensors.emplace_back(e["name"], to_tensor(golden.at(e["name"]), golden.mapping()));

  std::vector<std::string> outputs = {path("cpp_written.safetensors")};
  if (const char* dir = std::getenv("SLIME_IO_EXPORT_DIR"))  // for the Python read-back check
    outputs.push_back((fs::path(dir) / "cpp_written.safetensors").string());
  for (const std::string& out : outputs) save_safetensors(out, tensors, golden.metadata());

  SafetensorsFile written = SafetensorsFile::open(outputs.front());
  EXPECT_EQ(written.metadata(), golden.metadata());
  for (const TensorView& g : golden.tensors()) {
    const TensorView& w = written.at(g.name);
    EXPECT_EQ(w.dtype, g.dtype) << g.name;
    EXPECT_EQ(w.shape, g.shape) << g.name;
    ASSERT_EQ(w.nbytes, g.nbytes) << g.name;
    EXPECT_EQ(std::memcmp(w.data, g.data, g.nbytes), 0) << g.name;
  }
}

}  // namespace
}  // namespace slime::io::test
