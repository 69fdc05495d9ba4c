// trace-stats' statistics against values computed independently with R (stats_expected.R
// beside this file holds the script and its output is pasted below), and its edge cases.
#include "stats.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace {

using tracemill::NumericStats;

NumericStats of(const std::vector<double>& values) {
  NumericStats s;
  for (double x : values) s.add(x);
  return s;
}

const std::vector<double> kA = {2.1, 3.4, 1.9, 5.6, 4.4, 3.3, 2.8};
const std::vector<double> kB = {3.9, 5.1, 4.8, 6.2, 4.4, 5.5, 6.0, 4.9};

TEST(Stats, MomentsAndType7QuantilesMatchR) {
  const NumericStats a = of(kA);
  EXPECT_NEAR(a.mean(), 3.35714285714286, 1e-12);
  EXPECT_NEAR(std::sqrt(a.variance()), 1.29981683691350, 1e-12);
  EXPECT_NEAR(a.quantile(0.05), 1.96, 1e-12);
  EXPECT_NEAR(a.quantile(0.25), 2.45, 1e-12);
  EXPECT_NEAR(a.quantile(0.5), 3.30, 1e-12);
  EXPECT_NEAR(a.quantile(0.75), 3.90, 1e-12);
  EXPECT_NEAR(a.quantile(0.95), 5.24, 1e-12);
}

TEST(Stats, StudentTMatchesR) {
  EXPECT_NEAR(tracemill::student_t_quantile(0.975, 6), 2.44691185114497, 1e-9);
  EXPECT_NEAR(tracemill::student_t_cdf(-2.5, 7.3), 0.0198251173328002, 1e-12);
}

TEST(Stats, WelchMatchesR) {
  const auto r = tracemill::welch_t_test(of(kA), of(kB));
  EXPECT_NEAR(r.statistic, -3.0951443378994146, 1e-12);
  EXPECT_NEAR(r.df, 9.5493416681159804, 1e-10);
  EXPECT_NEAR(r.p_value, 0.0119627808543556, 1e-12);
}

TEST(Stats, MannWhitneyMatchesRNormalWithTiesExactWithout) {
  const auto ties = tracemill::mann_whitney_u(kA, kB);  // 4.4 in both: normal, corrected
  EXPECT_DOUBLE_EQ(ties.statistic, 7.5);
  EXPECT_FALSE(ties.exact);
  EXPECT_NEAR(ties.p_value, 0.0205244635982276, 1e-12);
  const auto exact = tracemill::mann_whitney_u({1.1, 2.2, 3.3, 4.4}, {2.5, 3.5, 5.5, 6.5, 7.5});
  EXPECT_DOUBLE_EQ(exact.statistic, 3);
  EXPECT_TRUE(exact.exact);
  EXPECT_NEAR(exact.p_value, 0.111111111111111, 1e-12);
  std::vector<double> x(30, 1.0), y(10, 1.0);  // large, heavily tied
  for (int i = 2; i <= 40; ++i) x.push_back(i);
  for (int i = 5; i <= 60; ++i) y.push_back(i);
  const auto big = tracemill::mann_whitney_u(x, y);
  EXPECT_DOUBLE_EQ(big.statistic, 1188);
  EXPECT_NEAR(big.p_value, 1.20363753737881e-06, 1e-15);
}

TEST(Stats, EffectSizesAndHolmMatchR) {
  EXPECT_NEAR(tracemill::cohens_d(of(kA), of(kB)), -1.65728489762242, 1e-12);
  EXPECT_NEAR(tracemill::cliffs_delta(kA, kB), -0.732142857142857, 1e-12);
  const auto adjusted = tracemill::holm({0.01, 0.04, 0.03, 0.2});
  const std::vector<double> expected = {0.04, 0.09, 0.09, 0.20};
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(adjusted[i], expected[i], 1e-15);
}

TEST(Stats, EdgeCases) {
  NumericStats empty;
  EXPECT_EQ(empty.count(), 0u);
  EXPECT_TRUE(std::isnan(empty.quantile(0.5)));
  EXPECT_TRUE(std::isnan(empty.variance()));
  const NumericStats one = of({4.0});
  EXPECT_EQ(one.quantile(0.05), 4.0);
  EXPECT_TRUE(std::isnan(one.variance()));  // n = 1: no sample variance
  const NumericStats same = of({2, 2, 2});
  EXPECT_EQ(same.variance(), 0);
  NumericStats with_missing;
  with_missing.add(1);
  with_missing.add(std::nan(""));  // NaN counts as missing, never as a value
  with_missing.add_missing();
  EXPECT_EQ(with_missing.count(), 1u);
  EXPECT_EQ(with_missing.missing(), 2u);
  // Equal groups: no difference, no significance claimed.
  EXPECT_TRUE(std::isnan(tracemill::welch_t_test(same, same).p_value));
  EXPECT_NEAR(tracemill::mann_whitney_u({1, 1}, {1, 1}).statistic, 2, 0);
}

