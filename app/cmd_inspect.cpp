// slime inspect PATH [--json] [--set key=value ...]: the tensors of a safetensors file or a
// checkpoint directory (name, dtype, shape, shard), totals, and for a directory with config.json
// the resolved typed config (with --set overrides applied, as a run would see it).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "engine/common/error.h"
#include "engine/io/checkpoint.h"
#include "engine/io/model_config.h"

namespace slime::cli {
namespace {

namespace fs = std::filesystem;

nlohmann::json inspect(const std::string& path, const std::vector<std::string>& overrides) {
  nlohmann::json out = io::to_json(io::Checkpoint::open(path));
  const fs::path config_path = fs::path(path) / "config.json";
  if (fs::is_directory(path) && fs::exists(config_path) && overrides.empty() &&
      nlohmann::json::parse(std::ifstream(config_path), nullptr, false).value("model_type", "") ==
          "clip_vision_model") {
    // A separate vision tower directory (openai/clip-vit-large-patch14-336 layout).
    out["config"] = io::to_json(io::load_clip_vision_config(path));
    out["config"]["kind"] = "clip_vision_model";
  } else if (fs::is_directory(path) && fs::exists(config_path)) {
    io::ModelConfig config = io::load_model_config(path);
    io::apply_overrides(config, overrides);
    out["config"] = io::to_json(config);
  } else if (!overrides.empty()) {
    throw_error(ErrorCode::kInvalidArgument, "{}: --set needs a directory with config.json", path);
  }
  return out;
}

void print_text(const nlohmann::json& info) {
  size_t name_width = 4, dtype_width = 5, shape_width = 5;
  std::vector<std::string> shapes;
  for (const auto& t : info["tensors"]) {
    shapes.push_back(fmt::format("[{}]", fmt::join(t["shape"].get<std::vector<int64_t>>(), ", ")));
    name_width = std::max(name_width, t["name"].get<std::string>().size());
    dtype_width = std::max(dtype_width, t["dtype"].get<std::string>().size());
    shape_width = std::max(shape_width, shapes.back().size());
  }
  fmt::print("{:<{}}  {:<{}}  {:<{}}  {}\n", "name", name_width, "dtype", dtype_width, "shape", shape_width, "shard");
  for (size_t i = 0; i < shapes.size(); ++i) {
    const auto& t = info["tensors"][i];
    fmt::print("{:<{}}  {:<{}}  {:<{}}  {}\n", t["name"].get<std::string>(), name_width,
               t["dtype"].get<std::string>(), dtype_width, shapes[i], shape_width, t["shard"].get<std::string>());
  }
  const auto& totals = info["totals"];
  fmt::print("total: {} tensors in {} file(s), {} parameters, {} bytes ({:.2f} GiB)\n",
             totals["tensors"].get<uint64_t>(), info["files"].size(), totals["parameters"].get<uint64_t>(),
             totals["bytes"].get<uint64_t>(), totals["bytes"].get<double>() / double(1ull << 30));
  for (const auto& file : info["files"])
    if (!file["metadata"].empty()) fmt::print("metadata {}: {}\n", file["path"].get<std::string>(), file["metadata"].dump());
  for (const auto& w : info["warnings"]) fmt::print("warning: {}\n", w.get<std::string>());
  if (info.contains("config")) fmt::print("config ({}):\n{}\n", info["config"]["kind"].get<std::string>(), info["config"].dump(2));
}

}  // namespace

void register_inspect(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "Tensors, totals and resolved config of a checkpoint");
  auto path = std::make_shared<std::string>();
  auto overrides = std::make_shared<std::vector<std::string>>();
  cmd->add_option("path", *path, "A .safetensors file, an index, or a checkpoint directory")->required();
  // Not add_flag(name, "text"): in C++20 (LibTorch 2.x forces it) CLI11 2.3 finds that ambiguous.
  auto* json = cmd->add_flag("--json")->description("Print one JSON object");
  cmd->add_option("--set", *overrides, "Config override key=value (repeatable)");
  cmd->callback([path, overrides, json] {
    const nlohmann::json info = inspect(*path, *overrides);
    if (*json) {
      fmt::print("{}\n", info.dump(2));
    } else {
      print_text(info);
    }
  });
}

}  // namespace slime::cli
