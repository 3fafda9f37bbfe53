// Rank and world size from the launchers' environments (eval_run.h shard_from_environment).
#include <cstdlib>
#include <string>
#include <utility>

#include "ablations/eval/eval_run.h"
#include "engine/common/error.h"

namespace slime::suite {
namespace {

// A set variable that is not a plain non-negative integer is an error, not a silent single run:
// a misconfigured launcher would otherwise make every rank evaluate everything.
int parse_env_int(const char* name, const char* value) {
  const std::string s = value;
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 9)
    throw_error(ErrorCode::kInvalidArgument, "environment variable {}='{}' is not a non-negative integer", name, s);
  return std::stoi(s);
}

}  // namespace

std::pair<int, int> shard_from_environment() {
  // Most specific first: inside an Slurm allocation, mpirun and torchrun set their own variables,
  // and the launcher that started this process is the one whose variables are set.
  static const std::pair<const char*, const char*> kLaunchers[] = {
      {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"},  // Open MPI mpirun
      {"RANK", "WORLD_SIZE"},                            // torchrun
      {"SLURM_PROCID", "SLURM_NTASKS"},                  // srun
  };
  for (const auto& [rank_name, size_name] : kLaunchers) {
    const char* rank = std::getenv(rank_name);
    const char* size = std::getenv(size_name);
    if (!rank && !size) continue;
    if (!rank || !size)
      throw_error(ErrorCode::kInvalidArgument, "environment sets {} but not {}", rank ? rank_name : size_name,
                  rank ? size_name : rank_name);
    const int r = parse_env_int(rank_name, rank);
    const int n = parse_env_int(size_name, size);
    if (n < 1 || r >= n) throw_error(ErrorCode::kInvalidArgument, "environment: {}={} is not below {}={}", rank_name, r, size_name, n);
    return {r, n};
  }
  return {0, 1};
}

}  // namespace slime::suite
