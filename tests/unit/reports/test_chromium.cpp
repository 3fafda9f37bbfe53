// The HTML report in a real browser: headless Chromium loads the page from a file, and the
// serialised DOM must hold the four SVG plots, the prediction with a planted <script> as text,
// and the page's own title (the script would have replaced it). Skipped without chromium.
// HostileRun: a run whose directory name, task name, sample ids and predictions are attacks
// (script, attribute break-out, </style>, javascript: URL, spreadsheet formulas, LaTeX commands)
// rendered in every format: nothing executes in Chromium, every writer escapes.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include "reports/report.h"
#include "tests/unit/reports/test_util.h"

namespace slime::reports {
namespace {

using testing::count_of;
using testing::ScratchDir;

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    const std::string cmd = std::string("command -v ") + name + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return name;
  }
  return "";
}

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// Headless Chromium loading OUT/report.html and printing the DOM after scripts ran (2 s of virtual
// time). --no-sandbox: tests may run as root in containers, where the sandbox cannot start. A
// private profile dir under OUT keeps the run from touching the user's profile.
std::string dump_dom_command(const std::string& chromium, const ScratchDir& out) {
  const auto page = std::filesystem::absolute(out.path() / "report.html");
  return chromium + " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --user-data-dir=" +
         (out.path() / "profile").string() + " --virtual-time-budget=2000 --dump-dom 'file://" + page.string() +
         "' 2>/dev/null";
}

TEST(Chromium, ReportLoadsWithPlotsAndNoScriptRuns) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) {
    GTEST_SKIP() << "chromium not installed (Debian package 'chromium'); headless HTML check skipped";
  }
  ScratchDir out("chromium");
  const Report r = build_report(load_inputs({testing::kAblation}), ReportOptions{});
  write_report(r, out.str(), {"html"});
  const std::string cmd = dump_dom_command(chromium, out);
  const std::string dom = run(cmd);
  ASSERT_FALSE(dom.empty()) << "chromium printed no DOM: " << cmd;
  EXPECT_EQ(count_of(dom, "<svg class=\"plot\""), 4u) << dom.substr(0, 2000);
  EXPECT_GE(count_of(dom, "<circle"), 3u);
  EXPECT_GE(count_of(dom, "<rect"), 3u * 7u);
  EXPECT_NE(dom.find("<title>slime-bench report</title>"), std::string::npos);
  EXPECT_EQ(dom.find("pwned</title>"), std::string::npos);
  EXPECT_EQ(dom.find("<script"), std::string::npos);  // no script element was parsed
  EXPECT_NE(dom.find("&lt;script&gt;document.title='pwned'&lt;/script&gt;"), std::string::npos);
}

// Attacks on the page. Each one that ran would set the title to "pwned" (or make an element).
const std::vector<std::string> kPayloads = {
    "<script>document.title='pwned'</script>",
    "\"><img src=x onerror=\"document.title='pwned'\">",
    "'><svg onload=document.title='pwned'>",
    "</style><script>document.title='pwned'</script>",
    "</td></tr></table><iframe src=\"javascript:parent.document.title='pwned'\"></iframe>",
    "<a href=\"javascript:document.title='pwned'\">click</a>",
    "=HYPERLINK(\"http://evil.example/\",\"x\")",
    "+cmd|' -c calc'!A0",
    "\\input{/etc/passwd} $x$ & 100% #1",
};
// A run directory named like an attack (a file name can hold anything but '/' and NUL).
const std::string kRunName = "run\"><img src=x onerror=document.title='pwned'>";
const std::string kFormulaRun = "=1+1@SUM(A1)";
const std::string kTaskName = "task<script>document.title='pwned'</script>";

