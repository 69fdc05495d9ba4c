#include "stats.hpp"

#include <libstream/document.hpp>
#include <libstream/error.hpp>
#include <libstream/json.hpp>
#include <libstream/projection.hpp>
#include <libstream/sink.hpp>
#include <libstream/time.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>
#include <functional>
#include <fstream>
#include <limits>
#include <numeric>
#include <set>
#include <sstream>

namespace tracemill {

using libstream::find_member;
using libstream::find_present;
using libstream::string_of;
using rapidjson::Value;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Numbers in reports: 6 significant digits, so a state merged from shards (whose sums were
/// added in another order) prints exactly as one pass; "-" for undefined.
std::string fmt(double x, int digits = 6) {
  if (std::isnan(x)) return "-";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, x == 0 ? 0.0 : x);
  return buffer;
}

std::string json_number(double x) {
  if (!std::isfinite(x)) return "null";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", x);
  return buffer;
}

std::string long_double_text(long double x) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.21Lg", x);
  return buffer;
}

std::string quote(std::string_view s) {
  std::string out;
  libstream::append_json_string(out, s);
  return out;
}

std::string percent(uint64_t part, uint64_t whole) {
  return whole == 0 ? "-" : fmt(100.0 * static_cast<double>(part) / static_cast<double>(whole), 3) + "%";
}

double number_of(const Value* v) {
  if (v == nullptr) return kNaN;
  if (v->IsNumber()) return v->GetDouble();
  if (v->IsString()) return std::strtod(std::string(string_of(*v)).c_str(), nullptr);
  return kNaN;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// QuantileSketch

int QuantileSketch::key(double magnitude) {
  static const double log_gamma = std::log((1 + kAccuracy) / (1 - kAccuracy));
  return static_cast<int>(std::ceil(std::log(magnitude) / log_gamma));
}

double QuantileSketch::value(int key) {
  static const double gamma = (1 + kAccuracy) / (1 - kAccuracy);
  return 2 * std::pow(gamma, key) / (gamma + 1);
}

void QuantileSketch::add(double x, uint64_t n) {
  if (x > 0) {
    positive_[key(x)] += n;
  } else if (x < 0) {
    negative_[key(-x)] += n;
  } else {
    zeros_ += n;
  }
  count_ += n;
}

void QuantileSketch::merge(const QuantileSketch& other) {
  for (const auto& [k, n] : other.positive_) positive_[k] += n;
  for (const auto& [k, n] : other.negative_) negative_[k] += n;
  zeros_ += other.zeros_;
  count_ += other.count_;
}

double QuantileSketch::at_rank(uint64_t rank) const {
  uint64_t seen = 0;
  for (auto it = negative_.rbegin(); it != negative_.rend(); ++it) {  // most negative first
    seen += it->second;
    if (rank < seen) return -value(it->first);
  }
  seen += zeros_;
  if (rank < seen) return 0;
  for (const auto& [k, n] : positive_) {
    seen += n;
    if (rank < seen) return value(k);
  }
  return positive_.empty() ? 0 : value(positive_.rbegin()->first);
}

void QuantileSketch::write(std::string& out) const {
  const auto buckets = [&](const std::map<int, uint64_t>& m) {
    out += '[';
    bool first = true;
    for (const auto& [k, n] : m) {
      out += (first ? "[" : ",[") + std::to_string(k) + "," + std::to_string(n) + "]";
      first = false;
    }
    out += ']';
  };
  out += "{\"positive\":";
  buckets(positive_);
  out += ",\"negative\":";
  buckets(negative_);
  out += ",\"zeros\":" + std::to_string(zeros_) + "}";
}

void QuantileSketch::read(const Value& json) {
  *this = QuantileSketch();
  for (const char* side : {"positive", "negative"}) {
    const Value* buckets = find_member(json, side);
    if (buckets == nullptr || !buckets->IsArray()) continue;
    for (const Value& b : buckets->GetArray()) {
      (std::string_view(side) == "positive" ? positive_ : negative_)[b[0].GetInt()] += b[1].GetUint64();
      count_ += b[1].GetUint64();
    }
  }
  if (const Value* z = find_member(json, "zeros")) {
    zeros_ = z->GetUint64();
    count_ += zeros_;
  }
}

// ---------------------------------------------------------------------------------------
// NumericStats

void NumericStats::add(double x) {
  if (std::isnan(x)) {
    ++missing_;
    return;
  }
  ++count_;
  const long double delta = x - mean_;
  mean_ += delta / count_;
  m2_ += delta * (x - mean_);
  sum_ += x;
  min_ = count_ == 1 ? x : std::min(min_, x);
  max_ = count_ == 1 ? x : std::max(max_, x);
  if (exact_) {
    values_.push_back(x);
    sorted_ = false;
    if (values_.size() > kExactLimit) {
      add_to_sketch(values_);
      values_.clear();
      values_.shrink_to_fit();
      exact_ = false;
    }
  } else {
    sketch_.add(x);
  }
}

void NumericStats::merge(const NumericStats& other) {
  if (other.count_ > 0) {
    // Chan, Golub and LeVeque's pairwise update.
    const long double n = count_ + other.count_;
    const long double delta = other.mean_ - mean_;
    m2_ += other.m2_ + delta * delta * count_ * other.count_ / n;
    mean_ += delta * other.count_ / n;
    sum_ += other.sum_;
    min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
    max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  }
  count_ += other.count_;
  missing_ += other.missing_;
  if (exact_ && other.exact_ && values_.size() + other.values_.size() <= kExactLimit) {
    const auto middle = static_cast<std::ptrdiff_t>(values_.size());
    values_.insert(values_.end(), other.values_.begin(), other.values_.end());
    if (sorted_ && other.sorted_) {
      std::inplace_merge(values_.begin(), values_.begin() + middle, values_.end());  // linear: workers sorted theirs
    } else {
      sorted_ = false;
    }
    return;
  }
  if (exact_) {
    add_to_sketch(values_);
    values_.clear();
    exact_ = false;
  }
  if (other.exact_) {
    add_to_sketch(other.values_);
  } else {
    sketch_.merge(other.sketch_);
  }
}

void NumericStats::add_to_sketch(const std::vector<double>& values) {
  // Equal values (token counts, rewards, turns repeat a lot) go in as one run each when sorted.
  for (size_t i = 0; i < values.size();) {
    size_t j = i + 1;
    while (j < values.size() && values[j] == values[i]) ++j;
    sketch_.add(values[i], j - i);
    i = j;
  }
}

double NumericStats::variance() const { return count_ < 2 ? kNaN : static_cast<double>(m2_ / (count_ - 1)); }

const std::vector<double>& NumericStats::values() const {
  if (!sorted_) {
    std::sort(values_.begin(), values_.end());
    sorted_ = true;
  }
  return values_;
}

double NumericStats::quantile(double q) const {
  if (count_ == 0) return kNaN;
  const double h = (static_cast<double>(count_) - 1) * q;
  const auto lo = static_cast<uint64_t>(std::floor(h));
  const uint64_t hi = std::min<uint64_t>(lo + 1, count_ - 1);
  double a = 0, b = 0;
  if (exact_) {
    const auto& v = values();
    a = v[lo];
    b = v[hi];
  } else {
    a = sketch_.at_rank(lo);
    b = sketch_.at_rank(hi);
  }
  // The extremes are known exactly either way.
  if (lo == 0) a = min_;
  if (hi == count_ - 1 && h >= static_cast<double>(count_ - 1)) b = max_;
  return a + (h - static_cast<double>(lo)) * (b - a);
}

void NumericStats::write(std::string& out) const {
  out += "{\"count\":" + std::to_string(count_) + ",\"missing\":" + std::to_string(missing_) + ",\"mean\":\"" +
         long_double_text(mean_) + "\",\"m2\":\"" + long_double_text(m2_) + "\",\"sum\":\"" + long_double_text(sum_) +
         "\",\"min\":" + json_number(min_) + ",\"max\":" + json_number(max_);
  if (exact_) {
    out += ",\"values\":[";
    const std::vector<double>& sorted = values();  // sorted: the same list however the input was split
    for (size_t i = 0; i < sorted.size(); ++i) out += (i > 0 ? "," : "") + json_number(sorted[i]);
    out += ']';
  } else {
    out += ",\"sketch\":";
    sketch_.write(out);
  }
  out += '}';
}

void NumericStats::read(const Value& json) {
  *this = NumericStats();
  count_ = json["count"].GetUint64();
  missing_ = json["missing"].GetUint64();
  mean_ = std::strtold(json["mean"].GetString(), nullptr);
  m2_ = std::strtold(json["m2"].GetString(), nullptr);
  sum_ = std::strtold(json["sum"].GetString(), nullptr);
  min_ = json["min"].IsNumber() ? json["min"].GetDouble() : 0;
  max_ = json["max"].IsNumber() ? json["max"].GetDouble() : 0;
  if (const Value* v = find_member(json, "values")) {
    for (const Value& x : v->GetArray()) values_.push_back(x.GetDouble());
    sorted_ = false;
  } else {
    exact_ = false;
    sketch_.read(json["sketch"]);
  }
}

// ---------------------------------------------------------------------------------------
// Tests

namespace {

/// Regularized incomplete beta I_x(a, b) (Numerical Recipes' continued fraction).
double incomplete_beta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  const bool flip = x > (a + 1) / (a + b + 2);
  if (flip) {
    std::swap(a, b);
    x = 1 - x;
  }
  const double tiny = 1e-300;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::fabs(d) < tiny) d = tiny;
  d = 1 / d;
  double f = d;
  for (int m = 1; m < 10000; ++m) {
    const double m2 = 2.0 * m;
    double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + num * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    f *= d * c;
    num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + num * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + num / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    f *= delta;
    if (std::fabs(delta - 1) < 1e-15) break;
  }
  const double result = front * f / a;
  return flip ? 1 - result : result;
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

}  // namespace

double student_t_cdf(double t, double df) {
  if (std::isnan(t) || std::isnan(df) || df <= 0) return kNaN;
  if (std::isinf(df)) return normal_cdf(t);
  const double tail = 0.5 * incomplete_beta(df / 2, 0.5, df / (df + t * t));
  return t > 0 ? 1 - tail : tail;
}

