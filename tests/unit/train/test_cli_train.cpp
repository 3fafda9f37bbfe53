// `slime train` end to end (the CI test): a 2-step run whose output `slime eval` loads; resume
// after --stop-after-steps and after a real SIGKILL gives bit-identical weights; a checkpoint of
// other options is refused; bad variants and model kinds fail with clear messages.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/unit/cli/run_command.h"

namespace fs = std::filesystem;

namespace {

struct Dirs {
  fs::path root, model, data;
};

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

slime::test::CommandResult slime_cmd(const std::string& args) {
  return slime::test::run_command("cd '" + std::string(SLIME_SOURCE_DIR) + "' && " + slime::test::slime_binary() + " " +
                                  args + " 2>&1");
}

const Dirs& dirs() {
  static const Dirs d = [] {
    Dirs x;
    x.root = fs::temp_directory_path() / ("slime_cli_train_" + std::to_string(::getpid()));
    fs::remove_all(x.root);
    x.model = x.root / "model";
    x.data = x.root / "data";
    auto a = slime_cmd("init-model --kind slime --preset tiny --seed 1 --out " + q(x.model));
    EXPECT_EQ(a.exit_code, 0) << a.output;
    auto b = slime_cmd("hires-detail --out " + q(x.data) + " --seed 2 --train 4 --val 0 --test 2 --sizes 672x336,336x672");
    EXPECT_EQ(b.exit_code, 0) << b.output;
    return x;
  }();
  return d;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string train_args(const fs::path& out, const std::string& extra) {
  return "train --model " + q(dirs().model) + " --data " + q(dirs().data) + " --out " + q(out) + " --quiet " + extra;
}

}  // namespace

TEST(CliTrain, TwoStepsThenEval) {
  const fs::path out = dirs().root / "two_steps";
  auto r = slime_cmd(train_args(out, "--variant e2e --steps 2 --seed 4"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "train_log.jsonl", "train_summary.json"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  std::istringstream log(read_file(out / "train_log.jsonl"));
  std::string line;
  int n = 0;
  while (std::getline(log, line)) {
    const auto j = nlohmann::json::parse(line);
    ++n;
    EXPECT_EQ(j.at("stage"), "e2e");
    EXPECT_EQ(j.at("step").get<int>(), n);
    EXPECT_EQ(j.at("global_step").get<int>(), n);
    EXPECT_EQ(j.at("samples").get<int>(), 1);
    EXPECT_GT(j.at("tokens").get<int>(), 0);
    for (const char* k : {"loss", "lr", "grad_norm", "elapsed_s"}) EXPECT_TRUE(j.at(k).is_number()) << k;
  }
  EXPECT_EQ(n, 2);
  const auto summary = nlohmann::json::parse(read_file(out / "train_summary.json"));
  ASSERT_EQ(summary.at("stages").size(), 1u);
  EXPECT_GT(summary.at("stages")[0].at("trainable_parameters").get<int64_t>(), 0);
  // The trained weights differ from the initial ones and load in slime eval.
  EXPECT_NE(read_file(out / "model.safetensors"), read_file(dirs().model / "model.safetensors"));
  auto e = slime_cmd("eval --model " + q(out) + " --tasks hires_detail --data " + q(dirs().data) +
                     " --split test --output " + q(dirs().root / "eval") + " --no-history --no-progress");
  EXPECT_EQ(e.exit_code, 0) << e.output;
  EXPECT_NE(e.output.find("samples: 2 total, 2 scored"), std::string::npos) << e.output;
}

// --save-dtype fp16 halves the export (every floating tensor F16, torch_dtype float16) and loads in
// eval; rerunning a finished run with another --save-dtype only re-exports (same fingerprint).
TEST(CliTrain, SaveDtypeReexportsAFinishedRun) {
  const fs::path out = dirs().root / "fp16";
  auto r = slime_cmd(train_args(out, "--variant e2e --steps 1 --seed 4 --save-dtype fp16"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string weights = read_file(out / "model.safetensors");
  const uint64_t header_len = *reinterpret_cast<const uint64_t*>(weights.data());
  const auto header = nlohmann::json::parse(weights.substr(8, header_len));
  int floats = 0;
  for (const auto& [name, t] : header.items()) {
    if (name == "__metadata__") continue;
    EXPECT_EQ(t.at("dtype"), "F16") << name;
    ++floats;
  }
  EXPECT_GT(floats, 10);
  EXPECT_EQ(nlohmann::json::parse(read_file(out / "config.json")).at("torch_dtype"), "float16");
  EXPECT_LT(weights.size(), read_file(dirs().model / "model.safetensors").size() * 6 / 10);
  auto e = slime_cmd("eval --model " + q(out) + " --tasks hires_detail --data " + q(dirs().data) +
                     " --split test --output " + q(dirs().root / "eval_fp16") + " --no-history --no-progress");
  EXPECT_EQ(e.exit_code, 0) << e.output;
  auto again = slime_cmd(train_args(out, "--variant e2e --steps 1 --seed 4 --save-dtype fp32"));
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(nlohmann::json::parse(read_file(out / "config.json")).at("torch_dtype"), "float32");
}

TEST(CliTrain, ResumeIsBitIdentical) {
  const std::string opts = "--variant stage=2,3 --steps 2 --seed 9 --warmup-ratio 0.5";
  const fs::path whole = dirs().root / "whole", cut = dirs().root / "cut", killed = dirs().root / "killed";
  auto a = slime_cmd(train_args(whole, opts));
  ASSERT_EQ(a.exit_code, 0) << a.output;
  const std::string expected = read_file(whole / "model.safetensors");

  // Stopped mid-stage (global step 3 = stage 3 step 1, after a finished stage), then resumed.
  auto b = slime_cmd(train_args(cut, opts + " --stop-after-steps 3"));
  ASSERT_EQ(b.exit_code, 0) << b.output;
  EXPECT_FALSE(fs::exists(cut / "model.safetensors"));
  EXPECT_NE(b.output.find("\"finished\":false"), std::string::npos) << b.output;
  auto c = slime_cmd(train_args(cut, opts));
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("\"resumed_at_step\":3"), std::string::npos) << c.output;
  EXPECT_TRUE(read_file(cut / "model.safetensors") == expected) << "resumed weights differ";
  EXPECT_EQ(read_file(cut / "train_log.jsonl").size() > 0, true);

  // A real SIGKILL once the log has 2 steps (checkpoints every step), then resumed.
  const std::string bg = "cd '" + std::string(SLIME_SOURCE_DIR) + "' && (" + slime::test::slime_binary() + " " +
                         train_args(killed, opts + " --save-every 1") +
                         " >/dev/null 2>&1 & pid=$!; for i in $(seq 1 2000); do n=$(cat " +
                         q(killed / "train_log.jsonl") +
                         " 2>/dev/null | wc -l); [ \"$n\" -ge 2 ] && break; sleep 0.01; done; kill -9 $pid; wait $pid; echo killed)";
  auto k = slime::test::run_command(bg);
  EXPECT_NE(k.output.find("killed"), std::string::npos) << k.output;
  auto d = slime_cmd(train_args(killed, opts + " --save-every 1"));
  ASSERT_EQ(d.exit_code, 0) << d.output;
  EXPECT_TRUE(read_file(killed / "model.safetensors") == expected) << "weights after SIGKILL + resume differ";
  std::istringstream log(read_file(killed / "train_log.jsonl"));
  std::string line;
  int n = 0;
  while (std::getline(log, line)) EXPECT_EQ(nlohmann::json::parse(line).at("global_step").get<int>(), ++n);
  EXPECT_EQ(n, 4);

  // Another option set on the same OUT is refused, not mixed.
  auto e = slime_cmd(train_args(cut, "--variant stage=2,3 --steps 2 --seed 10"));
  EXPECT_NE(e.exit_code, 0);
  EXPECT_NE(e.output.find("another run"), std::string::npos) << e.output;
}

TEST(CliTrain, ClearErrors) {
  auto bad = slime_cmd(train_args(dirs().root / "bad", "--variant stage=4 --steps 1"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("unknown stage '4'"), std::string::npos) << bad.output;
  const fs::path llava = dirs().root / "llava";
  ASSERT_EQ(slime_cmd("init-model --kind llava --preset tiny --seed 1 --out " + q(llava)).exit_code, 0);
  auto kind = slime_cmd("train --model " + q(llava) + " --data " + q(dirs().data) + " --out " +
                        q(dirs().root / "bad2") + " --steps 1 --quiet");
  EXPECT_NE(kind.exit_code, 0);
  EXPECT_NE(kind.output.find("needs a slime model"), std::string::npos) << kind.output;
  auto empty = slime_cmd(train_args(dirs().root / "bad3", "--steps 1 --split val"));
  EXPECT_NE(empty.exit_code, 0);
  EXPECT_NE(empty.output.find("no samples of task hires_detail in split 'val'"), std::string::npos) << empty.output;
}