TEST(Stats, MergeEqualsOnePassAndTheSketchKeepsItsBound) {
  NumericStats whole, left, right;
  for (int i = 0; i < 200000; ++i) {
    const double x = std::fmod(i * 7919.0, 10007.0) / 7.0 - 300;  // a deterministic spread, negatives too
    whole.add(x);
    (i % 3 == 0 ? left : right).add(x);
  }
  left.merge(right);
  EXPECT_EQ(left.count(), whole.count());
  EXPECT_EQ(left.min(), whole.min());
  EXPECT_EQ(left.max(), whole.max());
  EXPECT_NEAR(left.mean(), whole.mean(), 1e-9);
  EXPECT_NEAR(left.variance(), whole.variance(), 1e-6);
  EXPECT_FALSE(whole.exact());
  for (double q : {0.05, 0.25, 0.5, 0.75, 0.95}) {
    EXPECT_EQ(left.quantile(q), whole.quantile(q)) << q;  // same buckets, same answer
    // Against the true type-7 quantile: within the sketch's 1% relative accuracy.
    std::vector<double> all;
    for (int i = 0; i < 200000; ++i) all.push_back(std::fmod(i * 7919.0, 10007.0) / 7.0 - 300);
    std::sort(all.begin(), all.end());
    const double truth = all[static_cast<size_t>(q * static_cast<double>(all.size() - 1))];
    EXPECT_NEAR(whole.quantile(q), truth, std::fabs(truth) * 0.0101 + 1e-9) << q;
  }
}

TEST(Stats, SynthHistogramIsByteExact) {
  // docs/legacy-reports.md, "Histogram": the x-label lines of the old layout, quirks included.
  const auto last_line = [](const std::vector<double>& data) {
    const std::string h = tracemill::synth_histogram(data, "", "", "");
    return h.substr(h.rfind('\n') + 1);
  };
  EXPECT_EQ(last_line({0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 5, 8}), "0.0     7.6");
  EXPECT_EQ(last_line({1200, 3400, 3400, 9000}), "1200.0  8610.0");
  EXPECT_EQ(last_line({-5.5, 3.0}), "-5.5    2.6");
  EXPECT_EQ(last_line({12345, 22345, 99999}), "12345.0 95616.3");
  EXPECT_EQ(last_line({1234567, 2345678, 5000000, 9999999}), "1234567.09561727.4");
  EXPECT_EQ(last_line({100000000, 900000000}), "10000000300860000000.0");
  const std::string full = tracemill::synth_histogram({0, 0, 0, 1, 1, 2, 2, 2, 2, 3, 5, 8}, "Reward Distribution", "Total Reward", "Count");
  const std::string expected =
      "\n                         Reward Distribution                          \n"
      "======================================================================\n"
      "Count\n"
      "     4 \u2502     \u2588              \n"
      "     3 \u2502     \u2588              \n"
      "     3 \u2502     \u2588              \n"
      "     3 \u2502     \u2588              \n"
      "     2 \u2502\u2588    \u2588              \n"
      "     2 \u2502\u2588    \u2588              \n"
      "     2 \u2502\u2588    \u2588              \n"
      "     2 \u2502\u2588    \u2588              \n"
      "     1 \u2502\u2588 \u2588  \u2588              \n"
      "     1 \u2502\u2588 \u2588  \u2588              \n"
      "     1 \u2502\u2588 \u2588  \u2588              \n"
      "     1 \u2502\u2588 \u2588  \u2588              \n"
      "     0 \u2502\u2588 \u2588  \u2588 \u2588    \u2588      \u2588\n"
      "     0 \u2502\u2588 \u2588  \u2588 \u2588    \u2588      \u2588\n"
      "     0 \u2502\u2588 \u2588  \u2588 \u2588    \u2588      \u2588\n"
      "       \u2514\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\n"
      "0.0     7.6\n"
      "\n                             Total Reward                             ";
  EXPECT_EQ(full, expected);
  EXPECT_EQ(tracemill::synth_bar_chart({{"gpt-4o-mini", 40}, {"gpt-4o", 15}}, "Model Usage"),
            "\nModel Usage\n" + std::string(80, '=') + "\ngpt-4o-mini \u2502 " + [] {
              std::string s;
              for (int i = 0; i < 60; ++i) s += "\u2588";
              return s;
            }() + " 40\ngpt-4o      \u2502 " + [] {
              std::string s;
              for (int i = 0; i < 22; ++i) s += "\u2588";
              return s;
            }() + " 15");
}

}  // namespace