double student_t_quantile(double p, double df) {
  if (!(p > 0 && p < 1) || !(df > 0)) return kNaN;
  double lo = -1e4, hi = 1e4;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (student_t_cdf(mid, df) < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

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

// ---------------------------------------------------------------------------------------
// Pictures

namespace {

std::string center(const std::string& s, size_t width) {  // Python's str.center, counting code points
  size_t length = 0;
  for (char c : s) length += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  if (length >= width) return s;
  const size_t pad = width - length;
  const size_t left = pad / 2 + (pad & width & 1);
  return std::string(left, ' ') + s + std::string(pad - left, ' ');
}

/// NumPy's histogram(data, bins): equal-width bins over [min, max], the last one closed.
std::vector<uint64_t> bin_counts(const std::vector<double>& data, size_t bins, double& lo, double& hi) {
  lo = *std::min_element(data.begin(), data.end());
  hi = *std::max_element(data.begin(), data.end());
  if (lo == hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  std::vector<uint64_t> counts(bins, 0);
  for (double x : data) {
    auto i = static_cast<size_t>((x - lo) / (hi - lo) * static_cast<double>(bins));
    if (i >= bins) i = bins - 1;
    ++counts[i];
  }
  return counts;
}

std::string python_float(double x) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.1f", x);
  return buffer;
}

}  // namespace

std::string synth_histogram(const std::vector<double>& data, const std::string& title, const std::string& x_label,
                            const std::string& y_label) {
  if (data.empty()) return "No data to display";
  double lo = 0, hi = 0;
  const std::vector<uint64_t> counts = bin_counts(data, 20, lo, hi);
  const uint64_t max_count = *std::max_element(counts.begin(), counts.end());
  std::vector<std::string> lines;
  if (!title.empty()) {
    lines.push_back("\n" + center(title, 70));
    lines.push_back(std::string(70, '='));
  }
  if (!y_label.empty()) lines.push_back(y_label);
  for (int y = 15; y >= 1; --y) {
    char label[32];
    std::snprintf(label, sizeof label, "%6d", static_cast<int>(static_cast<double>(max_count) * y / 15));
    std::string row = std::string(label) + " \u2502";
    for (uint64_t c : counts) row += static_cast<int>(static_cast<double>(c) * 15 / static_cast<double>(max_count)) >= y ? "\u2588" : " ";
    lines.push_back(row);
  }
  std::string axis = "       \u2514";
  for (int i = 0; i < 20; ++i) axis += "\u2500";
  lines.push_back(axis);
  // The x labels, with the old layout's quirks (spec/seed-tools.md 2.5).
  const auto edge = [&](int i) { return lo + (hi - lo) * i / 20; };
  std::string line(8, ' ');
  const std::string first = python_float(edge(0));
  line = first + (first.size() < line.size() ? line.substr(first.size()) : "");
  for (int pos : {5, 10, 15}) {
    const std::string label = python_float(edge(pos));
    const size_t start = 8 + static_cast<size_t>(pos) - label.size() / 2;
    const size_t end = std::min(line.size(), start + label.size());
    if (start < line.size()) line = line.substr(0, start) + label.substr(0, end - start) + line.substr(end);
  }
  const std::string last = python_float(edge(19));
  const size_t start = 27 > last.size() ? 27 - last.size() : 0;
  line = line.substr(0, std::min(start, line.size())) + last;
  lines.push_back(line);
  if (!x_label.empty()) lines.push_back("\n" + center(x_label, 70));
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) out += (i > 0 ? "\n" : "") + lines[i];
  return out;
}

std::string synth_bar_chart(const std::vector<std::pair<std::string, double>>& bars, const std::string& title) {
  if (bars.empty()) return "No data to display";
  std::string out;
  if (!title.empty()) out += "\n" + title + "\n" + std::string(80, '=') + "\n";
  size_t width = 0;
  double max_value = 0;
  for (const auto& [name, value] : bars) {
    width = std::max(width, name.size());
    max_value = std::max(max_value, value);
  }
  for (size_t i = 0; i < bars.size(); ++i) {
    const auto& [name, value] = bars[i];
    std::string bar;
    const int n = max_value > 0 ? static_cast<int>(value * 60 / max_value) : 0;
    for (int k = 0; k < n; ++k) bar += "\u2588";
    out += name + std::string(width - name.size(), ' ') + " \u2502 " + bar + " " + fmt(value, 15) + (i + 1 < bars.size() ? "\n" : "");
  }
  return out;
}

namespace {

/// The clearer default: one line per bin with its range and count; a non-empty bin always
/// shows at least one block, and the last edge is the maximum.
/// Equal-width bin counts of a metric: from its values while exact, else from 1001 evenly
/// spaced quantiles of its sketch, scaled back to the number of values.
std::vector<uint64_t> histogram_counts(const NumericStats& s, size_t bins, double& lo, double& hi) {
  if (s.exact()) return bin_counts(s.values(), bins, lo, hi);
  std::vector<double> samples;
  for (int i = 0; i <= 1000; ++i) samples.push_back(s.quantile(i / 1000.0));
  std::vector<uint64_t> counts = bin_counts(samples, bins, lo, hi);
  for (auto& c : counts) c = static_cast<uint64_t>(std::llround(static_cast<double>(c) * static_cast<double>(s.count()) / 1001.0));
  return counts;
}

std::string default_histogram(const NumericStats& s, const std::string& title) {
  if (s.count() == 0) return title + ": no values\n";
  std::string out = title + " (" + std::to_string(s.count()) + " values" +
                    (s.exact() ? "" : ", binned from the quantile sketch") + ")\n";
  double lo = 0, hi = 0;
  const size_t bins = 10;
  const std::vector<uint64_t> counts = histogram_counts(s, bins, lo, hi);
  const uint64_t max_count = *std::max_element(counts.begin(), counts.end());
  for (size_t i = 0; i < bins; ++i) {
    const double a = lo + (hi - lo) * static_cast<double>(i) / bins;
    const double b = lo + (hi - lo) * static_cast<double>(i + 1) / bins;
    char range[96];
    std::snprintf(range, sizeof range, "  %12s .. %-12s%s ", fmt(a).c_str(), fmt(b).c_str(), i + 1 == bins ? "]" : ")");
    size_t blocks = max_count == 0 ? 0 : static_cast<size_t>(std::llround(40.0 * static_cast<double>(counts[i]) / static_cast<double>(max_count)));
    if (counts[i] > 0 && blocks == 0) blocks = 1;
    std::string bar;
    for (size_t k = 0; k < blocks; ++k) bar += "\u2588";
    out += std::string(range) + bar + " " + std::to_string(counts[i]) + "\n";
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Accumulation

namespace {

const std::vector<std::pair<std::string, std::string>> kMetrics = {
    {"reward", "reward"},
    {"achievements", ""},
    {"messages", ""},
    {"turns", ""},
    {"input_tokens", "usage.input_tokens"},
    {"output_tokens", "usage.output_tokens"},
    {"total_tokens", "usage.total_tokens"},
    {"cost_usd", "cost_usd"}};
const std::vector<std::string> kCategories = {"model", "experiment_id", "split", "status"};

struct CategoryCount {
  uint64_t count = 0;
  uint64_t failures = 0;
};

struct Experiment {
  std::string name;
  std::set<std::string> models;
  uint64_t sessions = 0;
  std::string first, last;  // RFC 3339 UTC: these order as instants
};

struct Group {
  uint64_t records = 0;
  uint64_t failures = 0;
  std::vector<NumericStats> numeric;
  std::vector<std::map<std::string, CategoryCount, std::less<>>> categories;  // less<>: looked up by string_view
  std::map<std::string, uint64_t, std::less<>> achievements;
  std::map<std::string, uint64_t> errors;
  std::vector<std::pair<double, std::string>> outlier_values;  // (metric value, session id), while exact

  void merge(const Group& other) {
    if (numeric.empty()) {
      numeric.resize(other.numeric.size());
      categories.resize(other.categories.size());
    }
    records += other.records;
    failures += other.failures;
    for (size_t i = 0; i < numeric.size(); ++i) numeric[i].merge(other.numeric[i]);
    for (size_t i = 0; i < categories.size(); ++i) {
      for (const auto& [value, c] : other.categories[i]) {
        categories[i][value].count += c.count;
        categories[i][value].failures += c.failures;
      }
    }
    for (const auto& [name, n] : other.achievements) achievements[name] += n;
    for (const auto& [e, n] : other.errors) errors[e] += n;
    outlier_values.insert(outlier_values.end(), other.outlier_values.begin(), other.outlier_values.end());
  }
};

constexpr size_t kMaxErrorKinds = 1000;  // distinct error messages kept per group
constexpr size_t kMaxCategoryValues = 10000;

class Accumulator {
 public:
  explicit Accumulator(const StatsOptions& options) : options_(options) {
    for (const auto& [name, path] : kMetrics) metrics_.push_back({name, path});
    for (const std::string& f : options.fields) metrics_.push_back({f, f});
    for (const auto& [name, path] : metrics_) {
      kinds_.push_back(!path.empty()             ? MetricKind::path
                       : name == "messages"      ? MetricKind::messages
                       : name == "turns"         ? MetricKind::turns
                                                 : MetricKind::achievements);
    }
    categories_ = kCategories;
    for (const std::string& c : options.categories) categories_.push_back(c);
    outlier_index_ = metric_index(options.outlier_metric);
  }

  /// Every path add() reads, and PromptLearning::claims(): sessions are scanned for these
  /// alone, their message text skipped unparsed.
  libstream::Projection projection() const {
    libstream::Projection p;
    for (const char* path : {"session_id", "status", "error", "messages.*.role", "extra.num_messages", "achievements", "experiment_id",
                             "experiment.name", "model", "created_at", "record_type", "payload", "score"}) {
      p.keep(path);
    }
    for (const auto& metric : metrics_) {
      if (!metric.second.empty()) p.keep(metric.second);
    }
    for (const std::string& path : categories_) p.keep(path);
    for (const std::string& path : options_.group_by) p.keep(path);
    return p;
  }

  /// What several metrics share: messages, assistant turns and achievements of a session.
  struct SessionCounts {
    double messages = kNaN, turns = kNaN, achievements = kNaN;
    const Value* achievement_list = nullptr;  // the array itself, for the names
  };
  static SessionCounts session_counts(const Value& r) {
    SessionCounts c;
    const Value* messages = find_present(r, "messages");
    if (messages != nullptr && messages->IsArray()) {
      c.messages = messages->Size();
      c.turns = 0;
      for (const Value& m : messages->GetArray()) {
        const Value* role = find_member(m, "role");
        if (role != nullptr && role->IsString() && string_of(*role) == "assistant") ++c.turns;
      }
      // A summary row carries the count, not the messages: their roles are unknown, not none.
      if (const Value* counted = libstream::find_path(r, "extra.num_messages"); c.messages == 0 && counted != nullptr && counted->IsNumber()) {
        c.messages = counted->GetDouble();
        c.turns = kNaN;
      }
    }
    if (const Value* a = find_present(r, "achievements"); a != nullptr && a->IsArray()) {
      c.achievements = a->Size();
      c.achievement_list = a;
    }
    return c;
  }

  /// Metric `i` of session `r` (NaN: missing).
  double metric_value(const Value& r, size_t i, const SessionCounts& counts) const {
    switch (kinds_[i]) {
      case MetricKind::messages: return counts.messages;
      case MetricKind::turns: return counts.turns;
      case MetricKind::achievements: return counts.achievements;
      case MetricKind::path: break;
    }
    return number_of(libstream::find_path(r, metrics_[i].second));
  }

  /// The group of record `r` under --group-by (the one group "" without it).
  Group& group_of(const Value& r) {
    std::string& key = key_scratch_;
    key.clear();
    for (size_t i = 0; i < options_.group_by.size(); ++i) {
      const Value* v = libstream::find_path(r, options_.group_by[i]);
      if (i > 0) key += " / ";
      if (v == nullptr || v->IsNull()) {
        key += "(missing)";
      } else if (v->IsString()) {
        key += string_of(*v);
      } else {
        key += json_text(*v);
      }
    }
    const auto it = groups_.find(key);
    return it != groups_.end() ? it->second : group(key);
  }

  size_t metric_index(const std::string& name) const {
    for (size_t i = 0; i < metrics_.size(); ++i) {
      if (metrics_[i].first == name) return i;
    }
    return SIZE_MAX;
  }

  Group& group(const std::string& key) {
    Group& g = groups_[key];
    if (g.numeric.empty()) {
      g.numeric.resize(metrics_.size());
      g.categories.resize(categories_.size());
    }
    return g;
  }

  void add(const Value& r) {
    Group& g = group_of(r);
    ++g.records;
    const Value* status = find_present(r, "status");
    const Value* error = find_present(r, "error");
    const bool failed = (status != nullptr && status->IsString() && string_of(*status) != "completed" && string_of(*status) != "success") ||
                        error != nullptr;
    if (failed) {
      ++g.failures;
      std::string message = error != nullptr ? (error->IsString() ? std::string(string_of(*error)) : json_text(*error))
                                             : "status " + std::string(string_of(*status));
      if (message.size() > 200) message = message.substr(0, 200) + "...";
      if (g.errors.size() < kMaxErrorKinds || g.errors.count(message) != 0) ++g.errors[message];
    }
    const SessionCounts session = session_counts(r);
    for (size_t i = 0; i < metrics_.size(); ++i) {
      const double x = metric_value(r, i, session);
      g.numeric[i].add(x);
      if (i == outlier_index_ && !std::isnan(x) && g.numeric[i].exact()) {
        const Value* id = find_present(r, "session_id");
        g.outlier_values.emplace_back(x, id != nullptr && id->IsString() ? std::string(string_of(*id)) : "");
      }
    }
    for (size_t i = 0; i < categories_.size(); ++i) {
      const Value* v = libstream::find_path(r, categories_[i]);
      if (v == nullptr || v->IsNull()) continue;
      std::string text;
      const std::string_view value = v->IsString() ? string_of(*v) : std::string_view(text = json_text(*v));
      auto& counts = g.categories[i];
      auto it = counts.find(value);
      if (it == counts.end()) {
        it = counts.emplace(counts.size() >= kMaxCategoryValues ? std::string("(other values)") : std::string(value), CategoryCount()).first;
      }
      ++it->second.count;
      it->second.failures += failed;
    }
    if (session.achievement_list != nullptr) {
      std::vector<std::string_view>& unique = unique_scratch_;  // each name once per session
      unique.clear();
      for (const Value& name : session.achievement_list->GetArray()) {
        if (name.IsString()) unique.push_back(string_of(name));
      }
      std::sort(unique.begin(), unique.end());
      unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
      for (const std::string_view name : unique) {
        auto it = g.achievements.find(name);
        if (it == g.achievements.end()) it = g.achievements.emplace(std::string(name), 0).first;
        ++it->second;
      }
    }
    if (options_.experiments) {
      const Value* id = find_present(r, "experiment_id");
      const std::string eid = id != nullptr && id->IsString() ? std::string(string_of(*id)) : "(none)";
      Experiment& e = experiments_[eid];
      ++e.sessions;
      if (const Value* ex = find_present(r, "experiment")) {
        if (const Value* name = find_present(*ex, "name"); name != nullptr && name->IsString()) e.name = std::string(string_of(*name));
      }
      if (const Value* m = find_present(r, "model"); m != nullptr && m->IsString()) e.models.emplace(string_of(*m));
      if (const Value* at = find_present(r, "created_at"); at != nullptr && at->IsString()) {
        if (auto instant = libstream::parse_instant(string_of(*at))) {
          const std::string t = libstream::format_instant(*instant);
          if (e.first.empty() || t < e.first) e.first = t;
          if (e.last.empty() || t > e.last) e.last = t;
        }
      }
    }
  }

  // -- state ---------------------------------------------------------------------------
  /// The partial state, with `prompt_learning` (PromptLearning::state()) as a member.
  std::string state(const std::string& prompt_learning) const {
    std::string out = "{\"schema\":\"trace-stats-state/v1\",\"config\":" + config() + ",\"records\":" +
                      std::to_string(records_) + ",\"groups\":{";
    bool first_group = true;
    for (const auto& [key, g] : groups_) {
      out += (first_group ? "" : ",") + quote(key) + ":{\"records\":" + std::to_string(g.records) +
             ",\"failures\":" + std::to_string(g.failures) + ",\"numeric\":[";
      first_group = false;
      for (size_t i = 0; i < g.numeric.size(); ++i) {
        if (i > 0) out += ',';
        g.numeric[i].write(out);
      }
      out += "],\"categories\":[";
      for (size_t i = 0; i < g.categories.size(); ++i) {
        out += i > 0 ? ",{" : "{";
        bool first = true;
        for (const auto& [value, c] : g.categories[i]) {
          out += (first ? "" : ",") + quote(value) + ":[" + std::to_string(c.count) + "," + std::to_string(c.failures) + "]";
          first = false;
        }
        out += '}';
      }
      out += "],\"achievements\":" + counts_json(g.achievements) + ",\"errors\":" + counts_json(g.errors) +
             ",\"outliers\":[";
      std::vector<std::pair<double, std::string>> outliers = g.outlier_values;
      std::sort(outliers.begin(), outliers.end());  // the same list however the input was split
      for (size_t i = 0; i < outliers.size(); ++i) {
        out += (i > 0 ? ",[" : "[") + json_number(outliers[i].first) + "," + quote(outliers[i].second) + "]";
      }
      out += "]}";
    }
    out += "},\"experiments\":{";
    bool first = true;
    for (const auto& [id, e] : experiments_) {
      out += (first ? "" : ",") + quote(id) + ":{\"name\":" + quote(e.name) + ",\"sessions\":" + std::to_string(e.sessions) +
             ",\"first\":" + quote(e.first) + ",\"last\":" + quote(e.last) + ",\"models\":[";
      first = false;
      bool first_model = true;
      for (const auto& m : e.models) {
        out += (first_model ? "" : ",") + quote(m);
        first_model = false;
      }
      out += "]}";
    }
    return out + "},\"prompt_learning\":" + prompt_learning + "}";
  }

  /// Adds a state written by --state-out. Throws Error(data) when it was made with other
  /// metrics or grouping.
  void merge_state(const Value& s, const std::string& where) {
    const Value* schema = find_member(s, "schema");
    if (schema == nullptr || !schema->IsString() || string_of(*schema) != "trace-stats-state/v1") {
      throw libstream::Error(libstream::ErrorKind::data, where, "not a trace-stats state (--state-out writes them)");
    }
    const std::string theirs = json_text(s["config"]);
    if (theirs != config()) {
      throw libstream::Error(libstream::ErrorKind::data, where,
                             "this state was made with other options (" + theirs + "; this run: " + config() +
                                 "): give --merge the same --group-by, --field, --category and --outlier-metric");
    }
    records_ += s["records"].GetUint64();
    for (const auto& m : s["groups"].GetObject()) {
      Group& g = group(std::string(string_of(m.name)));
      const Value& v = m.value;
      g.records += v["records"].GetUint64();
      g.failures += v["failures"].GetUint64();
      for (rapidjson::SizeType i = 0; i < v["numeric"].Size(); ++i) {
        NumericStats other;
        other.read(v["numeric"][i]);
        g.numeric[i].merge(other);
      }
      for (rapidjson::SizeType i = 0; i < v["categories"].Size(); ++i) {
        for (const auto& c : v["categories"][i].GetObject()) {
          CategoryCount& count = g.categories[i][std::string(string_of(c.name))];
          count.count += c.value[0].GetUint64();
          count.failures += c.value[1].GetUint64();
        }
      }
      for (const auto& a : v["achievements"].GetObject()) g.achievements[std::string(string_of(a.name))] += a.value.GetUint64();
      for (const auto& e : v["errors"].GetObject()) g.errors[std::string(string_of(e.name))] += e.value.GetUint64();
      for (const Value& o : v["outliers"].GetArray()) g.outlier_values.emplace_back(o[0].GetDouble(), o[1].GetString());
    }
    for (const auto& m : s["experiments"].GetObject()) {
      Experiment& e = experiments_[std::string(string_of(m.name))];
      const Value& v = m.value;
      if (e.name.empty()) e.name = v["name"].GetString();
      e.sessions += v["sessions"].GetUint64();
      const std::string first = v["first"].GetString(), last = v["last"].GetString();
      if (!first.empty() && (e.first.empty() || first < e.first)) e.first = first;
      if (!last.empty() && (e.last.empty() || last > e.last)) e.last = last;
      for (const Value& model : v["models"].GetArray()) e.models.emplace(model.GetString());
    }
  }

  /// Adds another accumulator made with the same options (a worker's share of the input).
  void merge(const Accumulator& other) {
    records_ += other.records_;
    for (const auto& [key, theirs] : other.groups_) group(key).merge(theirs);
    for (const auto& [id, theirs] : other.experiments_) {
      Experiment& e = experiments_[id];
      if (e.name.empty()) e.name = theirs.name;
      e.sessions += theirs.sessions;
      e.models.insert(theirs.models.begin(), theirs.models.end());
      if (!theirs.first.empty() && (e.first.empty() || theirs.first < e.first)) e.first = theirs.first;
      if (!theirs.last.empty() && (e.last.empty() || theirs.last > e.last)) e.last = theirs.last;
    }
  }

  /// Sorts every group's kept values now, so that merging them later is linear.
  void sort_values() const {
    for (const auto& [key, g] : groups_) {
      for (const NumericStats& n : g.numeric) {
        if (n.exact()) static_cast<void>(n.values());
      }
    }
  }

  void count_record() { ++records_; }
  uint64_t records() const { return records_; }
  const std::map<std::string, Group, std::less<>>& groups() const { return groups_; }
  const std::vector<std::pair<std::string, std::string>>& metrics() const { return metrics_; }
  const std::vector<std::string>& categories() const { return categories_; }
  const std::map<std::string, Experiment>& experiments() const { return experiments_; }

  /// All groups together (for the overall summary when grouping).
  Group overall() const {
    Group all;
    all.numeric.resize(metrics_.size());
    all.categories.resize(categories_.size());
    for (const auto& [key, g] : groups_) all.merge(g);
    return all;
  }

 private:
  static std::string json_text(const Value& v) {
    std::string out;
    static_cast<void>(libstream::append_json_value(out, v));  // false only on NaN, which no parse yields
    return out;
  }
  template <class Counts>
  static std::string counts_json(const Counts& counts) {
    std::string out = "{";
    bool first = true;
    for (const auto& [k, n] : counts) {
      out += (first ? "" : ",") + quote(k) + ":" + std::to_string(n);
      first = false;
    }
    return out + "}";
  }
  std::string config() const {
    std::string out = "{\"group_by\":[";
    for (size_t i = 0; i < options_.group_by.size(); ++i) out += (i > 0 ? "," : "") + quote(options_.group_by[i]);
    out += "],\"metrics\":[";
    for (size_t i = 0; i < metrics_.size(); ++i) out += (i > 0 ? "," : "") + quote(metrics_[i].first);
    out += "],\"categories\":[";
    for (size_t i = 0; i < categories_.size(); ++i) out += (i > 0 ? "," : "") + quote(categories_[i]);
    out += "],\"outlier_metric\":" + quote(options_.outlier_metric) + "}";
    return out;
  }

  enum class MetricKind { path, messages, turns, achievements };
  const StatsOptions& options_;
  std::vector<std::pair<std::string, std::string>> metrics_;  // name, path ("" = computed)
  std::vector<MetricKind> kinds_;                             // one per metric
  std::string key_scratch_;
  std::vector<std::string_view> unique_scratch_;
  std::vector<std::string> categories_;
  size_t outlier_index_ = SIZE_MAX;
  uint64_t records_ = 0;
  std::map<std::string, Group, std::less<>> groups_;
  std::map<std::string, Experiment> experiments_;
};

// ---------------------------------------------------------------------------------------
// Reports

const double kQuantiles[] = {0.05, 0.25, 0.5, 0.75, 0.95};

struct Comparison {
  std::string a, b;
  double mean_a = kNaN, mean_b = kNaN, difference = kNaN, relative = kNaN;
  TestResult welch, mann_whitney;
  bool rank_test = false;  // false when a group was beyond the exact limit
  double d = kNaN, delta = kNaN, welch_holm = kNaN, mw_holm = kNaN;
};

struct GroupMean {
  std::string key;
  uint64_t n = 0;
  double mean = kNaN, low = kNaN, high = kNaN;
};

std::vector<GroupMean> group_means(const Accumulator& acc, size_t metric) {
  std::vector<GroupMean> out;
  for (const auto& [key, g] : acc.groups()) {
    const NumericStats& s = g.numeric[metric];
    GroupMean m{key, s.count(), s.mean(), kNaN, kNaN};
    if (s.count() == 0) m.mean = kNaN;
    if (s.count() >= 2) {
      const double half = student_t_quantile(0.975, static_cast<double>(s.count() - 1)) * std::sqrt(s.variance() / static_cast<double>(s.count()));
      m.low = s.mean() - half;
      m.high = s.mean() + half;
    }
    out.push_back(m);
  }
  return out;
}

std::vector<Comparison> compare_groups(const Accumulator& acc, size_t metric) {
  std::vector<Comparison> out;
  std::vector<std::pair<std::string, const NumericStats*>> groups;
  for (const auto& [key, g] : acc.groups()) groups.emplace_back(key, &g.numeric[metric]);
  for (size_t i = 0; i < groups.size(); ++i) {
    for (size_t j = i + 1; j < groups.size(); ++j) {
      const NumericStats& a = *groups[i].second;
      const NumericStats& b = *groups[j].second;
      Comparison c;
      c.a = groups[i].first;
      c.b = groups[j].first;
      c.mean_a = a.count() > 0 ? a.mean() : kNaN;
      c.mean_b = b.count() > 0 ? b.mean() : kNaN;
      c.difference = c.mean_b - c.mean_a;
      c.relative = c.mean_a != 0 ? c.difference / std::fabs(c.mean_a) : kNaN;
      c.welch = a.count() >= 2 && b.count() >= 2 ? welch_t_test(a, b) : TestResult{kNaN, kNaN, kNaN, false};
      c.d = a.count() >= 2 && b.count() >= 2 ? cohens_d(a, b) : kNaN;
      c.rank_test = a.exact() && b.exact() && a.count() > 0 && b.count() > 0;
      if (c.rank_test) {
        c.mann_whitney = mann_whitney_u(a.values(), b.values());
        c.delta = cliffs_delta(a.values(), b.values());
      } else {
        c.mann_whitney = TestResult{kNaN, kNaN, kNaN, false};
      }
      out.push_back(c);
    }
  }
  if (groups.size() > 2) {
    std::vector<double> pw, pm;
    for (const auto& c : out) {
      pw.push_back(c.welch.p_value);
      pm.push_back(c.mann_whitney.p_value);
    }
    const auto hw = holm(pw), hm = holm(pm);
    for (size_t i = 0; i < out.size(); ++i) {
      out[i].welch_holm = hw[i];
      out[i].mw_holm = hm[i];
    }
  }
  return out;
}

struct Outlier {
  std::string session_id;
  double value;
};

/// The outlying sessions of --outlier-metric, and the rule that found them (or why not).
struct OutlierList {
  std::string rule;
  std::vector<Outlier> found;  // most extreme value first

  void sort() {
    std::sort(found.begin(), found.end(), [](const Outlier& a, const Outlier& b) {
      return a.value != b.value ? a.value > b.value : a.session_id < b.session_id;
    });
  }
};

struct OutlierBounds {
  double lo = -INFINITY, hi = INFINITY;
};

/// Values outside the bounds are outliers. Quartiles come from the sketch beyond the exact
/// limit (within its 1%); the MAD needs the exact values. nullopt, with `rule` saying why,
/// when there are none to compute.
std::optional<OutlierBounds> outlier_bounds(const StatsOptions& options, const NumericStats& s, std::string& rule) {
  if (s.count() == 0) {
    rule = "no values";
    return std::nullopt;
  }
  const std::string approximate = s.exact() ? "" : " (quartiles from the sketch, within 1%)";
  double k = options.outlier_threshold;
  OutlierBounds b;
  if (options.outliers == "iqr") {
    if (k == 0) k = 1.5;
    const double q1 = s.quantile(0.25), q3 = s.quantile(0.75);
    b.lo = q1 - k * (q3 - q1);
    b.hi = q3 + k * (q3 - q1);
    rule = "outside [Q1 - " + fmt(k) + " IQR, Q3 + " + fmt(k) + " IQR] = [" + fmt(b.lo) + ", " + fmt(b.hi) + "]" + approximate;
  } else if (options.outliers == "z") {
    if (k == 0) k = 3;
    const double sd = std::sqrt(s.variance());
    b.lo = s.mean() - k * sd;
    b.hi = s.mean() + k * sd;
    rule = "|z| > " + fmt(k) + " (mean " + fmt(s.mean()) + ", sd " + fmt(sd) + ")";
  } else {
    if (!s.exact()) {
      rule = "not computed: the MAD needs every value, and there are more than " + std::to_string(NumericStats::kExactLimit);
      return std::nullopt;
    }
    if (k == 0) k = 3.5;
    const double median = s.quantile(0.5);
    std::vector<double> deviations;
    for (double x : s.values()) deviations.push_back(std::fabs(x - median));
    std::sort(deviations.begin(), deviations.end());
    NumericStats d;
    for (double x : deviations) d.add(x);
    const double mad = 1.4826 * d.quantile(0.5);
    b.lo = median - k * mad;
    b.hi = median + k * mad;
    rule = "|x - median| > " + fmt(k) + " x 1.4826 MAD (median " + fmt(median) + ", scaled MAD " + fmt(mad) + ")";
  }
  return b;
}

bool outside(const OutlierBounds& b, double x) { return x < b.lo || x > b.hi; }

/// One table, rendered as aligned text, Markdown or CSV.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> numeric;  // right-aligned columns

  std::string render(const std::string& format) const {
    std::string out;
    if (format == "csv") {
      const auto cell = [](const std::string& s) {
        if (s.find_first_of(",\"\n") == std::string::npos) return s;
        std::string q = "\"";
        for (char c : s) q += c == '"' ? "\"\"" : std::string(1, c);
        return q + "\"";
      };
      for (size_t i = 0; i < header.size(); ++i) out += (i > 0 ? "," : "") + cell(header[i]);
      out += '\n';
      for (const auto& row : rows) {
        for (size_t i = 0; i < row.size(); ++i) out += (i > 0 ? "," : "") + cell(row[i]);
        out += '\n';
      }
      return out;
    }
    if (format == "markdown") {
      const auto escape = [](const std::string& s) {
        std::string e;
        for (char c : s) e += c == '|' ? "\\|" : std::string(1, c);
        return e;
      };
      out += "|";
      for (const auto& h : header) out += " " + escape(h) + " |";
      out += "\n|";
      for (size_t i = 0; i < header.size(); ++i) out += numeric.size() > i && numeric[i] ? "---:|" : "---|";
      out += '\n';
      for (const auto& row : rows) {
        out += "|";
        for (const auto& c : row) out += " " + escape(c) + " |";
        out += '\n';
      }
      return out;
    }
    std::vector<size_t> width(header.size(), 0);
    const auto length = [](const std::string& s) {
      size_t n = 0;
      for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      return n;
    };
    for (size_t i = 0; i < header.size(); ++i) width[i] = length(header[i]);
    for (const auto& row : rows) {
      for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], length(row[i]));
    }
    const auto line = [&](const std::vector<std::string>& cells) {
      std::string l;
      for (size_t i = 0; i < cells.size(); ++i) {
        const std::string pad(width[i] - length(cells[i]), ' ');
        const bool right = numeric.size() > i && numeric[i];
        l += (i > 0 ? "  " : "") + (right ? pad + cells[i] : cells[i] + (i + 1 < cells.size() ? pad : ""));
      }
      return l + "\n";
    };
    out += line(header);
    for (const auto& row : rows) out += line(row);
    return out;
  }
};

Table numeric_table(const Accumulator& acc, const Group& g) {
  Table t;
  t.header = {"metric", "count", "missing", "mean", "sd", "min", "p5", "p25", "median", "p75", "p95", "max", "sum"};
  t.numeric = {false, true, true, true, true, true, true, true, true, true, true, true, true};
  for (size_t i = 0; i < acc.metrics().size(); ++i) {
    const NumericStats& s = g.numeric[i];
    std::vector<std::string> row = {acc.metrics()[i].first, std::to_string(s.count()), std::to_string(s.missing()),
                                    s.count() ? fmt(s.mean()) : "-", fmt(std::sqrt(s.variance())),
                                    s.count() ? fmt(s.min()) : "-"};
    for (double q : kQuantiles) row.push_back(fmt(s.quantile(q)));
    row.push_back(s.count() ? fmt(s.max()) : "-");
    row.push_back(s.count() ? fmt(s.sum()) : "-");
    t.rows.push_back(row);
  }
  return t;
}

Table category_table(const Accumulator& acc, const Group& g) {
  Table t;
  t.header = {"field", "value", "sessions", "share", "failures"};
  t.numeric = {false, false, true, true, true};
  for (size_t i = 0; i < acc.categories().size(); ++i) {
    std::vector<std::pair<std::string, CategoryCount>> values(g.categories[i].begin(), g.categories[i].end());
    std::stable_sort(values.begin(), values.end(), [](const auto& a, const auto& b) { return a.second.count > b.second.count; });
    for (const auto& [value, c] : values) {
      t.rows.push_back({acc.categories()[i], value, std::to_string(c.count), percent(c.count, g.records),
                        c.failures ? percent(c.failures, c.count) : "0"});
    }
  }
  return t;
}

Table achievement_table(const Group& g) {
  Table t;
  t.header = {"achievement", "sessions", "share"};
  t.numeric = {false, true, true};
  std::vector<std::pair<std::string, uint64_t>> a(g.achievements.begin(), g.achievements.end());
  std::stable_sort(a.begin(), a.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
  for (const auto& [name, n] : a) t.rows.push_back({name, std::to_string(n), percent(n, g.records)});
  return t;
}

Table comparison_table(const std::vector<Comparison>& comparisons, bool holm_columns) {
  Table t;
  t.header = {"A", "B", "mean A", "mean B", "B - A", "relative", "Welch t", "df", "p (Welch)", "U", "p (Mann-Whitney)",
              "Cohen's d", "Cliff's delta"};
  if (holm_columns) {
    t.header.push_back("p Welch (Holm)");
    t.header.push_back("p M-W (Holm)");
  }
  t.numeric.assign(t.header.size(), true);
  t.numeric[0] = t.numeric[1] = false;
  for (const auto& c : comparisons) {
    std::vector<std::string> row = {c.a, c.b, fmt(c.mean_a), fmt(c.mean_b), fmt(c.difference),
                                    std::isnan(c.relative) ? "-" : fmt(100 * c.relative, 4) + "%", fmt(c.welch.statistic, 4),
                                    fmt(c.welch.df, 4), fmt(c.welch.p_value, 4), fmt(c.mann_whitney.statistic),
                                    c.rank_test ? fmt(c.mann_whitney.p_value, 4) + (c.mann_whitney.exact ? " (exact)" : "") : "-",
                                    fmt(c.d, 4), fmt(c.delta, 4)};
    if (holm_columns) {
      row.push_back(fmt(c.welch_holm, 4));
      row.push_back(fmt(c.mw_holm, 4));
    }
    t.rows.push_back(row);
  }
  return t;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string html_table(const Table& t) {
  std::string out = "<div class=wide><table><thead><tr>";
  for (const auto& h : t.header) out += "<th>" + html_escape(h) + "</th>";
  out += "</tr></thead><tbody>";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      out += std::string(t.numeric.size() > i && t.numeric[i] ? "<td class=n>" : "<td>") + html_escape(row[i]) + "</td>";
    }
    out += "</tr>";
  }
  return out + "</tbody></table></div>\n";
}

/// An SVG histogram of one metric (20 equal bins), with axis labels.
std::string svg_histogram(const NumericStats& s, const std::string& title) {
  if (s.count() == 0) return "";
  double lo = 0, hi = 0;
  const std::vector<uint64_t> counts = histogram_counts(s, 20, lo, hi);
  const uint64_t max_count = std::max<uint64_t>(1, *std::max_element(counts.begin(), counts.end()));
  const int w = 420, h = 160, left = 40, bottom = 24;
  std::string out = "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(w + left + 10) + "\" height=\"" +
                    std::to_string(h + bottom + 10) + "\" role=\"img\" aria-label=\"" + html_escape(title) + "\">";
  const double bar = static_cast<double>(w) / 20;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double height = static_cast<double>(h) * static_cast<double>(counts[i]) / static_cast<double>(max_count);
    char rect[256];
    std::snprintf(rect, sizeof rect, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4a7ab5\"><title>%s .. %s: %llu</title></rect>",
                  left + bar * static_cast<double>(i) + 1, 5 + h - height, bar - 2, height,
                  html_escape(fmt(lo + (hi - lo) * static_cast<double>(i) / 20)).c_str(),
                  html_escape(fmt(lo + (hi - lo) * static_cast<double>(i + 1) / 20)).c_str(),
                  static_cast<unsigned long long>(counts[i]));
    out += rect;
  }
  out += "<line x1=\"" + std::to_string(left) + "\" y1=\"" + std::to_string(h + 5) + "\" x2=\"" + std::to_string(left + w) + "\" y2=\"" +
         std::to_string(h + 5) + "\" stroke=\"#333\"/>";
  out += "<text x=\"" + std::to_string(left) + "\" y=\"" + std::to_string(h + 20) + "\" font-size=\"11\">" + html_escape(fmt(lo)) + "</text>";
  out += "<text x=\"" + std::to_string(left + w) + "\" y=\"" + std::to_string(h + 20) + "\" font-size=\"11\" text-anchor=\"end\">" +
         html_escape(fmt(hi)) + "</text>";
  out += "<text x=\"2\" y=\"14\" font-size=\"11\">" + std::to_string(max_count) + "</text>";
  return out + "</svg><figcaption>" + html_escape(title) + "</figcaption></figure>\n";
}

/// Per-group means with 95% confidence intervals, as horizontal bars with whiskers.
std::string svg_means(const std::vector<GroupMean>& means, const std::string& metric) {
  double lo = 0, hi = 0;
  for (const auto& m : means) {
    for (double x : {m.mean, m.low, m.high}) {
      if (!std::isnan(x)) {
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
    }
  }
  if (hi == lo) hi = lo + 1;
  const int label = 180, w = 360, row = 26;
  const int height = static_cast<int>(means.size()) * row + 30;
  const auto x = [&](double v) { return label + (v - lo) / (hi - lo) * w; };
  std::string out = "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(label + w + 20) + "\" height=\"" +
                    std::to_string(height) + "\" role=\"img\" aria-label=\"mean " + html_escape(metric) + " by group\">";
  for (size_t i = 0; i < means.size(); ++i) {
    const auto& m = means[i];
    const int y = static_cast<int>(i) * row + 10;
    char buffer[512];
    std::snprintf(buffer, sizeof buffer, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">%s</text>", label - 6, y + 13,
                  html_escape(m.key.size() > 28 ? m.key.substr(0, 27) + "..." : m.key).c_str());
    out += buffer;
    if (std::isnan(m.mean)) continue;
    std::snprintf(buffer, sizeof buffer, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"#9bb8d9\"><title>mean %s, 95%% CI [%s, %s], n %llu</title></rect>",
                  std::min(x(0), x(m.mean)), y, std::fabs(x(m.mean) - x(0)), fmt(m.mean).c_str(), fmt(m.low).c_str(), fmt(m.high).c_str(),
                  static_cast<unsigned long long>(m.n));
    out += buffer;
    if (!std::isnan(m.low)) {
      std::snprintf(buffer, sizeof buffer, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#222\" stroke-width=\"1.5\"/>", x(m.low), y + 8,
                    x(m.high), y + 8);
      out += buffer;
      for (double e : {m.low, m.high}) {
        std::snprintf(buffer, sizeof buffer, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#222\"/>", x(e), y + 3, x(e), y + 13);
        out += buffer;
      }
    }
  }
  char axis[256];
  std::snprintf(axis, sizeof axis, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text><text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%s</text>",
                label, height - 4, html_escape(fmt(lo)).c_str(), label + w, height - 4, html_escape(fmt(hi)).c_str());
  out += axis;
  return out + "</svg><figcaption>mean " + html_escape(metric) + " by group, with 95% confidence intervals</figcaption></figure>\n";
}

/// Experiment-queue and prompt-learning records (trace-read of the queue SQLite: record_type
/// experiment, job, trial; backend snapshots with payload.messages and score). Every count
/// they lack stays unknown (null, "-"), never 0 (spec/inputs.md 8.3, W21-W26).
class PromptLearning {
 public:
  /// True when `r` is a queue or prompt-learning record, judged by record_type, payload
  /// and score alone (so a projection of the record keeping those is enough to tell).
  static bool claims(const Value& r) {
    const Value* type = find_present(r, "record_type");
    const std::string_view kind = type != nullptr && type->IsString() ? string_of(*type) : "";
    return kind == "job" || kind == "trial" || kind == "experiment" ||
           (kind.empty() && find_present(r, "payload") != nullptr && find_member(r, "score") != nullptr);
  }

  /// True when `r` is such a record (and was taken). `ordinal` grows with the record's
  /// place in the input: merging shares made by workers or shards orders by it, so the
  /// summary is the one pass's whatever the split.
  bool add(const Value& r, uint64_t ordinal) {
    if (!claims(r)) return false;
    const Value* type = find_present(r, "record_type");
    const std::string kind = type != nullptr && type->IsString() ? std::string(string_of(*type)) : "";
    if (kind == "job") {
      Job& j = jobs_[text(r, "job_id")];
      j.ordinal = ordinal;
      j.experiment = text(r, "experiment_id");
      j.type = text(r, "job_type");
      j.status = text(r, "status");
      const Value* overrides = embedded(find_present(r, "config_overrides"));
      const Value* status = embedded(find_present(r, "status_json"));
      const Value* result = embedded(find_present(r, "result"));
      // Effective model (spec/inputs.md 8.2): override > config file > status_json (W25).
      const Value* over = overrides != nullptr ? find_present(*overrides, "prompt_learning.policy.model") : nullptr;
      if (over != nullptr && over->IsString()) {
        j.model = std::string(string_of(*over));
        j.model_source = "config_overrides";
        j.model_ordinal = ordinal;
      } else if (const std::string file_model = toml_model(text(r, "config_path")); !file_model.empty()) {
        j.model = file_model;
        j.model_source = "config file";
        j.model_ordinal = ordinal;
      } else if (const Value* policy = status != nullptr ? find_present(*status, "policy") : nullptr; policy != nullptr && policy->IsString()) {
        j.model = std::string(string_of(*policy));
        j.model_source = "status_json (config model; may be stale, W23/W25)";
        j.model_ordinal = ordinal;
      }
      const auto pick = [&](const char* key) {  // result first: status_json may be stale (W23)
        double x = result != nullptr ? number_of(find_present(*result, key)) : kNaN;
        if (std::isnan(x) && status != nullptr) x = number_of(find_present(*status, key));
        return x;
      };
      j.best = pick("best_score");
      j.baseline = pick("baseline_score");
      j.rollouts = pick("total_rollouts");
      j.trials_tried = status != nullptr ? number_of(find_present(*status, "trials_tried")) : kNaN;
      j.tokens = status != nullptr ? number_of(find_present(*status, "total_tokens")) : kNaN;
      if (std::isnan(j.tokens) && status != nullptr) j.tokens = number_of(find_present(*status, "rollout_tokens_used"));
      return true;
    }
    if (kind == "trial") {
      Trial t;
      t.ordinal = ordinal;
      t.job = text(r, "job_id");
      t.id = text(r, "trial_id");
      t.name = text(r, "system_name");
      t.prompt = text(r, "prompt_id");
      t.score = number_of(find_present(r, "aggregate_score"));
      if (std::isnan(t.score)) t.score = number_of(find_present(r, "reward"));
      const Value* metadata = embedded(find_present(r, "metadata"));
      const Value* phase = metadata != nullptr ? find_present(*metadata, "phase") : nullptr;
      t.phase = phase != nullptr && phase->IsString() ? std::string(string_of(*phase)) : "(no phase recorded)";  // W21
      t.tokens = metadata != nullptr ? number_of(find_present(*metadata, "tokens")) : kNaN;
      trials_.push_back(t);
      return true;
    }
    if (kind == "experiment") {
      ++experiments_;
      return true;
    }
    if (kind.empty() && find_present(r, "payload") != nullptr && find_member(r, "score") != nullptr) {  // backend snapshot
      Trial t;
      t.ordinal = ordinal;
      t.job = text(r, "job_id");
      t.id = text(r, "id");
      t.name = "snapshot";
      t.score = number_of(find_present(r, "score"));
      t.phase = "snapshot";
      t.tokens = kNaN;
      const Value* payload = find_present(r, "payload");
      const Value* messages = payload != nullptr ? find_present(*payload, "messages") : nullptr;
      if (messages != nullptr && messages->IsArray()) {
        for (const Value& m : messages->GetArray()) {
          const Value* content = find_present(m, "content");
          if (content != nullptr && content->IsString()) {
            t.prompt += (t.prompt.empty() ? "" : " | ") + std::string(string_of(*content));
          }
        }
      } else {
        t.prompt = "(no messages in the snapshot, W26)";
      }
      trials_.push_back(t);
      return true;
    }
    return false;
  }

  [[nodiscard]] bool empty() const { return jobs_.empty() && trials_.empty() && experiments_ == 0; }
  /// Adds another share of the input: as if its records had been added in their places.
  void merge(const PromptLearning& other) {
    for (const auto& [id, theirs] : other.jobs_) {
      const auto it = jobs_.find(id);
      if (it == jobs_.end()) {
        jobs_.emplace(id, theirs);
        continue;
      }
      Job& mine = it->second;
      const Job earlier = mine;
      if (theirs.ordinal > mine.ordinal) mine = theirs;  // every field but the model is the last record's
      const Job& model_from = theirs.model_ordinal > earlier.model_ordinal ? theirs : earlier;  // the model: the last that named one
      mine.model = model_from.model;
      mine.model_source = model_from.model_source;
      mine.model_ordinal = model_from.model_ordinal;
    }
    trials_.insert(trials_.end(), other.trials_.begin(), other.trials_.end());
    std::stable_sort(trials_.begin(), trials_.end(), [](const Trial& a, const Trial& b) { return a.ordinal < b.ordinal; });
    experiments_ += other.experiments_;
  }

  /// The partial state (inside trace-stats-state/v1): jobs by id, trials in input order.
  std::string state() const {
    std::string out = "{\"experiments\":" + std::to_string(experiments_) + ",\"jobs\":{";
    bool first = true;
    for (const auto& [id, j] : jobs_) {
      out += (first ? "" : ",") + quote(id) + ":{\"experiment\":" + quote(j.experiment) + ",\"type\":" + quote(j.type) +
             ",\"status\":" + quote(j.status) + ",\"model\":" + quote(j.model) + ",\"model_source\":" + quote(j.model_source) +
             ",\"best\":" + json_number(j.best) + ",\"baseline\":" + json_number(j.baseline) + ",\"rollouts\":" +
             json_number(j.rollouts) + ",\"trials_tried\":" + json_number(j.trials_tried) + ",\"tokens\":" + json_number(j.tokens) + "}";
      first = false;
    }
    out += "},\"trials\":[";
    for (size_t i = 0; i < trials_.size(); ++i) {
      const Trial& t = trials_[i];
      out += (i > 0 ? ",{" : "{") + std::string("\"job\":") + quote(t.job) + ",\"id\":" + quote(t.id) + ",\"name\":" + quote(t.name) +
             ",\"prompt\":" + quote(t.prompt) + ",\"phase\":" + quote(t.phase) + ",\"score\":" + json_number(t.score) +
             ",\"tokens\":" + json_number(t.tokens) + "}";
    }
    return out + "]}";
  }

  /// Adds a state written by state(), as records after every one added so far.
  void merge_state(const Value& s) {
    PromptLearning theirs;
    const uint64_t base = last_ordinal() + 1;
    uint64_t next = base;
    theirs.experiments_ = s["experiments"].GetUint64();
    for (const auto& m : s["jobs"].GetObject()) {
      Job& j = theirs.jobs_[std::string(string_of(m.name))];
      const Value& v = m.value;
      j.experiment = v["experiment"].GetString();
      j.type = v["type"].GetString();
      j.status = v["status"].GetString();
      j.model = v["model"].GetString();
      j.model_source = v["model_source"].GetString();
      j.best = number_of(&v["best"]);
      j.baseline = number_of(&v["baseline"]);
      j.rollouts = number_of(&v["rollouts"]);
      j.trials_tried = number_of(&v["trials_tried"]);
      j.tokens = number_of(&v["tokens"]);
      j.ordinal = next++;
      j.model_ordinal = j.model.empty() ? 0 : j.ordinal;
    }
    for (const Value& v : s["trials"].GetArray()) {
      Trial t;
      t.job = v["job"].GetString();
      t.id = v["id"].GetString();
      t.name = v["name"].GetString();
      t.prompt = v["prompt"].GetString();
      t.phase = v["phase"].GetString();
      t.score = number_of(&v["score"]);
      t.tokens = number_of(&v["tokens"]);
      t.ordinal = next++;
      theirs.trials_.push_back(std::move(t));
    }
    merge(theirs);
  }

  std::string render(const std::string& format, const std::function<std::string(const std::string&)>& section) const {
    if (empty()) return "";
    std::string out = section("Prompt learning (" + std::to_string(experiments_) + " experiments, " + std::to_string(jobs_.size()) +
                              " jobs, " + std::to_string(trials_.size()) + " trials and snapshots)");
    Table jobs;
    jobs.header = {"job", "experiment", "type", "status", "model", "model source", "baseline", "best", "rollouts", "trials tried",
                   "tokens", "trials (optimization / validation / other)", "evaluations"};
    jobs.numeric = {false, false, false, false, false, false, true, true, true, true, true, false, true};
    for (const auto& [id, j] : jobs_) {
      uint64_t optimization = 0, validation = 0, other = 0;
      for (const Trial& t : trials_) {
        if (t.job != id || t.phase == "snapshot") continue;
        (t.phase == "optimization" ? optimization : t.phase == "validation" || t.phase == "validation_baseline" || t.phase == "eval" ? validation : other)++;
      }
      jobs.rows.push_back({id, j.experiment, j.type, j.status, j.model.empty() ? "unknown" : j.model, j.model_source.empty() ? "-" : j.model_source,
                           fmt(j.baseline), fmt(j.best), fmt(j.rollouts), fmt(j.trials_tried), fmt(j.tokens),
                           std::to_string(optimization) + " / " + std::to_string(validation) + " / " + std::to_string(other),
                           validation > 0 ? std::to_string(validation) : "-"});
    }
    if (!jobs.rows.empty()) out += jobs.render(format) + "\n";
    std::vector<Trial> ranked = trials_;
    std::stable_sort(ranked.begin(), ranked.end(), [](const Trial& a, const Trial& b) {
      if (std::isnan(a.score) != std::isnan(b.score)) return std::isnan(b.score);
      return a.score > b.score;
    });
    Table candidates;
    candidates.header = {"rank", "score", "job", "trial / snapshot", "phase", "tokens", "prompt"};
    candidates.numeric = {true, true, false, false, false, true, false};
    for (size_t i = 0; i < ranked.size() && i < 20; ++i) {
      const Trial& t = ranked[i];
      std::string prompt = t.prompt.empty() ? "-" : t.prompt;
      if (prompt.size() > 100) prompt = prompt.substr(0, 97) + "...";
      candidates.rows.push_back({std::to_string(i + 1), fmt(t.score), t.job, t.id + (t.name.empty() ? "" : " (" + t.name + ")"), t.phase,
                                 fmt(t.tokens), prompt});
    }
    if (!candidates.rows.empty()) out += "candidates by score:\n" + candidates.render(format);
    return out;
  }

 private:
  struct Job {
    std::string experiment, type, status, model, model_source;
    double best = kNaN, baseline = kNaN, rollouts = kNaN, trials_tried = kNaN, tokens = kNaN;
    uint64_t ordinal = 0;        // of the job's last record
    uint64_t model_ordinal = 0;  // of the last record that named the model (0: none did)
  };
  struct Trial {
    std::string job, id, name, prompt, phase;
    double score = kNaN, tokens = kNaN;
    uint64_t ordinal = 0;
  };
  uint64_t last_ordinal() const {
    uint64_t last = 0;
    for (const auto& [id, j] : jobs_) last = std::max(last, j.ordinal);
    for (const Trial& t : trials_) last = std::max(last, t.ordinal);
    return last;
  }
  /// `model` of the [prompt_learning.policy] table of the job's TOML, when the file is here.
  static std::string toml_model(const std::string& path) {
    if (path.empty()) return "";
    std::ifstream in(path);
    std::string line;
    bool in_policy = false;
    while (std::getline(in, line)) {
      line.erase(0, line.find_first_not_of(" \t"));
      if (!line.empty() && line.front() == '[') {
        in_policy = line.rfind("[prompt_learning.policy]", 0) == 0;
        continue;
      }
      if (!in_policy || line.rfind("model", 0) != 0) continue;
      const size_t open = line.find('"'), close = open == std::string::npos ? open : line.find('"', open + 1);
      const size_t eq = line.find('=');
      if (eq != std::string::npos && close != std::string::npos && line.substr(5, eq - 5).find_first_not_of(" \t") == std::string::npos) {
        return line.substr(open + 1, close - open - 1);
      }
    }
    return "";
  }
  static std::string text(const Value& r, const char* key) {
    const Value* v = find_present(r, key);
    return v != nullptr && v->IsString() ? std::string(string_of(*v)) : "";
  }
  const Value* embedded(const Value* v) {
    if (v == nullptr || !v->IsString()) return v;
    auto& d = documents_.emplace_back();
    return libstream::parse_embedded_json(string_of(*v), d) ? &d : nullptr;
  }
  std::map<std::string, Job> jobs_;
  std::vector<Trial> trials_;
  uint64_t experiments_ = 0;
  std::deque<rapidjson::Document> documents_;  // strings holding JSON (status_json written as text)
};

class Report {
 public:
  Report(const StatsOptions& options, const Accumulator& acc, const PromptLearning& learning, OutlierList outliers)
      : options_(options), acc_(acc), learning_(learning), outliers_(std::move(outliers)) {}

  std::string render(const std::string& format) const {
    if (format == "json") return json();
    if (format == "ndjson") return ndjson();
    if (format == "html") return html();
    return tables(format);
  }

 private:
  bool grouped() const { return !options_.group_by.empty(); }
  std::string group_title(const std::string& key) const {
    std::string by;
    for (size_t i = 0; i < options_.group_by.size(); ++i) by += (i > 0 ? " / " : "") + options_.group_by[i];
    return by + " = " + key;
  }
  size_t compare_metric() const {
    const size_t i = acc_.metric_index(options_.compare);
    return i;
  }

  std::string section(const std::string& format, const std::string& title, int level = 2) const {
    if (format == "markdown") return "\n" + std::string(static_cast<size_t>(level), '#') + " " + title + "\n\n";
    if (format == "csv") return "";
    return "\n" + title + "\n" + std::string(title.size() > 80 ? 80 : title.size(), level == 2 ? '=' : '-') + "\n";
  }

  std::string tables(const std::string& format) const {
    std::string out;
    const Group all = acc_.overall();
    if (format == "csv") return csv(all);
    out += format == "markdown" ? "# trace-stats report\n\n" : "trace-stats report\n";
    out += std::to_string(acc_.records()) + " records";
    if (grouped()) out += " in " + std::to_string(acc_.groups().size()) + (acc_.groups().size() == 1 ? " group" : " groups");
    out += "; failures " + std::to_string(all.failures) + " (" + percent(all.failures, all.records) + ")\n";
    out += section(format, "Numeric fields");
    out += numeric_table(acc_, all).render(format);
    if (options_.histogram != "none") out += pictures(format, all);
    out += section(format, "Categories");
    out += category_table(acc_, all).render(format);
    out += section(format, "Achievements");
    const Table achievements = achievement_table(all);
    out += achievements.rows.empty() ? "none recorded\n" : achievements.render(format);
    out += "unique achievements: " + std::to_string(all.achievements.size()) + "\n";
    if (grouped()) {
      for (const auto& [key, g] : acc_.groups()) {
        out += section(format, group_title(key) + " (" + std::to_string(g.records) + " records, failures " +
                                   percent(g.failures, g.records) + ")", 3);
        out += numeric_table(acc_, g).render(format);
      }
    }
    out += comparison(format);
    out += failures(format, all);
    out += outliers(format);
    out += experiments(format);
    out += learning_.render(format, [&](const std::string& title) { return section(format, title); });
    return out;
  }

  std::string pictures(const std::string& format, const Group& all) const {
    std::string out;
    const std::string fence = format == "markdown" ? "```\n" : "";
    if (options_.histogram == "synth") {
      // synth-ai's layouts, for comparison with old output (spec/seed-tools.md 2.5, 2.6).
      const NumericStats& reward = all.numeric[acc_.metric_index("reward")];
      const NumericStats& tokens = all.numeric[acc_.metric_index("total_tokens")];
      out += fence;
      if (reward.count() > 0 && reward.exact()) out += synth_histogram(reward.values(), "Reward Distribution", "Total Reward", "Count") + "\n";
      if (tokens.count() > 0 && tokens.exact()) out += synth_histogram(tokens.values(), "Token Usage Distribution", "Total Tokens", "Count") + "\n";
      std::vector<std::pair<std::string, double>> models;
      for (const auto& [value, c] : all.categories[0]) models.emplace_back(value, static_cast<double>(c.count));
      std::stable_sort(models.begin(), models.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
      if (!models.empty()) out += synth_bar_chart(models, "Model Usage") + "\n";
      out += fence;
      return out;
    }
    out += section(format, "Distributions", 3) + fence;
    for (const char* name : {"reward", "total_tokens"}) {
      out += default_histogram(all.numeric[acc_.metric_index(name)], name);
    }
    return out + fence;
  }

  std::string comparison(const std::string& format) const {
    if (options_.compare.empty()) return "";
    const size_t metric = compare_metric();
    std::string out = section(format, "Comparison of " + options_.compare + " between groups");
    if (acc_.groups().size() < 2) return out + "only one group: nothing to compare\n";
    const auto means = group_means(acc_, metric);
    Table t;
    t.header = {"rank", "group", "n", "mean", "95% CI low", "95% CI high", "sd"};
    t.numeric = {true, false, true, true, true, true, true};
    std::vector<GroupMean> ranked = means;
    std::stable_sort(ranked.begin(), ranked.end(), [](const GroupMean& a, const GroupMean& b) {
      if (std::isnan(a.mean) != std::isnan(b.mean)) return std::isnan(b.mean);
      return a.mean > b.mean;
    });
    for (size_t i = 0; i < ranked.size(); ++i) {
      const auto& g = acc_.groups().at(ranked[i].key).numeric[metric];
      t.rows.push_back({std::to_string(i + 1), ranked[i].key, std::to_string(ranked[i].n), fmt(ranked[i].mean), fmt(ranked[i].low),
                        fmt(ranked[i].high), fmt(std::sqrt(g.variance()))});
    }
    out += t.render(format);
    out += "\n";
    const auto comparisons = compare_groups(acc_, metric);
    out += comparison_table(comparisons, acc_.groups().size() > 2).render(format);
    out += "\nWelch's t-test and Mann-Whitney U are two-sided; relative = (B - A) / |A|; Cohen's d and Cliff's "
           "delta are A relative to B";
    out += acc_.groups().size() > 2 ? "; Holm's correction over all pairs.\n" : ".\n";
    return out;
  }

  std::string failures(const std::string& format, const Group& all) const {
    if (all.failures == 0) return "";
    std::string out = section(format, "Failures");
    Table rate;
    rate.header = {"group", "sessions", "failures", "rate"};
    rate.numeric = {false, true, true, true};
    for (const auto& [key, g] : acc_.groups()) {
      rate.rows.push_back({grouped() ? key : "all", std::to_string(g.records), std::to_string(g.failures), percent(g.failures, g.records)});
    }
    out += rate.render(format) + "\n";
    Table errors;
    errors.header = {"most frequent errors", "sessions"};
    errors.numeric = {false, true};
    std::vector<std::pair<std::string, uint64_t>> e(all.errors.begin(), all.errors.end());
    std::stable_sort(e.begin(), e.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (size_t i = 0; i < e.size() && i < 10; ++i) errors.rows.push_back({e[i].first, std::to_string(e[i].second)});
    out += errors.render(format) + "\n";
    Table values;
    values.header = {"field", "value", "sessions", "failure rate"};
    values.numeric = {false, false, true, true};
    for (size_t i = 0; i < acc_.categories().size(); ++i) {
      for (const auto& [value, c] : all.categories[i]) {
        if (c.failures > 0) values.rows.push_back({acc_.categories()[i], value, std::to_string(c.count), percent(c.failures, c.count)});
      }
    }
    out += "values that go with failures:\n" + values.render(format);
    return out;
  }

  std::string outliers(const std::string& format) const {
    if (options_.outliers.empty()) return "";
    std::string out = section(format, "Outliers of " + options_.outlier_metric + " (" + options_.outliers + ")");
    out += "rule: " + outliers_.rule + "; " + std::to_string(outliers_.found.size()) + " outlying sessions\n";
    Table t;
    t.header = {"session_id", options_.outlier_metric};
    t.numeric = {false, true};
    for (const auto& o : outliers_.found) t.rows.push_back({o.session_id, fmt(o.value)});
    if (!outliers_.found.empty()) out += t.render(format);
    return out;
  }

  std::string experiments(const std::string& format) const {
    if (!options_.experiments) return "";
    std::string out = section(format, "Experiments");
    Table t;
    t.header = {"experiment_id", "name", "sessions", "models", "first session", "last session"};
    t.numeric = {false, false, true, false, false, false};
    for (const auto& [id, e] : acc_.experiments()) {
      std::string models;
      for (const auto& m : e.models) models += (models.empty() ? "" : ", ") + m;
      t.rows.push_back({id, e.name.empty() ? "-" : e.name, std::to_string(e.sessions), models.empty() ? "-" : models,
                        e.first.empty() ? "-" : e.first, e.last.empty() ? "-" : e.last});
    }
    return out + t.render(format);
  }

  std::string csv(const Group& all) const {
    Table t;
    t.header = {"group", "metric", "count", "missing", "mean", "sd", "min", "p5", "p25", "median", "p75", "p95", "max", "sum"};
    const auto add = [&](const std::string& key, const Group& g) {
      for (const auto& row : numeric_table(acc_, g).rows) {
        std::vector<std::string> r = {key};
        r.insert(r.end(), row.begin(), row.end());
        t.rows.push_back(r);
      }
    };
    add("(all)", all);
    if (grouped()) {
      for (const auto& [key, g] : acc_.groups()) add(key, g);
    }
    return t.render("csv");
  }

  std::string metrics_json(const Group& g) const {
    std::string out = "{";
    for (size_t i = 0; i < acc_.metrics().size(); ++i) {
      const NumericStats& s = g.numeric[i];
      out += (i > 0 ? "," : "") + quote(acc_.metrics()[i].first) + ":{\"count\":" + std::to_string(s.count()) +
             ",\"missing\":" + std::to_string(s.missing()) + ",\"mean\":" + num(s.count() ? s.mean() : kNaN) +
             ",\"sd\":" + num(std::sqrt(s.variance())) + ",\"min\":" + num(s.count() ? s.min() : kNaN);
      const char* names[] = {"p5", "p25", "median", "p75", "p95"};
      for (size_t q = 0; q < 5; ++q) out += ",\"" + std::string(names[q]) + "\":" + num(s.quantile(kQuantiles[q]));
      out += ",\"max\":" + num(s.count() ? s.max() : kNaN) + ",\"sum\":" + num(s.count() ? s.sum() : kNaN) +
             ",\"quantiles_exact\":" + (s.exact() ? "true" : "false") + "}";
    }
    return out + "}";
  }
  static std::string num(double x) { return std::isfinite(x) ? fmt(x, 10) : "null"; }

  std::string group_json(const Group& g) const {
    std::string out = "\"records\":" + std::to_string(g.records) + ",\"failures\":" + std::to_string(g.failures) +
                      ",\"metrics\":" + metrics_json(g) + ",\"categories\":{";
    for (size_t i = 0; i < acc_.categories().size(); ++i) {
      out += (i > 0 ? "," : "") + quote(acc_.categories()[i]) + ":{";
      bool first = true;
      for (const auto& [value, c] : g.categories[i]) {
        out += (first ? "" : ",") + quote(value) + ":" + std::to_string(c.count);
        first = false;
      }
      out += "}";
    }
    out += "},\"achievements\":{";
    bool first = true;
    for (const auto& [name, n] : g.achievements) {
      out += (first ? "" : ",") + quote(name) + ":" + std::to_string(n);
      first = false;
    }
    return out + "}";
  }

  std::string json() const {
    std::string out = "{\"records\":" + std::to_string(acc_.records()) + ",\"all\":{" + group_json(acc_.overall()) + "}";
    if (grouped()) {
      out += ",\"groups\":{";
      bool first = true;
      for (const auto& [key, g] : acc_.groups()) {
        out += (first ? "" : ",") + quote(key) + ":{" + group_json(g) + "}";
        first = false;
      }
      out += "}";
    }
    if (!options_.compare.empty() && acc_.groups().size() >= 2) {
      out += ",\"comparison\":{\"metric\":" + quote(options_.compare) + ",\"pairs\":[";
      const auto comparisons = compare_groups(acc_, compare_metric());
      for (size_t i = 0; i < comparisons.size(); ++i) {
        const auto& c = comparisons[i];
        out += (i > 0 ? ",{" : "{") + std::string("\"a\":") + quote(c.a) + ",\"b\":" + quote(c.b) + ",\"difference\":" + num(c.difference) +
               ",\"relative\":" + num(c.relative) + ",\"welch\":{\"t\":" + num(c.welch.statistic) + ",\"df\":" + num(c.welch.df) +
               ",\"p\":" + num(c.welch.p_value) + ",\"p_holm\":" + num(c.welch_holm) + "},\"mann_whitney\":{\"u\":" +
               num(c.mann_whitney.statistic) + ",\"p\":" + num(c.mann_whitney.p_value) + ",\"p_holm\":" + num(c.mw_holm) +
               ",\"exact\":" + (c.mann_whitney.exact ? "true" : "false") + "},\"cohens_d\":" + num(c.d) +
               ",\"cliffs_delta\":" + num(c.delta) + "}";
      }
      out += "]}";
    }
    return out + "}\n";
  }

  std::string ndjson() const {
    std::string out;
    for (const auto& [key, g] : acc_.groups()) {
      out += "{\"group\":" + quote(grouped() ? key : "(all)") + "," + group_json(g) + "}\n";
    }
    return out;
  }

  std::string html() const {
    const Group all = acc_.overall();
    std::string out =
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>trace-stats report</title>\n"
        "<style>body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
        "div.wide{overflow-x:auto;max-width:100%}"  // a wide table scrolls in its box, not the page
        "table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:13px}th,td{border:1px solid #ccc;padding:2px 6px;white-space:nowrap}"
        "td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#eef2f7}figure{display:inline-block;margin:0 1em 1em 0}"
        "figcaption{font-size:12px;color:#555}</style></head><body>\n<h1>trace-stats report</h1>\n<p>" +
        std::to_string(acc_.records()) + " records" +
        (grouped() ? " in " + std::to_string(acc_.groups().size()) + " groups" : std::string()) + "; failures " +
        std::to_string(all.failures) + " (" + percent(all.failures, all.records) + ")</p>\n<h2>Numeric fields</h2>\n" +
        html_table(numeric_table(acc_, all)) + "<h2>Distributions</h2>\n";
    for (size_t i = 0; i < acc_.metrics().size(); ++i) out += svg_histogram(all.numeric[i], acc_.metrics()[i].first);
    out += "<h2>Categories</h2>\n" + html_table(category_table(acc_, all)) + "<h2>Achievements</h2>\n" + html_table(achievement_table(all));
    if (!options_.compare.empty() && acc_.groups().size() >= 2) {
      const size_t metric = compare_metric();
      out += "<h2>Comparison of " + html_escape(options_.compare) + "</h2>\n" + svg_means(group_means(acc_, metric), options_.compare) +
             html_table(comparison_table(compare_groups(acc_, metric), acc_.groups().size() > 2));
    }
    if (grouped()) {
      for (const auto& [key, g] : acc_.groups()) {
        out += "<h3>" + html_escape(group_title(key)) + "</h3>\n" + html_table(numeric_table(acc_, g));
      }
    }
    return out + "</body></html>\n";
  }

  const StatsOptions& options_;
  const Accumulator& acc_;
  const PromptLearning& learning_;
  const OutlierList outliers_;
};

}  // namespace

// ---------------------------------------------------------------------------------------

void add_stats_options(CLI::App& app, StatsOptions& o) {
  app.add_option("--field", o.fields, "Also summarise this numeric path (dotted, e.g. scores.judge.progress); repeatable")
      ->allow_extra_args(false);
  app.add_option("--category", o.categories, "Also count the values of this path (e.g. env, task_id); repeatable")
      ->allow_extra_args(false);
  app.add_option("-g,--group-by", o.group_by, "Group by this path (repeatable: groups by the combination)")->allow_extra_args(false);
  app.add_option("--compare", o.compare,
                 "Compare groups on this metric (reward, achievements, messages, turns, input_tokens, output_tokens, "
                 "total_tokens, cost_usd or a --field): means with 95% CI, Welch's t, Mann-Whitney U, effect sizes, Holm");
  app.add_option("--format", o.format, "Report format: auto (text, or markdown into a .md file), text, markdown, json, csv, ndjson (one line per group)")
      ->check(CLI::IsMember({"auto", "text", "markdown", "json", "csv", "ndjson"}))
      ->capture_default_str();
  app.add_option("--histogram", o.histogram, "Terminal pictures: default, synth (synth-ai's exact layouts), none")
      ->check(CLI::IsMember({"default", "synth", "none"}))
      ->capture_default_str();
  app.add_option("--report", o.report, "Also write a self-contained HTML report (inline SVG, no scripts) to FILE");
  app.add_option("--state-out", o.state_out, "Write the partial state to FILE (for --merge)");
  app.add_flag("--partial", o.partial,
               "Write the partial state (one JSON line) to the output instead of the report: the map (or, with "
               "--merge, the combine) step under GNU parallel, Hadoop Streaming or Spark");
  app.add_flag("--merge", o.merge, "Inputs are states from --state-out or --partial: report as one pass over all their data");
  app.add_flag("--tee", o.tee, "Pass the records through to standard output unchanged; the report goes to standard error");
  app.add_flag("--experiments", o.experiments, "List the experiments present (id, name, sessions, models, dates)");
  app.add_option("--outliers", o.outliers, "List outlying sessions of --outlier-metric by iqr, z or mad")
      ->check(CLI::IsMember({"iqr", "z", "mad"}));
  app.add_option("--outlier-threshold", o.outlier_threshold, "Threshold: IQR multiple (1.5), |z| (3) or robust z (3.5)");
  app.add_option("--outlier-metric", o.outlier_metric, "Metric for --outliers")->capture_default_str();
  app.add_option("--outliers-out", o.outliers_out,
                 "Also write the outlying sessions' records, as read, to FILE (NDJSON, input order; the input files are read a second time)");
  app.add_option("--threads", o.threads, "Worker threads parsing sessions for a plain summary (0: this thread only)")
      ->check(CLI::Range(0u, 64u))
      ->capture_default_str();
}

namespace {

/// --outliers: from the (value, session) pairs kept while a metric's values are exact; beyond
/// that, and for --outliers-out, from a second pass over the input files.
OutlierList find_outliers(const StatsOptions& options, const Accumulator& acc, libstream::ToolContext& context) {
  OutlierList outliers;
  if (options.outliers.empty()) return outliers;
  const size_t metric = acc.metric_index(options.outlier_metric);
  const Group all = acc.overall();
  const NumericStats& s = all.numeric[metric];
  const std::optional<OutlierBounds> bounds = outlier_bounds(options, s, outliers.rule);
  const bool in_memory = s.exact();
  if (bounds && in_memory) {
    for (const auto& [value, id] : all.outlier_values) {
      if (outside(*bounds, value)) outliers.found.push_back({id, value});
    }
  }
  const bool reread = bounds && !options.merge && context.inputs_can_be_reread() && (!in_memory || !options.outliers_out.empty());
  if (bounds && !in_memory && !reread) {
    outliers.rule += "; not listed: more than " + std::to_string(NumericStats::kExactLimit) +
                     " values, and the input cannot be read a second time (give files)";
  }
  std::unique_ptr<libstream::AtomicFileSink> records;
  if (!options.outliers_out.empty()) records = std::make_unique<libstream::AtomicFileSink>(options.outliers_out);
  if (reread) {
    libstream::ProjectingParser parser(acc.projection());
    context.reread_records(libstream::InputFormat::auto_detect, [&](libstream::RecordSource& source, libstream::RawRecord& record) {
      const Value* root = parser.parse(record.data, record.size, nullptr);
      if (root == nullptr || PromptLearning::claims(*root)) return;  // rejected, or not a session: as in the first pass
      const Value* id = find_present(*root, "session_id");
      if (id == nullptr || !id->IsString()) return;
      const double x = acc.metric_value(*root, metric, Accumulator::session_counts(*root));
      if (std::isnan(x) || !outside(*bounds, x)) return;
      if (!in_memory) outliers.found.push_back({std::string(string_of(*id)), x});
      if (records) {
        const std::string_view bytes = context.record_bytes(source, record);
        records->write(bytes.data(), bytes.size());
        records->write("\n", 1);
      }
    });
  }
  if (records) records->commit();
  outliers.sort();
  return outliers;
}

}  // namespace

void run_stats(const StatsOptions& options, libstream::ToolContext& context) {
  Accumulator acc(options);
  if (!options.compare.empty() && acc.metric_index(options.compare) == SIZE_MAX) {
    throw libstream::Error(libstream::ErrorKind::usage, "", "--compare " + options.compare + ": not a metric (add it with --field)");
  }
  if (acc.metric_index(options.outlier_metric) == SIZE_MAX) {
    throw libstream::Error(libstream::ErrorKind::usage, "", "--outlier-metric " + options.outlier_metric + ": not a metric (add it with --field)");
  }
  if (!options.outliers_out.empty()) {
    if (options.outliers.empty()) throw libstream::Error(libstream::ErrorKind::usage, "", "--outliers-out needs --outliers iqr|z|mad");
    if (options.merge) throw libstream::Error(libstream::ErrorKind::usage, "", "--outliers-out writes sessions, and states (--merge) hold none");
    if (!context.inputs_can_be_reread()) {
      throw libstream::Error(libstream::ErrorKind::usage, "",
                             "--outliers-out reads the input a second time: give files, not standard input or a pipe");
    }
  }
  if (options.partial && options.tee) {
    throw libstream::Error(libstream::ErrorKind::usage, "", "--partial writes the state where --tee writes records: use --state-out FILE with --tee");
  }
  PromptLearning learning;
  uint64_t ordinal = 0;  // of records on this thread (prompt-learning records keep input order by it)
  // Sessions one at a time on this thread, or, for a plain summary (no --tee, no --merge), in
  // batches parsed by worker threads: batch k goes to worker k mod N and each worker keeps its
  // own accumulator, merged in worker order at the end, so the result does not depend on
  // scheduling. Memory: at most kQueued batches of kBatchBytes per worker, waiting.
  const unsigned workers = options.merge || options.tee ? 0 : options.threads;
  struct Reject {
    uint64_t batch;
    std::string source;
    uint64_t line, offset, size;
    std::string reason, raw;
  };
  struct Batch {
    std::string bytes;
    std::vector<size_t> ends;  // end offset of each record in bytes
    std::vector<uint64_t> lines, offsets;
    std::string source;
    uint64_t index = 0;
  };
  struct Worker {
    explicit Worker(const StatsOptions& o) : acc(o) {}
    Accumulator acc;
    PromptLearning learning;
    std::vector<Reject> rejects;
    std::deque<Batch> queue;
    std::mutex mutex;
    std::condition_variable ready, room;
    bool done = false;
    std::thread thread;
  };
  constexpr size_t kBatchBytes = size_t{1} << 20;
  constexpr size_t kQueued = 2;
  std::vector<std::unique_ptr<Worker>> pool;
  // Batches done with come back for the next records: their buffers stay allocated and
  // paged in, instead of a fresh megabyte (and its page faults) per batch.
  std::vector<Batch> spent;
  std::mutex spent_mutex;
  const auto work = [&spent, &spent_mutex](Worker& w) {
    libstream::ProjectingParser parser(w.acc.projection());
    for (;;) {
      Batch batch;
      {
        std::unique_lock<std::mutex> lock(w.mutex);
        w.ready.wait(lock, [&] { return !w.queue.empty() || w.done; });
        if (w.queue.empty()) {
          w.acc.sort_values();  // here, in parallel, rather than on the merging thread
          return;
        }
        batch = std::move(w.queue.front());
        w.queue.pop_front();
      }
      w.room.notify_one();
      size_t begin = 0;
      for (size_t i = 0; i < batch.ends.size(); ++i) {
        const char* data = batch.bytes.data() + begin;
        const size_t size = batch.ends[i] - begin;
        begin = batch.ends[i];
        libstream::JsonError error;
        const Value* root = parser.parse(data, size, &error);
        if (root != nullptr && PromptLearning::claims(*root)) root = parser.parse_whole(data, size, &error);
        std::string reason;
        if (root == nullptr) {
          reason = error.describe();
        } else if (!w.learning.add(*root, (batch.index << 32 | i) + 1)) {
          const Value* id = find_present(*root, "session_id");
          if (id == nullptr || !id->IsString()) {
            reason = "not a session record: no string session_id (normalise it to trace/v1 first)";
          } else {
            w.acc.count_record();
            w.acc.add(*root);
          }
        }
        if (!reason.empty()) w.rejects.push_back({batch.index, batch.source, batch.lines[i], batch.offsets[i], size, reason, std::string(data, size)});
      }
      batch.bytes.clear();
      batch.ends.clear();
      batch.lines.clear();
      batch.offsets.clear();
      std::lock_guard<std::mutex> lock(spent_mutex);
      spent.push_back(std::move(batch));
    }
  };
  for (unsigned i = 0; i < workers; ++i) {
    pool.push_back(std::make_unique<Worker>(options));
    pool.back()->thread = std::thread(work, std::ref(*pool.back()));
  }
  Batch batch;
  uint64_t batches = 0;
  const auto hand_over = [&] {
    if (batch.ends.empty()) return;
    batch.index = batches;
    Worker& w = *pool[batches++ % pool.size()];
    {
      std::unique_lock<std::mutex> lock(w.mutex);
      w.room.wait(lock, [&] { return w.queue.size() < kQueued; });
      w.queue.push_back(std::move(batch));
    }
    w.ready.notify_one();
    batch = Batch();
    std::lock_guard<std::mutex> lock(spent_mutex);
    if (!spent.empty()) {
      batch = std::move(spent.back());
      spent.pop_back();
    }
  };
  const auto stop_workers = [&] {
    for (auto& w : pool) {
      {
        std::lock_guard<std::mutex> lock(w->mutex);
        w->done = true;
      }
      w->ready.notify_one();
      if (w->thread.joinable()) w->thread.join();
    }
  };
  libstream::DocumentParser parser;  // states (--merge)
  libstream::ProjectingParser session_parser(acc.projection());
  try {
    context.for_each_record(libstream::InputFormat::auto_detect, [&](libstream::RecordSource& source, libstream::RawRecord& record) {
      if (!pool.empty()) {
        if (!record.problem.empty()) {
          context.reject(source, record, record.problem);
          return true;
        }
        if (batch.source != source.name()) {
          hand_over();
          batch.source = source.name();
        }
        batch.bytes.append(record.data, record.size);  // as read: what the one-thread path parses and rejects
        batch.ends.push_back(batch.bytes.size());
        batch.lines.push_back(record.line);
        batch.offsets.push_back(record.offset);
        ++context.counters().written;  // summarised (a record found unusable is moved to rejected below)
        if (batch.bytes.size() >= kBatchBytes) hand_over();
        return true;
      }
      if (options.merge) {
        libstream::JsonError error;
        const Value* root = parser.parse(record.data, record.size, &error);
        if (root == nullptr) {
          context.reject(source, record, error.describe());
          return true;
        }
        acc.merge_state(*root, source.name() + ":" + std::to_string(record.line));
        if (const Value* state = find_member(*root, "prompt_learning")) learning.merge_state(*state);
        ++context.counters().written;
        return true;
      }
      libstream::JsonError error;
      const Value* root = session_parser.parse(record.data, record.size, &error);
      if (root != nullptr && PromptLearning::claims(*root)) root = session_parser.parse_whole(record.data, record.size, &error);
      if (root == nullptr) {
        context.reject(source, record, error.describe());
        return true;
      }
      const bool taken = learning.add(*root, ++ordinal);  // queue and prompt-learning records: their own summary
      if (!taken) {
        const Value* id = find_present(*root, "session_id");
        if (id == nullptr || !id->IsString()) {
          context.reject(source, record, "not a session record: no string session_id (normalise it to trace/v1 first)");
          return true;
        }
        acc.count_record();
        acc.add(*root);
      }
      if (options.tee) {
        context.write_line(context.record_bytes(source, record));
      } else {
        ++context.counters().written;  // summarised
      }
      return true;
    });
    hand_over();
  } catch (...) {
    stop_workers();
    throw;
  }
  stop_workers();
  std::vector<Reject> rejects;
  for (auto& w : pool) {
    acc.merge(w->acc);
    learning.merge(w->learning);
    rejects.insert(rejects.end(), w->rejects.begin(), w->rejects.end());
  }
  std::stable_sort(rejects.begin(), rejects.end(), [](const Reject& a, const Reject& b) {
    return a.batch != b.batch ? a.batch < b.batch : a.line < b.line;
  });
  for (const Reject& r : rejects) {
    --context.counters().written;
    context.reject(r.source, r.line, r.offset, r.reason, r.raw, r.size);
  }
  const Report report(options, acc, learning, find_outliers(options, acc, context));
  if (!options.state_out.empty()) {
    libstream::AtomicFileSink sink(options.state_out);
    const std::string state = acc.state(learning.state()) + "\n";
    sink.write(state.data(), state.size());
    sink.commit();
  }
  if (!options.report.empty()) {
    libstream::AtomicFileSink sink(options.report);
    const std::string html = report.render("html");
    sink.write(html.data(), html.size());
    sink.commit();
  }
  if (options.partial) {
    const std::string state = acc.state(learning.state());
    context.out().write(state.data(), state.size());
    context.out().put('\n');
    return;
  }
  std::string format = options.format;
  if (format == "auto") {
    const std::string& out = context.options().output.path;
    format = out.size() > 3 && out.compare(out.size() - 3, 3, ".md") == 0 ? "markdown" : "text";
  }
  const std::string text = report.render(format);
  if (options.tee) {
    if (!options.state_out.empty() && options.format == "auto") return;  // a map step in a pipeline: the state is the output
    libstream::FdSink err(2, "<stderr>");
    err.write(text.data(), text.size());
  } else if (!options.state_out.empty() && context.options().output.path == "-" && options.format == "auto") {
    // With --state-out alone (a map step) the report is not wanted on stdout.
  } else {
    context.out().write(text.data(), text.size());
  }
}

}  // namespace tracemill
