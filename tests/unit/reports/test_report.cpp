// Loading fixture runs, the report tables, every writer end to end, the HTML page (plots, escaping)
// and the SVG helpers. Fixtures: tests/data/reports/ablation (see SOURCE.md there).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "engine/common/error.h"
#include "reports/report.h"
#include "reports/svg.h"
#include "tests/unit/reports/test_util.h"

namespace slime::reports {
namespace {

using testing::count_of;
using testing::read_text;
using testing::ScratchDir;

// Values printed with 2 decimals in tables.
constexpr double kPrintedTol = 0.005 + 1e-9;

const Table& table(const Report& r, const std::string& id) {
  for (const auto& t : r.tables) {
    if (t.id == id) return t;
  }
  throw std::runtime_error("no table " + id);
}

const std::vector<Cell>* find_row(const Table& t, const std::string& a, const std::string& b = "") {
  for (const auto& row : t.rows) {
    if (row[0].text == a && (b.empty() || row[1].text == b)) return &row;
  }
  return nullptr;
}

size_t column(const Table& t, const std::string& name) {
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (t.columns[i] == name) return i;
  }
  throw std::runtime_error("no column " + name + " in " + t.id);
}

TEST(RunData, LoadsRunAndAblation) {
  const RunData run = load_run(testing::kKeepAll);
  EXPECT_EQ(run.name, "keep_all");
  ASSERT_EQ(run.samples.size(), 2u);
  EXPECT_EQ(run.samples.at("hires_detail").size(), 40u);
  EXPECT_EQ(run.samples.at("pope").size(), 30u);
  EXPECT_EQ(run.samples.at("pope").back().error, "image_decode: truncated file");
  EXPECT_EQ(sample_score_key(run, "hires_detail"), "correct");
  EXPECT_EQ(sample_scores(run, "pope", "correct").size(), 29u);  // the error sample is left out
  EXPECT_EQ(primary_metric(run.results["results"]["pope"]), "accuracy");
  EXPECT_EQ(primary_metric(nlohmann::json{{"mean_f1", 0.8}, {"count", 3}}), "mean_f1");
  // 577 global + 1008 local for every sample, plus (i % 3) * 8: 312 over hires_detail's 40 and
  // 224 over pope's 29 scored samples.
  EXPECT_NEAR(mean_visual_tokens(run), 1585.0 + 536.0 / 69.0, 1e-9);

  const LoadedInputs in = load_inputs({testing::kAblation});
  EXPECT_EQ(in.baseline, "keep_all");
  ASSERT_EQ(in.runs.size(), 3u);
  EXPECT_EQ(in.runs[1].name, "topp_090");

  // Without ablation.json: a folder of run directories, sorted by name.
  const LoadedInputs folder = load_inputs({testing::kAblation + "/cells"});
  ASSERT_EQ(folder.runs.size(), 3u);
  EXPECT_EQ(folder.runs[0].name, "keep_all");
  EXPECT_EQ(folder.runs[1].name, "topp_075");
  EXPECT_THROW(load_inputs({"tests/data/reports/no-such-dir"}), Error);
  // The same run twice gets distinct names.
  const LoadedInputs twice = load_inputs({testing::kKeepAll, testing::kKeepAll});
  EXPECT_EQ(twice.runs[1].name, "keep_all#2");
}

TEST(RunData, TornLastLineIsSkippedOtherBadLinesThrow) {
  ScratchDir dir("torn");
  std::filesystem::copy(testing::kKeepAll, dir.path(), std::filesystem::copy_options::recursive);
  {
    std::ofstream out(dir.path() / "samples_pope.jsonl", std::ios::app);
    out << "{\"doc_id\": \"pope-999\", \"correct\": 1.";  // killed mid-write, no newline
  }
  EXPECT_EQ(load_run(dir.str()).samples.at("pope").size(), 30u);
  {
    std::ofstream out(dir.path() / "samples_pope.jsonl", std::ios::app);
    out << "\n{\"doc_id\": \"pope-1000\"}\n";  // now the broken line is in the middle
  }
  try {
    load_run(dir.str());
    FAIL() << "expected a format error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFormat);
    EXPECT_NE(std::string(e.what()).find("samples_pope.jsonl:31"), std::string::npos) << e.what();
  }
}

TEST(Report, TablesFromAblation) {
  ReportOptions opt;
  opt.paper = "table3";
  const Report r = build_report(load_inputs({testing::kAblation}), opt);
  EXPECT_EQ(r.baseline, "keep_all");

  const Table& m = table(r, "metrics");
  EXPECT_EQ(m.rows.size(), 3u);
  EXPECT_NEAR(*(*find_row(m, "keep_all"))[column(m, "hires_detail / accuracy")].value, 62.5, 1e-12);
  EXPECT_NEAR(*(*find_row(m, "topp_075"))[column(m, "hires_detail / accuracy")].value, 50.0, 1e-12);
  EXPECT_EQ((*find_row(m, "keep_all"))[column(m, "errors")].text, "1");

  const Table& ci = table(r, "ci");
  const auto* row = find_row(ci, "keep_all", "hires_detail");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ((*row)[3].text, "40");
  EXPECT_NEAR(*(*row)[4].value, 62.5, 1e-12);
  EXPECT_LT(*(*row)[5].value, 62.5);
  EXPECT_GT(*(*row)[6].value, 62.5);
  EXPECT_EQ((*find_row(ci, "keep_all", "pope"))[3].text, "29");

  // topp_075 is right on a subset of keep_all's right answers (shared item difficulty in the
  // fixture): 5 of 40 lost, none gained -> McNemar p = 2 / 2^5.
  const Table& d = table(r, "deltas");
  row = find_row(d, "topp_075", "hires_detail");
  ASSERT_NE(row, nullptr);
  EXPECT_NEAR(*(*row)[column(d, "Delta")].value, -12.5, 1e-12);
  EXPECT_EQ((*row)[column(d, "Paired n")].text, "40");
  EXPECT_NEAR(*(*row)[column(d, "p")].value, 0.0625, 1e-12);
  EXPECT_EQ((*row)[column(d, "Test")].text, "mcnemar-exact");
  EXPECT_LT(*(*row)[column(d, "CI high")].value, 0.0);
  EXPECT_EQ(find_row(d, "keep_all"), nullptr);  // no row for the baseline itself

  const Table& lat = table(r, "latency");
  EXPECT_NEAR(*(*find_row(lat, "keep_all"))[1].value, 1585.0 + 536.0 / 69.0, 0.05 + 1e-9);
  EXPECT_GT(*(*find_row(lat, "keep_all"))[2].value, *(*find_row(lat, "topp_075"))[2].value);
  const Table& pct = table(r, "latency_percentiles");
  EXPECT_EQ(pct.rows.size(), 3u * 9u);  // 7 stages + total + tokens_per_s

  // Paper vs ours: POPE's 0-1 mean_f1 scaled to percent next to "Final" 84.9.
  const Table& pv = table(r, "paper_vs_ours");
  row = find_row(pv, "POPE");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ((*row)[2].text, "84.9");
  const double ours = 100.0 * load_run(testing::kKeepAll).results["results"]["pope"]["mean_f1"].get<double>();
  EXPECT_NEAR(*(*row)[column(pv, "keep_all")].value, ours, kPrintedTol);
  EXPECT_NEAR(*(*row)[column(pv, "Delta keep_all")].value, ours - 84.9, kPrintedTol);
  EXPECT_EQ(table(r, "paper_table3").rows.size(), 10u);
}

TEST(Report, BaselineByNameOrDirectory) {
  ReportOptions opt;
  opt.baseline = "topp_090";
  EXPECT_EQ(build_report(load_inputs({testing::kAblation}), opt).baseline, "topp_090");
  opt.baseline = testing::kTopp075;
  Report r = build_report(load_inputs({testing::kAblation}), opt);
  EXPECT_EQ(r.baseline, "topp_075");
  EXPECT_EQ(r.runs.size(), 3u);
  // A directory not among the inputs is loaded and put first.
  opt.baseline = testing::kKeepAll;
  r = build_report(load_inputs({testing::kTopp090, testing::kTopp075}), opt);
  EXPECT_EQ(r.runs.size(), 3u);
  EXPECT_EQ(r.runs[0].name, "keep_all");
  opt.baseline = "nope";
  EXPECT_THROW(build_report(load_inputs({testing::kAblation}), opt), Error);
}

TEST(Report, WritesEveryFormat) {
  ScratchDir out("formats");
  ReportOptions opt;
  opt.paper = "table3";
  const Report r = build_report(load_inputs({testing::kAblation}), opt);
  const auto files = write_report(r, out.str(), {"md", "html", "csv", "json", "tex"});
  EXPECT_EQ(files.size(), 4u + r.tables.size());
  const std::string md = read_text(out.path() / "report.md");
  EXPECT_NE(md.find("### Metrics per task"), std::string::npos);
  EXPECT_NE(md.find("| keep\\_all |"), std::string::npos);
  const auto j = nlohmann::json::parse(read_text(out.path() / "report.json"));
  EXPECT_EQ(j["baseline"], "keep_all");
  EXPECT_EQ(j["tables"].size(), r.tables.size());
  const std::string tex = read_text(out.path() / "report.tex");
  EXPECT_EQ(count_of(tex, "\\toprule"), r.tables.size());
  EXPECT_NE(tex.find("keep\\_all"), std::string::npos);
  const std::string csv = read_text(out.path() / "deltas.csv");
  EXPECT_NE(csv.find("topp_075,hires_detail,accuracy,62.50,50.00,-12.50,40,"), std::string::npos) << csv;
  EXPECT_THROW(write_report(r, out.str(), {"pdf"}), Error);
}

TEST(Report, HtmlHasFourPlotsAndEscapesPredictions) {
  const Report r = build_report(load_inputs({testing::kAblation}), ReportOptions{});
  const std::string html = render_html(r);
  EXPECT_EQ(count_of(html, "<svg class=\"plot\""), 4u);
  for (const char* id : {"plot-accuracy-tokens", "plot-accuracy-latency", "plot-latency-stages", "plot-tasks"}) {
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  EXPECT_NE(html.find("class=\"pareto\""), std::string::npos);
  // The fixture's prediction holds a <script>: shown as text, never as markup.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;B &amp; &quot;quoted&quot;"),
            std::string::npos);
  // Self-contained: nothing fetched from elsewhere.
  EXPECT_EQ(html.find("http://") , html.find("http://www.w3.org/2000/svg"));
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
}

TEST(Svg, ParetoFrontSmallerXLargerY) {
  // (latency, accuracy): b dominates a; c and d trade off; e ties c exactly.
  const std::vector<PlotPoint> pts = {{100, 50, "a"}, {90, 60, "b"}, {50, 55, "c"}, {200, 70, "d"}, {50, 55, "e"}};
  const auto front = pareto_front(pts);
  std::vector<std::string> labels;
  for (size_t i : front) labels.push_back(pts[i].label);
  EXPECT_EQ(labels, (std::vector<std::string>{"c", "e", "b", "d"}));
}

TEST(Svg, LabelsAreEscapedAndShapesDrawn) {
  const std::string s = grouped_bars_svg("g", "T <x>", "y", {"t&1"}, {"<run>"}, {{42.0}});
  EXPECT_NE(s.find("<title>T &lt;x&gt;</title>"), std::string::npos);
  EXPECT_NE(s.find("t&amp;1"), std::string::npos);
  EXPECT_EQ(s.find("<run>"), std::string::npos);
  EXPECT_EQ(count_of(s, "<rect"), 2u);  // one bar + one legend swatch
  const std::string st = stacked_bars_svg("s", "S", "ms", {"a", "b"}, {"x", "y", "z"}, {{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(count_of(st, "<rect"), 6u + 3u);
}

}  // namespace
}  // namespace slime::reports
