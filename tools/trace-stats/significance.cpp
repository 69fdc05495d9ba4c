#include "significance.hpp"

#include "distributions.hpp"
#include "format.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

namespace tracemill {

using stats::kNaN;

TestResult welch_t_test(const NumericStats& a, const NumericStats& b) {
  TestResult r;
  const double na = static_cast<double>(a.count()), nb = static_cast<double>(b.count());
  const double va = a.variance() / na, vb = b.variance() / nb;
  r.statistic = (a.mean() - b.mean()) / std::sqrt(va + vb);
  r.df = (va + vb) * (va + vb) / (va * va / (na - 1) + vb * vb / (nb - 1));
  r.p_value = std::isnan(r.statistic) ? kNaN : 2 * student_t_cdf(-std::fabs(r.statistic), r.df);
  if (va + vb == 0) r.p_value = a.mean() == b.mean() ? kNaN : 0;
  return r;
}

TestResult mann_whitney_u(const std::vector<double>& a, const std::vector<double>& b) {
  TestResult r;
  const size_t n1 = a.size(), n2 = b.size();
  if (n1 == 0 || n2 == 0) {
    r.statistic = r.p_value = kNaN;
    return r;
  }
  std::vector<std::pair<double, int>> all;
  for (double x : a) all.emplace_back(x, 0);
  for (double x : b) all.emplace_back(x, 1);
  std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  const size_t n = all.size();
  double rank_sum_a = 0, tie_term = 0;
  bool ties = false;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && all[j].first == all[i].first) ++j;
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    const double t = static_cast<double>(j - i);
    if (t > 1) ties = true;
    tie_term += t * t * t - t;
    for (size_t k = i; k < j; ++k) {
      if (all[k].second == 0) rank_sum_a += rank;
    }
    i = j;
  }
  const double u = rank_sum_a - static_cast<double>(n1) * (static_cast<double>(n1) + 1) / 2;
  r.statistic = u;
  if (!ties && n1 < 50 && n2 < 50) {
    // Exact: the number of arrangements with U = k, by the recurrence f(m, n, k) =
    // f(m-1, n, k-n) + f(m, n-1, k) (Mann and Whitney 1947), as doubles.
    const size_t max_u = n1 * n2;
    std::vector<std::vector<double>> f(n2 + 1, std::vector<double>(max_u + 1, 0));
    // f over m (rows of a) is rolled: current[nn][k] = count for (m, nn).
    for (size_t nn = 0; nn <= n2; ++nn) f[nn][0] = 1;  // m = 0
    for (size_t m = 1; m <= n1; ++m) {
      std::vector<std::vector<double>> g(n2 + 1, std::vector<double>(max_u + 1, 0));
      g[0][0] = 1;
      for (size_t nn = 1; nn <= n2; ++nn) {
        for (size_t k = 0; k <= m * nn; ++k) {
          g[nn][k] = (k >= nn ? f[nn][k - nn] : 0) + g[nn - 1][k];
        }
      }
      f.swap(g);
    }
    const std::vector<double>& dist = f[n2];
    const double total = std::accumulate(dist.begin(), dist.end(), 0.0);
    const auto k = static_cast<size_t>(std::llround(u));
    double below = 0, above = 0;
    for (size_t i = 0; i <= max_u; ++i) {
      if (i <= k) below += dist[i];
      if (i >= k) above += dist[i];
    }
    r.p_value = std::min(1.0, 2 * std::min(below, above) / total);
    r.exact = true;
    return r;
  }
  const double mean = static_cast<double>(n1) * static_cast<double>(n2) / 2;
  const double nd = static_cast<double>(n);
  const double sigma = std::sqrt(static_cast<double>(n1) * static_cast<double>(n2) / 12 *
                                 ((nd + 1) - tie_term / (nd * (nd - 1))));
  double z = u - mean;
  z = (z - (z > 0 ? 0.5 : z < 0 ? -0.5 : 0)) / sigma;
  r.p_value = sigma == 0 ? kNaN : 2 * std::min(normal_cdf(z), 1 - normal_cdf(z));
  return r;
}

double cohens_d(const NumericStats& a, const NumericStats& b) {
  const double na = static_cast<double>(a.count()), nb = static_cast<double>(b.count());
  const double pooled = std::sqrt(((na - 1) * a.variance() + (nb - 1) * b.variance()) / (na + nb - 2));
  return (a.mean() - b.mean()) / pooled;
}

double cliffs_delta(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.empty() || b.empty()) return kNaN;
  const TestResult u = mann_whitney_u(a, b);
  return 2 * u.statistic / (static_cast<double>(a.size()) * static_cast<double>(b.size())) - 1;
}

std::vector<double> holm(const std::vector<double>& p) {
  std::vector<size_t> order(p.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return p[x] < p[y]; });
  std::vector<double> adjusted(p.size(), kNaN);
  double running = 0;
  const double m = static_cast<double>(p.size());
  for (size_t i = 0; i < order.size(); ++i) {
    if (std::isnan(p[order[i]])) continue;
    running = std::max(running, std::min(1.0, (m - static_cast<double>(i)) * p[order[i]]));
    adjusted[order[i]] = running;
  }
  return adjusted;
}

}  // namespace tracemill
