// slime ablate SPEC [--output DIR] [--limit N] [--device D] [--dtype T]: runs an ablation spec's
// grid (ablations/spec.h), one `slime eval` run per cell, resuming and skipping finished cells, and
// writes OUT/ablation.json (format in ablations/ablate.h). Exits non-zero when a cell failed.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

#include <fmt/format.h>

#include "ablations/ablate.h"
#include "ablations/eval/eval_run.h"
#include "ablations/spec.h"
#include "ablations/train_job.h"
#include "app/commands.h"
#include "reports/history.h"
#include "engine/common/error.h"

namespace slime::cli {
namespace {

struct AblateFlags {
  std::string spec, output, device, dtype, db;
  int64_t limit = 0;
  bool stop_on_error = false;
  bool progress = false;
  bool no_history = false;
};

void run_ablate(const AblateFlags& f) {
  ablations::AblateOptions o;
  const ablations::Spec loaded = ablations::load_spec(f.spec);
  o.output_dir = f.output.empty() ? (std::filesystem::path("out") / "ablations" / loaded.name).string() : f.output;
  o.limit = f.limit;
  o.device = f.device;
  o.dtype = f.dtype;
  o.db = f.no_history ? "" : f.db;
  o.keep_going = !f.stop_on_error;
  o.progress = f.progress || isatty(fileno(stderr));
  const ablations::Spec spec = ablations::apply_cli_overrides(loaded, o);
  const std::string report = (std::filesystem::path(o.output_dir) / "ablation.json").string();
  // SIGTERM/SIGINT in a cell: suite::Interrupted, which main() turns into exit 128 + signo.
  const ablations::AblateReport r = ablations::run_ablation(spec, o, suite::run_eval, ablations::run_train_job);
  fmt::print("{}: {} cells: {} run, {} skipped (finished earlier), {} failed\n", report,
             r.ablation["cells"].size(), r.done, r.skipped, r.failed);
  for (const auto& cell : r.ablation["cells"]) {
    std::string metrics;
    for (const auto& [task, values] : cell["metrics"].items())
      for (const auto& [name, value] : values.items()) metrics += fmt::format(" {}.{}={}", task, name, value.dump());
    fmt::print("  {:<40} {:<8}{}\n", cell["name"].get<std::string>(), cell["status"].get<std::string>(), metrics);
  }
  if (r.failed > 0)
    throw_error(ErrorCode::kInternal, "ablate: {} of {} cells failed (errors in {})", r.failed,
                r.ablation["cells"].size(), report);
}

}  // namespace

void register_ablate(CLI::App& app) {
  auto flags = std::make_shared<AblateFlags>();
  auto* cmd = app.add_subcommand("ablate", "Run an ablation spec's grid of eval runs (resumable) and write ablation.json");
  cmd->add_option("spec", flags->spec, "ablation spec (JSON, see ablations/README.md)")->required();
  cmd->add_option("--output", flags->output, "output directory (default out/ablations/<spec name>)");
  cmd->add_option("--limit", flags->limit, "samples per task and cell (replaces the spec's limit; -1 = all)");
  cmd->add_option("--device", flags->device, "device for every cell (replaces the spec's; conflicts with a device axis)");
  cmd->add_option("--dtype", flags->dtype, "fp32 | fp16 | bf16 for every cell (conflicts with a dtype axis)");
  flags->db = reports::default_history_db();
  cmd->add_option("--db", flags->db, "run-history database every cell is recorded in (default ~/.local/share/slime/runs.db)");
  cmd->add_flag("--no-history", flags->no_history, "do not record the cells in the run history");
  cmd->add_flag("--stop-on-error", flags->stop_on_error, "stop at the first failed cell (default: record and go on)");
  cmd->add_flag("--progress", flags->progress, "progress on stderr even when it is not a terminal");
  cmd->callback([flags] { run_ablate(*flags); });
}

}  // namespace slime::cli
