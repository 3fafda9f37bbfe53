// reports/paper/table<N>.json against the paper's text: each row, rebuilt as the Markdown line of
// shared docs/paper.md, must appear there verbatim. A few lines are copied into this file so the
// check runs without the shared docs; the full check runs when ../shared/docs/paper.md exists.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "engine/common/error.h"
#include "reports/paper.h"

namespace slime::reports {
namespace {

std::string markdown_row(const PaperTable& t, const PaperRow& r) {
  std::string line = "| " + r.label + " |";
  if (!r.llm.empty()) line += " " + r.llm + " |";
  for (const auto& c : r.cells) {
    const std::string text = c.mark == "best" ? "**" + c.printed + "**" : c.mark == "second" ? "<u>" + c.printed + "</u>" : c.printed;
    line += " " + text + " |";
  }
  return line;
}

TEST(Paper, TablesLoadWithCaptionsColumnsUnits) {
  for (int n = 1; n <= 4; ++n) {
    const PaperTable t = load_paper_table("table" + std::to_string(n));
    EXPECT_EQ(t.number, n);
    EXPECT_FALSE(t.caption.empty());
    EXPECT_FALSE(t.rows.empty());
    EXPECT_NE(t.find_row(t.reference_row), nullptr) << "table " << n << " reference row " << t.reference_row;
    for (const auto& c : t.columns) EXPECT_FALSE(c.unit.empty()) << c.name;
  }
  EXPECT_EQ(load_paper_table("1").columns.size(), 10u);
  EXPECT_EQ(load_paper_table("table2").columns.size(), 7u);
  EXPECT_EQ(load_paper_table("table3").rows.size(), 10u);
  EXPECT_EQ(load_paper_table("table4").rows.size(), 9u);
  EXPECT_EQ(load_paper_table("table3:Nq = 144").reference_row, "Nq = 144");
  EXPECT_THROW(load_paper_table("table3:No such row"), Error);
  EXPECT_THROW(load_paper_table("table9"), Error);
}

TEST(Paper, CellsMatchLinesCopiedFromPaperMd) {
  // Copied verbatim from shared docs/paper.md §1-§4.
  const std::vector<std::pair<std::string, std::string>> lines = {
      {"table1", "| SliME-8B | Llama3-8B | 64.76 | <u>63.94</u> | 80.69 | <u>75.00</u> | **71.80** | **41.20** | <u>73.90</u> | <u>1578</u> | 337 | 37.40 |"},
      {"table1", "| Monkey | Qwen-7B | - | 60.70 | 80.30 | 72.40 | 67.50 | - | - | 1522 | **401** | 33.00 |"},
      {"table2", "| Qwen-VL | Qwen-7B | - | 33.80 | 10.53 | 67.10 | - | 84.90 | 606 |"},
      {"table2", "| InstructBLIP | Vicuna-7B | - | 25.30 | - | 60.50 | - | 81.70 | -* |"},
      {"table3", "| Final | 84.9 | 63.94 | 84.18 | 64.76 | 88.90 |"},
      {"table3", "| γ = 75% | 84.50 | 63.09 | 77.44 | 63.83 | 88.40 |"},
      {"table4", "| └ E2E, only local tokens | 43.40 | 38.70 | 71.24 | 58.22 | 78.20 |"},
  };
  for (const auto& [table, line] : lines) {
    const PaperTable t = load_paper_table(table);
    bool found = false;
    for (const auto& r : t.rows) found = found || markdown_row(t, r) == line;
    EXPECT_TRUE(found) << table << ": no row renders as\n" << line;
  }
  // Values as numbers, "-" as missing, printed precision kept.
  const PaperTable t3 = load_paper_table("table3");
  const PaperRow* fin = t3.find_row("Final");
  ASSERT_NE(fin, nullptr);
  EXPECT_EQ(fin->cells[0].printed, "84.9");
  EXPECT_DOUBLE_EQ(*fin->cells[0].value, 84.9);
  EXPECT_FALSE(load_paper_table("table2").rows[0].cells[0].value.has_value());
  EXPECT_EQ(t3.columns[0].tasks.at("pope").metric, "mean_f1");
  EXPECT_EQ(t3.columns[0].tasks.at("pope").scale, 100.0);
}

TEST(Paper, EveryRowAppearsInSharedPaperMd) {
  const std::filesystem::path md = std::filesystem::path(SLIME_SOURCE_DIR) / "../shared/docs/paper.md";
  if (!std::filesystem::exists(md)) GTEST_SKIP() << md << " not present (shared docs live beside the checkout)";
  std::ifstream in(md);
  std::stringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  for (int n = 1; n <= 4; ++n) {
    const PaperTable t = load_paper_table("table" + std::to_string(n));
    const std::string heading = "## " + std::to_string(n) + ". Table " + std::to_string(n);
    const size_t start = text.find(heading);
    ASSERT_NE(start, std::string::npos) << heading;
    const std::string section = text.substr(start, text.find("\n---", start) - start);
    for (const auto& r : t.rows) {
      EXPECT_NE(section.find("\n" + markdown_row(t, r) + "\n"), std::string::npos)
          << "table " << n << " row '" << r.label << "' differs from paper.md: " << markdown_row(t, r);
    }
    // And no data row of the paper's table is missing from the JSON: count the lines of the first
    // table block (header, separator, group rows in italics excluded).
    size_t header = section.find("\n| Method");
    if (header == std::string::npos) header = section.find("\n| Setting");
    ASSERT_NE(header, std::string::npos);
    size_t lines = 0;
    std::istringstream ls(section.substr(header + 1));
    for (std::string line; std::getline(ls, line) && line.rfind("|", 0) == 0;) {
      if (line.rfind("| Method", 0) != 0 && line.rfind("| Setting", 0) != 0 && line.rfind("|---", 0) != 0 &&
          line.rfind("| *", 0) != 0) {
        ++lines;
      }
    }
    EXPECT_EQ(lines, t.rows.size()) << "table " << n;
  }
}

}  // namespace
}  // namespace slime::reports
