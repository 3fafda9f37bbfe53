// slime info: versions (slime, LibTorch, OpenCV, CUDA), devices, threads, BLAS.
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <ATen/Context.h>
#include <c10/core/DeviceType.h>
#include <torch/cuda.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <opencv2/core/version.hpp>

#include "app/commands.h"
#include "engine/kernels/kernels_info.h"
#include "slime/build_info.h"

namespace slime::cli {
namespace {

// The BLAS actually loaded: Debian's LibTorch links the generic libblas.so.3, which the
// alternatives system points at OpenBLAS, BLIS or the reference BLAS (~40x slower), so the build
// config ("BLAS_INFO=generic") cannot tell. The mapped files of this process can.
nlohmann::json loaded_blas() {
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> paths;
  std::string line;
  while (std::getline(maps, line)) {
    const size_t slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    const std::string file = std::filesystem::path(path).filename().string();
    if (file.find("blas") != std::string::npos || file.find("mkl") != std::string::npos) {
      std::error_code ec;
      const auto real = std::filesystem::canonical(path, ec);
      paths.insert(ec ? path : real.string());
    }
  }
  std::string kind = "none found";
  for (const auto& p : paths) {
    if (p.find("openblas") != std::string::npos) kind = "OpenBLAS";
    else if (p.find("mkl") != std::string::npos) kind = "MKL";
    else if (p.find("blis") != std::string::npos) kind = "BLIS";
    else if (kind == "none found") kind = "reference BLAS (slow: install libopenblas-dev)";
  }
  return {{"kind", kind}, {"libraries", std::vector<std::string>(paths.begin(), paths.end())}};
}

nlohmann::json collect_info() {
  nlohmann::json info;
  info["slime"] = SLIME_VERSION;
  info["build_type"] = SLIME_BUILD_TYPE;
  info["compiler"] = SLIME_CXX_COMPILER;
  info["libtorch"] = TORCH_VERSION;
  // Built with CUDA (configure time) vs usable now (at::hasCUDA(): a driver and a device).
  info["libtorch_built_with_cuda"] = std::string(SLIME_TORCH_BUILT_WITH_CUDA) == "ON";
  info["libtorch_cuda"] = at::hasCUDA();
  info["opencv"] = CV_VERSION;
  info["cuda_kernels_compiled"] = slime::kernels::compiled_with_cuda();
  info["cuda_compiler"] = SLIME_CUDA_COMPILER_VERSION;
  info["cuda_runtime"] = slime::kernels::cuda_runtime_version();
  info["cuda_driver"] = slime::kernels::cuda_driver_version();
  nlohmann::json devices = nlohmann::json::array();
  devices.push_back({{"device", "cpu"}, {"threads", at::get_num_threads()},
                     {"interop_threads", at::get_num_interop_threads()}});
  for (const auto& gpu : slime::kernels::cuda_devices()) {
    devices.push_back({{"device", fmt::format("cuda:{}", gpu.index)}, {"name", gpu.name},
                       {"memory_gib", gpu.total_memory_bytes / double(1ull << 30)},
                       {"compute_capability", fmt::format("{}.{}", gpu.major, gpu.minor)}});
  }
  info["devices"] = devices;
  info["libtorch_cuda_devices"] = torch::cuda::is_available() ? torch::cuda::device_count() : 0;
  // at::get_parallel_info() names the OpenMP/MKL threading and the BLAS LibTorch was built with.
  info["parallel"] = at::get_parallel_info();
  info["blas"] = loaded_blas();
  info["torch_build_config"] = at::show_config();
  return info;
}

}  // namespace

void register_info(CLI::App& app) {
  auto* cmd = app.add_subcommand("info", "Versions, devices, threads and BLAS of this build");
  // Not add_flag(name, "text"): in C++20 (LibTorch 2.x forces it) CLI11 2.3 finds that ambiguous.
  auto* json = cmd->add_flag("--json")->description("Print one JSON object");
  cmd->callback([json] {
    nlohmann::json info = collect_info();
    if (*json) {
      fmt::print("{}\n", info.dump(2));
      return;
    }
    fmt::print("slime {} ({}, {})\n", info["slime"].get<std::string>(), SLIME_BUILD_TYPE, SLIME_CXX_COMPILER);
    fmt::print("LibTorch {} (built with CUDA: {}, CUDA usable: {})\n", TORCH_VERSION,
               info["libtorch_built_with_cuda"].get<bool>() ? "yes" : "no", at::hasCUDA() ? "yes" : "no");
    fmt::print("OpenCV {}\n", CV_VERSION);
    fmt::print("CUDA kernels compiled: {} (nvcc {}), runtime {}, driver {}\n",
               slime::kernels::compiled_with_cuda() ? "yes" : "no", SLIME_CUDA_COMPILER_VERSION,
               info["cuda_runtime"].get<std::string>(), info["cuda_driver"].get<std::string>());
    for (const auto& d : info["devices"]) fmt::print("device: {}\n", d.dump());
    fmt::print("BLAS: {} ({})\n", info["blas"]["kind"].get<std::string>(),
               fmt::join(info["blas"]["libraries"].get<std::vector<std::string>>(), ", "));
    fmt::print("{}", info["parallel"].get<std::string>());
  });
}

}  // namespace slime::cli
