// Oversized generation requests are refused up front, naming the limit, before the KV cache is
// allocated: a prompt + max_new_tokens beyond the model's context, a batch whose KV cache is over
// the memory limit (runtime::check_request, called first by runtime::generate).
#include <gtest/gtest.h>

#include <string>

#include "engine/common/error.h"
#include "engine/io/model_config.h"
#include "engine/runtime/generate.h"

namespace slime {
namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A Vicuna-7B-shaped LLM config (context 4096, 32 layers, 32 KV heads of 128).
io::LlmConfig seven_b() {
  io::LlmConfig c;
  c.max_position_embeddings = 4096;
  return c;
}

TEST(UntrustedRequests, GenerationBeyondTheContextIsRefusedNamingIt) {
  const io::LlmConfig c = seven_b();
  EXPECT_EQ(runtime::model_context(c), 4096);
  runtime::check_request(c, at::kHalf, at::kCPU, 1, 4000, 96, 0);  // exactly fits
  try {
    runtime::check_request(c, at::kHalf, at::kCPU, 1, 4000, 97, 0);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(has(e.what(), "4000 tokens + max_new_tokens 97 = 4097 positions exceeds the model's context of 4096"))
        << e.what();
    EXPECT_TRUE(has(e.what(), "max_position_embeddings")) << e.what();
  }
  io::LlmConfig linear = c;
  linear.rope_scaling = io::RopeScaling{"linear", 2.0};
  EXPECT_EQ(runtime::model_context(linear), 8192);
  io::LlmConfig dynamic = c;
  dynamic.rope_scaling = io::RopeScaling{"dynamic", 2.0};
  EXPECT_EQ(runtime::model_context(dynamic), -1);
  runtime::check_request(dynamic, at::kHalf, at::kCPU, 1, 100000, 10, 0);
}

TEST(UntrustedRequests, KvCacheOverTheLimitIsRefusedBeforeAllocating) {
  const io::LlmConfig c = seven_b();
  // 2 (K, V) x 32 layers x 32 heads x 128 x 2 bytes = 512 KiB per position and sequence.
  EXPECT_EQ(runtime::kv_cache_bytes(c, at::kHalf, 1, 1), 512 * 1024);
  const int64_t one_full_sequence = runtime::kv_cache_bytes(c, at::kHalf, 1, 4096);  // 2 GiB
  runtime::check_request(c, at::kHalf, at::kCPU, 1, 4000, 96, one_full_sequence);
  try {
    runtime::check_request(c, at::kHalf, at::kCPU, 2, 4000, 96, one_full_sequence);
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(has(e.what(), "KV cache of 2 sequence(s) x 4096 positions needs 4096.0 MiB, over the limit of 2048.0 MiB"))
        << e.what();
  }
  // The default: half the RAM on the CPU, so a batch of 4096 such sequences (8 TiB) is refused.
  EXPECT_GT(runtime::default_cache_limit(at::kCPU), 0);
  EXPECT_THROW(runtime::check_request(c, at::kHalf, at::kCPU, 4096, 4000, 96, -1), Error);
}

}  // namespace
}  // namespace slime
