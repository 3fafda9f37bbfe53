// The LibTorch bridge: zero-copy views, misaligned copies, tensor -> file round trip, and
// load_state_dict with every error it reports.
#include <torch/torch.h>

#include "engine/io/torch_tensors.h"
#include "tests/unit/io/io_test_util.h"

namespace slime::io::test {
namespace {

using TorchTensorsTest = TempDirTest;

// A module shaped like a small piece of the model: nested children, parameters and a buffer.
struct Block : torch::nn::Module {
  Block() {
    fc = register_module("fc", torch::nn::Linear(3, 2));
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({2})));
    steps = register_buffer("steps", torch::zeros({1}, torch::kLong));
  }
  torch::nn::Linear fc{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::Tensor steps;
};

std::vector<std::pair<std::string, at::Tensor>> block_tensors(const std::string& prefix) {
  return {{prefix + "fc.weight", torch::arange(6, torch::kFloat).reshape({2, 3})},
          {prefix + "fc.bias", torch::tensor({10.0f, 20.0f})},
          {prefix + "norm.weight", torch::tensor({1.5f, 2.5f}).to(torch::kBFloat16)},
          {prefix + "norm.bias", torch::tensor({-1.0f, 1.0f}).to(torch::kHalf)},
          {prefix + "steps", torch::tensor({7}, torch::kLong)}};
}

TEST_F(TorchTensorsTest, ScalarTypesMapBothWays) {
  for (Dtype d : {Dtype::kBool, Dtype::kU8, Dtype::kI8, Dtype::kI16, Dtype::kI32, Dtype::kI64,
                  Dtype::kF16, Dtype::kBF16, Dtype::kF32, Dtype::kF64})
    EXPECT_EQ(from_scalar_type(to_scalar_type(d)), d);
  expect_error([] { from_scalar_type(at::kComplexFloat); }, ErrorCode::kUnsupported, {"ComplexFloat"});
}

TEST_F(TorchTensorsTest, SavedTensorsReadBackZeroCopy) {
  const std::string file = path("t.safetensors");
  auto tensors = block_tensors("");
  tensors.emplace_back("scalar", torch::tensor(3.25, torch::kDouble).reshape({}));
  tensors.emplace_back("empty", torch::zeros({0, 4}, torch::kHalf));
  tensors.emplace_back("mask", torch::tensor({true, false, true}));
  tensors.emplace_back("strided", torch::arange(12, torch::kInt).reshape({3, 4}).t());  // non-contiguous
  save_safetensors(file, tensors, {{"format", "pt"}});

  Checkpoint ckpt = Checkpoint::open(file);
  for (const auto& [name, expected] : tensors) {
    at::Tensor t = to_tensor(ckpt, name);
    EXPECT_EQ(t.scalar_type(), expected.scalar_type()) << name;
    EXPECT_EQ(t.sizes(), expected.sizes()) << name;
    EXPECT_TRUE(torch::equal(t, expected.contiguous())) << name;
    // The writer keeps the given order, so "strided" (after the 3-byte mask) is misaligned and
    // copied; every aligned tensor must be a view of the mapping.
    const auto* data = ckpt.tensor(name).data;
    const bool aligned = reinterpret_cast<uintptr_t>(data) % t.element_size() == 0;
    if (t.numel() > 0) {
      EXPECT_EQ(t.data_ptr() == data, aligned) << name;
    }
  }
  EXPECT_NE(reinterpret_cast<uintptr_t>(ckpt.tensor("strided").data) % 4, 0u) << "both paths exercised";
}

TEST_F(TorchTensorsTest, ViewKeepsTheMappingAlive) {
  const std::string file = path("alive.safetensors");
  save_safetensors(file, {{"w", torch::arange(4, torch::kFloat)}});
  at::Tensor t;
  {
    Checkpoint ckpt = Checkpoint::open(file);
    t = to_tensor(ckpt, "w");
  }  // the checkpoint is gone; the tensor's deleter still holds the mapping
  EXPECT_TRUE(torch::equal(t, torch::arange(4, torch::kFloat)));
}

TEST_F(TorchTensorsTest, MisalignedDataIsCopied) {
  // A foreign writer without header padding: 9-byte header puts the F32 data at offset 17.
  const std::string file = path("odd.safetensors");
  const std::string header = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  std::string header_odd = header + std::string((header.size() % 2 == 0) ? 1 : 0, ' ');
  const float values[2] = {1.5f, -2.0f};
  write_bytes(file, u64le(header_odd.size()) + header_odd + std::string(reinterpret_cast<const char*>(values), 8));
  Checkpoint ckpt = Checkpoint::open(file);
  ASSERT_NE(reinterpret_cast<uintptr_t>(ckpt.tensor("w").data) % 4, 0u);
  at::Tensor t = to_tensor(ckpt, "w");
  EXPECT_NE(t.data_ptr(), ckpt.tensor("w").data);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data_ptr()) % 4, 0u);
  EXPECT_TRUE(torch::equal(t, torch::tensor({1.5f, -2.0f})));
}

