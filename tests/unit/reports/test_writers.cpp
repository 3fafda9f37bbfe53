// Table writers: CSV quoting and formula neutralisation, Markdown/LaTeX/HTML escaping, JSON shape.
#include <gtest/gtest.h>

#include "reports/table.h"
#include "reports/writers.h"

namespace slime::reports {
namespace {

Table sample_table() {
  Table t{"t", "A <b>title</b> & more", {"Name", "Value"}, {}, "note_1"};
  t.rows.push_back({text_cell("=HYPERLINK(\"http://x\")"), number_cell(-1.5)});
  t.rows.push_back({text_cell("+cmd"), number_cell(2.26, 1, true)});
  t.rows.push_back({text_cell("-2+3"), number_cell(std::nan(""))});
  t.rows.push_back({text_cell("@SUM(A1)"), number_cell(0.0)});
  t.rows.push_back({text_cell("plain, with comma"), number_cell(10.0, 0)});
  t.rows.push_back({text_cell("a|b_c*d"), number_cell(1.0)});
  return t;
}

TEST(Writers, NumberCells) {
  EXPECT_EQ(number_cell(1.23456, 2).text, "1.23");
  EXPECT_EQ(number_cell(2.26, 1, true).text, "+2.3");
  EXPECT_EQ(number_cell(-0.5, 1, true).text, "-0.5");
  EXPECT_EQ(number_cell(std::nan("")).text, "-");
  EXPECT_FALSE(number_cell(std::nan("")).value.has_value());
}

TEST(Writers, CsvNeutralisesFormulaTextCellsOnly) {
  const std::string csv = to_csv(sample_table());
  EXPECT_NE(csv.find("\"'=HYPERLINK(\"\"http://x\"\")\",-1.50\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("'+cmd,+2.3\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("'-2+3,-\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("'@SUM(A1),0.00\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\"plain, with comma\",10\r\n"), std::string::npos) << csv;
  EXPECT_EQ(csv.rfind("Name,Value\r\n", 0), 0u);
  // No line starts with a formula character.
  for (char c : {'=', '+', '-', '@'}) EXPECT_EQ(csv.find(std::string("\n") + c), std::string::npos) << c;
  EXPECT_EQ(csv_neutralise("\tx"), "'\tx");
  EXPECT_EQ(csv_neutralise("ok"), "ok");
}

TEST(Writers, MarkdownEscapesPipesAndMarkup) {
  const std::string md = to_markdown(sample_table());
  EXPECT_NE(md.find("### A &lt;b&gt;title&lt;/b&gt; &amp; more"), std::string::npos) << md;
  EXPECT_NE(md.find("| a\\|b\\_c\\*d | 1.00 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| Name | Value |\n|---|---:|"), std::string::npos) << md;
  EXPECT_NE(md.find("note\\_1"), std::string::npos);
}

TEST(Writers, LatexIsBooktabsAndEscaped) {
  const std::string tex = to_latex(sample_table());
  EXPECT_NE(tex.find("\\toprule"), std::string::npos);
  EXPECT_NE(tex.find("\\midrule"), std::string::npos);
  EXPECT_NE(tex.find("\\bottomrule"), std::string::npos);
  EXPECT_NE(tex.find("\\begin{tabular}{lr}"), std::string::npos);
  EXPECT_NE(tex.find("a|b\\_c*d & 1.00 \\\\"), std::string::npos) << tex;
  EXPECT_NE(tex.find("$-$1.50"), std::string::npos) << tex;
  EXPECT_NE(tex.find("\\textless{}b\\textgreater{}title"), std::string::npos) << tex;
  EXPECT_EQ(latex_escape("50% of $x_1$ & {y} #2 ~ ^ \\"),
            "50\\% of \\$x\\_1\\$ \\& \\{y\\} \\#2 \\textasciitilde{} \\textasciicircum{} \\textbackslash{}");
}

TEST(Writers, JsonKeepsNumbersAsNumbers) {
  const auto j = to_json(sample_table());
  EXPECT_EQ(j["id"], "t");
  EXPECT_EQ(j["rows"][0][1].get<double>(), -1.5);
  EXPECT_TRUE(j["rows"][2][1].is_null());
  EXPECT_EQ(j["rows"][4][0], "plain, with comma");
  EXPECT_EQ(j["columns"].size(), 2u);
}

TEST(Writers, PlainTextPadsColumns) {
  Table t{"x", "Title\nline", {"Name", "V"}, {{text_cell("a\tb"), number_cell(1.5)}, {text_cell("long name"), number_cell(-10.25)}}, ""};
  EXPECT_EQ(to_text(t), "Title line\nName       V     \na b          1.50\nlong name  -10.25\n");
}

TEST(Writers, HtmlEscape) {
  EXPECT_EQ(html_escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
}

}  // namespace
}  // namespace slime::reports
