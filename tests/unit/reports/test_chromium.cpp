// The HTML report in a real browser: headless Chromium loads the page from a file, and the
// serialised DOM must hold the four SVG plots, the prediction with a planted <script> as text,
// and the page's own title (the script would have replaced it). Skipped without chromium.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

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

TEST(Chromium, ReportLoadsWithPlotsAndNoScriptRuns) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) {
    GTEST_SKIP() << "chromium not installed (Debian package 'chromium'); headless HTML check skipped";
  }
  ScratchDir out("chromium");
  const Report r = build_report(load_inputs({testing::kAblation}), ReportOptions{});
  write_report(r, out.str(), {"html"});
  const auto page = std::filesystem::absolute(out.path() / "report.html");
  // --no-sandbox: tests may run as root in containers, where the sandbox cannot start. A private
  // profile dir keeps the run from touching the user's profile.
  const std::string cmd = chromium + " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage"
                          " --user-data-dir=" + (out.path() / "profile").string() +
                          " --virtual-time-budget=2000 --dump-dom 'file://" + page.string() + "' 2>/dev/null";
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

}  // namespace
}  // namespace slime::reports
