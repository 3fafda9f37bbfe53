// `slime info --json` answers with the versions and devices of this build.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/unit/cli/run_command.h"

TEST(CliInfo, JsonNamesVersionsDevicesAndThreads) {
  auto result = slime::test::run_command(slime::test::slime_binary() + " info --json");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  auto info = nlohmann::json::parse(result.output);
  EXPECT_FALSE(info.at("slime").get<std::string>().empty());
  EXPECT_FALSE(info.at("libtorch").get<std::string>().empty());
  EXPECT_FALSE(info.at("opencv").get<std::string>().empty());
  // The BLAS really loaded is named (Debian's LibTorch links the generic libblas.so.3).
  EXPECT_FALSE(info.at("blas").at("kind").get<std::string>().empty());
  ASSERT_TRUE(info.at("blas").at("libraries").is_array());
  ASSERT_TRUE(info.at("devices").is_array());
  ASSERT_GE(info.at("devices").size(), 1u);
  EXPECT_EQ(info["devices"][0].at("device"), "cpu");
  EXPECT_GE(info["devices"][0].at("threads").get<int>(), 1);
  // Usable CUDA implies a LibTorch built with it.
  ASSERT_TRUE(info.at("libtorch_built_with_cuda").is_boolean());
  if (info.at("libtorch_cuda").get<bool>()) {
    EXPECT_TRUE(info.at("libtorch_built_with_cuda").get<bool>());
  }
  // A CPU-only LibTorch can see no CUDA device, whatever the kernels library finds.
  if (!info.at("libtorch_cuda").get<bool>()) {
    EXPECT_EQ(info.at("libtorch_cuda_devices").get<int>(), 0);
  }
  for (size_t i = 1; i < info["devices"].size(); ++i) {
    EXPECT_EQ(info["devices"][i].at("device").get<std::string>().rfind("cuda:", 0), 0u);
  }
}

TEST(CliInfo, UnknownSubcommandFails) {
  auto result = slime::test::run_command(slime::test::slime_binary() + " no-such-command 2>&1");
  EXPECT_NE(result.exit_code, 0);
}
