// kernels_info answers without a GPU, without a driver, and without nvcc.
#include <gtest/gtest.h>

#include <regex>

#include "engine/kernels/kernels_info.h"

namespace sk = slime::kernels;

TEST(KernelsInfo, AnswersSanely) {
  const std::regex version(R"(\d+\.\d+)");
  const std::string runtime = sk::cuda_runtime_version(), driver = sk::cuda_driver_version();
  const auto devices = sk::cuda_devices();
  if (!sk::compiled_with_cuda()) {
    EXPECT_EQ(runtime, "none");
    EXPECT_EQ(driver, "none");
    EXPECT_TRUE(devices.empty());
    return;
  }
  EXPECT_TRUE(std::regex_match(runtime, version)) << runtime;
  EXPECT_TRUE(driver == "unavailable" || std::regex_match(driver, version)) << driver;
  if (driver == "unavailable") {
    EXPECT_TRUE(devices.empty());
  }
  for (size_t i = 0; i < devices.size(); ++i) {
    EXPECT_EQ(devices[i].index, static_cast<int>(i));
    EXPECT_FALSE(devices[i].name.empty());
    EXPECT_GT(devices[i].total_memory_bytes, 0u);
    EXPECT_GE(devices[i].major, 3);
  }
  // asking twice is harmless (errors from a missing driver are not left pending)
  EXPECT_EQ(sk::cuda_devices().size(), devices.size());
}
