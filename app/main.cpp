// slime: the command-line front end of slime-bench.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "ablations/eval/interrupt.h"
#include "app/commands.h"
#include "engine/common/error.h"
#include "slime/build_info.h"

int main(int argc, char** argv) {
  CLI::App app{"slime: SliME engine, benchmarks and ablations"};
  app.set_version_flag("--version", std::string("slime ") + SLIME_VERSION);
  app.require_subcommand(1);
  slime::cli::register_info(app);
  slime::cli::register_tokenize(app);
  slime::cli::register_inspect(app);
  slime::cli::register_preprocess(app);
  slime::cli::register_init_model(app);
  slime::cli::register_hires_detail(app);
  slime::cli::register_generate(app);
  slime::cli::register_score(app);
  slime::cli::register_eval(app);
  slime::cli::register_merge(app);
  slime::cli::register_ablate(app);
  slime::cli::register_report(app);
  slime::cli::register_compare(app);
  slime::cli::register_train(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const slime::suite::Interrupted& e) {
    // SIGTERM/SIGINT in `slime eval` or `slime ablate`, after the batch in flight was logged and
    // fsync'ed: exit 128 + signal (130 SIGINT, 143 SIGTERM), as a shell reports a killed process,
    // so job scripts see the run did not finish; the same command resumes.
    fmt::print(stderr, "slime: {}\n", e.what());
    return e.exit_code();
  } catch (const slime::Error& e) {
    fmt::print(stderr, "slime: error [{}]: {}\n", slime::error_code_name(e.code()), e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    fmt::print(stderr, "slime: error: {}\n", e.what());
    return 1;
  }
  return 0;
}
