// trace-stats' report layout: histogram bins, numbers as written, tables fitted to a width.
#include "binning.hpp"
#include "format.hpp"
#include "table.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using tracemill::NumericStats;
namespace stats = tracemill::stats;

NumericStats of(const std::vector<double>& values) {
  NumericStats s;
  for (double x : values) s.add(x);
  return s;
}

TEST(StatsBins, IntegerDataGetsOneBarPerValue) {
  // The bug this guards: 6 and 7 drawn together in a bin 1.2 wide.
  const stats::Bins b = stats::choose_bins(of({0, 1, 2, 2, 3, 6, 7, 7, 8, 12}));
  EXPECT_TRUE(b.per_value);
  ASSERT_EQ(b.counts.size(), 13u);  // 0 .. 12
  EXPECT_EQ(b.counts[6], 1u);
  EXPECT_EQ(b.counts[7], 2u);
  EXPECT_EQ(b.label(7), "7");
  EXPECT_EQ(b.overflow, 0u);
}

TEST(StatsBins, WideIntegerDataGetsWholeNiceWidths) {
  std::vector<double> v;
  for (int i = 0; i < 1000; ++i) v.push_back(1000 + (i * 37) % 5000);
  const stats::Bins b = stats::choose_bins(of(v));
  EXPECT_FALSE(b.per_value);
  EXPECT_TRUE(b.integer);
  EXPECT_EQ(b.width, stats::nice_step(b.width));
  EXPECT_LE(b.counts.size(), stats::kMaxBins);
  uint64_t total = b.overflow;
  for (uint64_t c : b.counts) total += c;
  EXPECT_EQ(total, 1000u);
  EXPECT_EQ(b.label(0), "1000 .. " + stats::fmt(1000 + b.width - 1));
}

TEST(StatsBins, HeavyTailIsClippedIntoAnOverflowBar) {
  std::vector<double> v;
  for (int i = 0; i < 995; ++i) v.push_back(0.5 + i % 100 / 10.0);
  for (int i = 0; i < 5; ++i) v.push_back(1e6 + i);
  const stats::Bins b = stats::choose_bins(of(v));
  EXPECT_EQ(b.overflow, 5u);
  EXPECT_LT(b.clip, 11);
  EXPECT_EQ(b.max, 1e6 + 4);
  EXPECT_LE(b.width, 1);  // the body keeps its detail
  EXPECT_NE(b.overflow_note().find("5 values above the 99th percentile"), std::string::npos);
}

TEST(StatsBins, NiceSteps) {
  EXPECT_EQ(stats::nice_step(0.13), 0.2);
  EXPECT_EQ(stats::nice_step(2.2), 2.5);
  EXPECT_EQ(stats::nice_step(3), 5);
  EXPECT_EQ(stats::nice_step(1000), 1000);
  EXPECT_EQ(stats::nice_step(1234), 2000);
}

TEST(StatsFormat, LargeNumbersInFixedNotation) {
  EXPECT_EQ(stats::fmt(23319333), "23319333");
  EXPECT_EQ(stats::fmt(23319333.7), "23319300");
  EXPECT_EQ(stats::fmt(0.00012345), "0.00012345");
  EXPECT_EQ(stats::group_thousands("23319333"), "23,319,333");
  EXPECT_EQ(stats::group_thousands("-12345.5%"), "-12,345.5%");
  EXPECT_EQ(stats::group_thousands("1234"), "1234");
  EXPECT_EQ(stats::group_thousands("6.506e-05"), "6.506e-05");
  EXPECT_EQ(stats::group_thousands("12345 (exact)"), "12345 (exact)");
}

TEST(StatsTable, WideTableIsCutIntoBlocksRepeatingTheKey) {
  stats::Table t;
  t.header = {"metric"};
  t.numeric = {false};
  for (int i = 0; i < 12; ++i) {
    t.header.push_back("column" + std::to_string(i));
    t.numeric.push_back(true);
  }
  t.rows.push_back(std::vector<std::string>(13, "123456789"));
  t.rows[0][0] = "a-rather-long-metric-name";
  const std::string out = t.render("text", 60);
  size_t keys = 0, start = 0;
  while (start < out.size()) {
    const size_t end = out.find('\n', start);
    const std::string line = out.substr(start, end - start);
    EXPECT_LE(stats::display_width(line), 60u) << line;
    keys += line.rfind("metric", 0) == 0;
    start = end + 1;
  }
  EXPECT_GE(keys, 3u);                            // 12 columns of 9 do not fit 60 in fewer blocks
  EXPECT_EQ(t.render("text", 0).find('\n'), t.render("text").find('\n'));  // 0: one block
}

TEST(StatsTable, TextCellTooWideIsShortened) {
  stats::Table t;
  t.header = {"error", "sessions"};
  t.numeric = {false, true};
  t.rows.push_back({std::string(200, 'x'), "3"});
  const std::string out = t.render("text", 50);
  EXPECT_NE(out.find("..."), std::string::npos);
  EXPECT_EQ(t.render("csv").find("..."), std::string::npos);  // machines get every cell whole
  EXPECT_EQ(stats::shorten("h\u00e9llo world", 6), "h\u00e9l...");
}

}  // namespace