TEST_F(TorchTensorsTest, LoadTensorConvertsAndCopies) {
  const std::string file = path("l.safetensors");
  save_safetensors(file, {{"w", torch::tensor({0.1f, 0.2f})}});
  Checkpoint ckpt = Checkpoint::open(file);
  at::Tensor h = load_tensor(ckpt, "w", at::kCPU, at::kHalf);
  EXPECT_EQ(h.scalar_type(), at::kHalf);
  at::Tensor f = load_tensor(ckpt, "w");
  EXPECT_NE(f.data_ptr(), ckpt.tensor("w").data);
  f.add_(1);  // writable: not the read-only mapping
  EXPECT_TRUE(torch::allclose(f, torch::tensor({1.1f, 1.2f})));
}

TEST_F(TorchTensorsTest, LoadStateDictCopiesParametersAndBuffers) {
  const std::string file = path("m.safetensors");
  auto tensors = block_tensors("model.block.");
  tensors.emplace_back("model.other.weight", torch::ones({4}));          // outside the prefix
  tensors.emplace_back("model.block.rotary_emb.inv_freq", torch::ones({2}));  // ignored suffix
  save_safetensors(file, tensors);
  Checkpoint ckpt = Checkpoint::open(file);

  Block block;
  LoadOptions options;
  options.prefix = "model.block.";
  LoadReport report = load_state_dict(block, ckpt, options);
  EXPECT_EQ(report.loaded.size(), 5u);
  EXPECT_EQ(report.ignored, std::vector<std::string>{"model.block.rotary_emb.inv_freq"});
  EXPECT_TRUE(torch::equal(block.fc->weight, torch::arange(6, torch::kFloat).reshape({2, 3})));
  EXPECT_TRUE(torch::equal(block.norm->weight, torch::tensor({1.5f, 2.5f})));  // bf16 -> f32
  EXPECT_EQ(block.steps.item<int64_t>(), 7);
  EXPECT_NE(block.fc->weight.data_ptr(), ckpt.tensor("model.block.fc.weight").data);
  block.fc->weight.detach().add_(1);  // parameters own their memory

  options.dtype = at::kHalf;  // floating tensors change dtype, the integer buffer does not
  load_state_dict(block, ckpt, options);
  EXPECT_EQ(block.fc->weight.scalar_type(), at::kHalf);
  EXPECT_EQ(block.norm->bias.scalar_type(), at::kHalf);
  EXPECT_EQ(block.steps.scalar_type(), at::kLong);
  EXPECT_EQ(block.named_parameters()["fc.weight"].scalar_type(), at::kHalf) << "the module sees the new data";
}

TEST_F(TorchTensorsTest, ShapeMismatchNamesFileTensorAndBothShapes) {
  const std::string file = path("s.safetensors");
  auto tensors = block_tensors("");
  tensors[0].second = torch::zeros({3, 2});
  save_safetensors(file, tensors);
  Block block;
  expect_error([&] { load_state_dict(block, Checkpoint::open(file)); }, ErrorCode::kShape,
               {file, "'fc.weight'", "[3, 2]", "[2, 3]"});
}

TEST_F(TorchTensorsTest, DtypeOfAnotherCategoryIsRejected) {
  const std::string file = path("d.safetensors");
  auto tensors = block_tensors("");
  tensors[1].second = torch::tensor({1, 2}, torch::kLong);  // fc.bias as integers
  save_safetensors(file, tensors);
  Block block;
  expect_error([&] { load_state_dict(block, Checkpoint::open(file)); }, ErrorCode::kShape,
               {file, "'fc.bias'", "I64"});
}

TEST_F(TorchTensorsTest, MissingTensorIsNotFound) {
  const std::string file = path("miss.safetensors");
  auto tensors = block_tensors("");
  tensors.erase(tensors.begin() + 2);  // norm.weight
  save_safetensors(file, tensors);
  Block block;
  LoadOptions lenient;
  lenient.strict = false;  // strictness is about extra tensors; a missing one is always an error
  expect_error([&] { load_state_dict(block, Checkpoint::open(file), lenient); }, ErrorCode::kNotFound,
               {file, "'norm.weight'", "[2]"});
}

TEST_F(TorchTensorsTest, UnexpectedTensorFailsOnlyWhenStrict) {
  const std::string file = path("extra.safetensors");
  auto tensors = block_tensors("");
  tensors.emplace_back("fc.extra", torch::zeros({1}));
  save_safetensors(file, tensors);
  Checkpoint ckpt = Checkpoint::open(file);
  Block block;
  expect_error([&] { load_state_dict(block, ckpt); }, ErrorCode::kFormat, {file, "fc.extra"});
  LoadOptions lenient;
  lenient.strict = false;
  EXPECT_EQ(load_state_dict(block, ckpt, lenient).ignored, std::vector<std::string>{"fc.extra"});
}

}  // namespace
}  // namespace slime::io::test