// Copies the fixture run keep_all to DIR/NAME with hostile task, ids and predictions.
void write_hostile_run(const std::filesystem::path& dir, const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path run = dir / name;
  fs::create_directories(run);
  fs::copy(testing::kKeepAll, run, fs::copy_options::recursive);
  nlohmann::json results = nlohmann::json::parse(testing::read_text(run / "results.json"));
  results["results"][kTaskName] = results["results"]["hires_detail"];
  std::ofstream(run / "results.json") << results.dump();
  std::ifstream in(run / "samples_pope.jsonl");
  std::string line, out;
  for (size_t i = 0; std::getline(in, line); ++i) {
    nlohmann::json r = nlohmann::json::parse(line);
    const std::string& p = kPayloads[i % kPayloads.size()];
    r["resps"] = {{p}};
    r["filtered_resps"] = {p};
    r["target"] = p;
    if (i % 2 == 0) r["doc_id"] = p + std::to_string(i);
    else r["error"] = p;
    out += r.dump() + "\n";
  }
  std::ofstream(run / "samples_pope.jsonl", std::ios::trunc) << out;
}

Report hostile_report(const testing::ScratchDir& dir) {
  write_hostile_run(dir.path(), kRunName);
  write_hostile_run(dir.path(), kFormulaRun);
  ReportOptions options;
  options.html_samples = 100;  // every sample row, so every payload is on the page
  return build_report(load_inputs({(dir.path() / kRunName).string(), (dir.path() / kFormulaRun).string()}), options);
}

TEST(HostileRun, EveryWriterEscapesWhatTheRunHolds) {
  ScratchDir in("hostile-in"), out("hostile-out");
  write_report(hostile_report(in), out.str(), {"html", "md", "tex", "csv"});
  const std::string html = testing::read_text(out.path() / "report.html");
  for (const char* raw : {"<script>document", "<img", "<svg onload", "<iframe", "<a href", "</style><script"})
    EXPECT_EQ(html.find(raw), std::string::npos) << raw;
  EXPECT_NE(html.find("&lt;img src=x onerror="), std::string::npos);  // shown as text
  const std::string md = testing::read_text(out.path() / "report.md");
  for (const char* raw : {"<script", "<img", "<svg"}) EXPECT_EQ(md.find(raw), std::string::npos) << raw;
  const std::string tex = testing::read_text(out.path() / "report.tex");
  EXPECT_EQ(tex.find("\\input{"), std::string::npos);
  // Every CSV cell that would start a formula starts with an apostrophe instead.
  bool saw_formula_run = false;
  for (const auto& e : std::filesystem::directory_iterator(out.path())) {
    if (e.path().extension() != ".csv") continue;
    const std::string csv = testing::read_text(e.path());
    saw_formula_run = saw_formula_run || csv.find("'=1+1@SUM(A1)") != std::string::npos;
    for (const std::string start : {",=", ",+", ",@", "\n=", "\n+", "\n@", ",\"=", "\n\"="})
      EXPECT_EQ(csv.find(start), std::string::npos) << e.path() << " has a cell starting " << start.substr(1);
  }
  EXPECT_TRUE(saw_formula_run);
}

TEST(HostileRun, NothingExecutesInChromium) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium not installed (Debian package 'chromium')";
  ScratchDir in("hostile-in"), out("hostile-out");
  write_report(hostile_report(in), out.str(), {"html"});
  const std::string cmd = dump_dom_command(chromium, out);
  const std::string dom = run(cmd);
  ASSERT_FALSE(dom.empty()) << "chromium printed no DOM: " << cmd;
  EXPECT_NE(dom.find("<title>slime-bench report</title>"), std::string::npos);
  EXPECT_EQ(dom.find("pwned</title>"), std::string::npos);
  for (const char* element : {"<script", "<img", "<iframe", "<a ", "<svg onload"})
    EXPECT_EQ(dom.find(element), std::string::npos) << element << " was parsed as markup";
  EXPECT_EQ(count_of(dom, "<svg class=\"plot\""), 4u);  // the page still renders
  for (const std::string& p : kPayloads) {
    // Three characters: a '>' further on is serialised as &gt; in text.
    if (p[0] == '<') {
      EXPECT_NE(dom.find("&lt;" + p.substr(1, 3)), std::string::npos) << p << " not shown as text";
    }
  }
}

}  // namespace
}  // namespace slime::reports
