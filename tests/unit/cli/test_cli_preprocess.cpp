// `slime preprocess`: plan output for a bare size and for an image, and the --dump tensor file.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/unit/cli/run_command.h"

namespace {

using slime::test::run_command;
using slime::test::slime_binary;

const std::string kImage = std::string(SLIME_SOURCE_DIR) + "/tests/data/image/inputs/synth_800x600.png";

TEST(CliPreprocess, JsonPlanForSize) {
  auto r = run_command(slime_binary() + " preprocess --size 800,600 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j.at("canvas"), nlohmann::json({1008, 672}));
  EXPECT_EQ(j.at("resized"), nlohmann::json({897, 672}));  // model.md §2.2: not 896
  EXPECT_EQ(j.at("grid"), nlohmann::json({3, 2}));
  EXPECT_EQ(j.at("crops"), 6);
  ASSERT_EQ(j.at("crop_boxes").size(), 6u);
  EXPECT_EQ(j["crop_boxes"][4], nlohmann::json({336, 336, 672, 672}));
  EXPECT_EQ(j.at("visual_tokens"), 577 + 144 * 6);
  EXPECT_EQ(j.size(), 6u);  // exactly the documented keys
}

TEST(CliPreprocess, QueryCountAndTextOutput) {
  auto r = run_command(slime_binary() + " preprocess --size 4000,500 --query-count 64");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("7 x 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(std::to_string(577 + 64 * 7)), std::string::npos) << r.output;
}

TEST(CliPreprocess, ImageAndDump) {
  const auto dump = std::filesystem::temp_directory_path() / ("slime_cli_preprocess_" + std::to_string(::getpid()) + ".safetensors");
  auto r = run_command(slime_binary() + " preprocess --json --image '" + kImage + "' --dump '" + dump.string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(nlohmann::json::parse(r.output).at("resized"), nlohmann::json({897, 672}));
  // safetensors: u64 header length, then a JSON header naming vision.crops with its shape.
  std::ifstream in(dump, std::ios::binary);
  ASSERT_TRUE(in) << dump;
  uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  std::string header(n, '\0');
  in.read(header.data(), std::streamsize(n));
  auto h = nlohmann::json::parse(header);
  EXPECT_EQ(h.at("vision.crops").at("shape"), nlohmann::json({7, 3, 336, 336}));
  EXPECT_EQ(h["vision.crops"].at("dtype"), "F32");
  EXPECT_EQ(std::filesystem::file_size(dump), 8 + n + 7ull * 3 * 336 * 336 * 4);
  std::filesystem::remove(dump);
}

TEST(CliPreprocess, Errors) {
  auto missing = run_command(slime_binary() + " preprocess --image /nonexistent/x.png 2>&1");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("/nonexistent/x.png"), std::string::npos) << missing.output;
  EXPECT_NE(run_command(slime_binary() + " preprocess 2>&1").exit_code, 0);
  EXPECT_NE(run_command(slime_binary() + " preprocess --size 10,10 --dump /tmp/x.safetensors 2>&1").exit_code, 0);
  EXPECT_NE(run_command(slime_binary() + " preprocess --size 10,0 2>&1").exit_code, 0);
}

}  // namespace
