// One register function per subcommand (app/cmd_<name>.cpp). Each adds its subcommand to the app
// and sets a callback; callbacks throw slime::Error, which main() turns into a message + exit code.
#pragma once
#include <CLI/CLI.hpp>

namespace slime::cli {

void register_info(CLI::App& app);
void register_tokenize(CLI::App& app);
void register_inspect(CLI::App& app);
void register_preprocess(CLI::App& app);
void register_init_model(CLI::App& app);
void register_hires_detail(CLI::App& app);
void register_generate(CLI::App& app);
void register_score(CLI::App& app);
void register_eval(CLI::App& app);
void register_merge(CLI::App& app);
void register_ablate(CLI::App& app);
void register_report(CLI::App& app);
void register_compare(CLI::App& app);
void register_train(CLI::App& app);

}  // namespace slime::cli
