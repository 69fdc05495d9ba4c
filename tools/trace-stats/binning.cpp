#include "binning.hpp"

#include "format.hpp"

#include <algorithm>
#include <cmath>

namespace tracemill::stats {

double nice_step(double x) {
  if (!(x > 0) || !std::isfinite(x)) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(x)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (m * power >= x * (1 - 1e-12)) return m * power;
  }
  return 10 * power;
}

std::string Bins::label(size_t i) const {
  const auto number = [](double x) { return group_thousands(fmt(x)); };
  if (!std::isfinite(width)) return number(start) + " .. " + number(max);  // the one bar of an unbounded span
  if (per_value) return number(edge(i) + 0.5);
  if (integer) return width == 1 ? number(edge(i)) : number(edge(i)) + " .. " + number(edge(i + 1) - 1);
  return number(edge(i)) + " .. " + number(edge(i + 1));
}

std::string Bins::overflow_note() const {
  if (overflow == 0) return "";
  return std::to_string(overflow) + (overflow == 1 ? " value" : " values") + " above the 99th percentile (" + group_thousands(fmt(clip)) +
         "), up to " + group_thousands(fmt(max)) + ", in the overflow bar";
}

namespace {

/// The values to bin: the metric's own while exact, else 1001 evenly spaced quantiles of
/// its sketch (each then stands for count / 1001 values).
std::vector<double> sample(const NumericStats& s, bool& from_sketch) {
  from_sketch = !s.exact();
  if (s.exact()) return s.values();
  std::vector<double> out;
  for (int i = 0; i <= 1000; ++i) out.push_back(s.quantile(i / 1000.0));
  return out;
}

}  // namespace

Bins choose_bins(const NumericStats& s) {
  Bins b;
  if (s.count() == 0) return b;
  const std::vector<double> values = sample(s, b.from_sketch);
  const double n = static_cast<double>(values.size());
  b.integer = std::all_of(values.begin(), values.end(), [](double x) { return x == std::floor(x) && std::fabs(x) < 9e15; });
  const double lo = s.min();
  double top = s.max();
  b.max = s.max();
  if (!std::isfinite(top - lo)) {  // infinite values, or a span beyond a double: one bar of everything
    b.start = lo;
    b.width = top - lo;
    b.counts.assign(1, s.count());
    b.rule = "one bar (the values span more than a number holds)";
    return b;
  }
  // A heavy tail: the last 1% spans more than the other 99%; drawing it to scale would
  // squash every other value into a bar or two.
  const double p99 = s.quantile(kClipQuantile);
  const bool clipped = top - p99 > p99 - lo && p99 > lo;
  if (clipped) top = b.clip = b.integer ? std::floor(p99) : p99;
  if (b.integer && top - lo + 1 <= static_cast<double>(kMaxPerValueBins)) {
    b.per_value = true;
    b.start = lo - 0.5;
    b.width = 1;
    b.rule = "one bar per value";
  } else {
    const double iqr = s.quantile(0.75) - s.quantile(0.25);
    double h = 2 * iqr / std::cbrt(static_cast<double>(s.count()));
    b.rule = "Freedman-Diaconis width";
    if (!(h > 0)) {  // no spread in the middle half: Sturges' number of bins instead
      h = (top - lo) / (std::ceil(std::log2(static_cast<double>(s.count()))) + 1);
      b.rule = "Sturges width";
    }
    if (!(h > 0)) h = 1;
    h = nice_step(h);
    if (b.integer) h = std::max(1.0, std::ceil(h));
    for (int widen = 0; widen < 400 && (top - std::floor(lo / h) * h) / h >= static_cast<double>(kMaxBins); ++widen) {
      h = nice_step(h * 1.0001);
    }
    b.width = h;
    b.start = std::floor(lo / h) * h;
    b.rule += " rounded to " + fmt(h);
  }
  // Integer bins hold whole numbers a .. a + width - 1, so the top value needs a bin of its
  // own start; other bins are half-open but the last, which is closed at the top.
  const double span = (top - b.start) / b.width;
  const double bins = b.integer ? std::floor(span) + 1 : std::ceil(span);
  const double most = static_cast<double>(b.per_value ? kMaxPerValueBins : kMaxBins);
  b.counts.assign(static_cast<size_t>(std::clamp(bins, 1.0, most)), 0);
  for (double x : values) {
    if (clipped && x > top) {
      ++b.overflow;
      continue;
    }
    const double i = std::clamp(std::floor((x - b.start) / b.width), 0.0, static_cast<double>(b.counts.size() - 1));
    b.counts[static_cast<size_t>(i)]++;
  }
  if (b.from_sketch) {
    const auto scale = [&](uint64_t c) {
      return static_cast<uint64_t>(std::llround(static_cast<double>(c) * static_cast<double>(s.count()) / n));
    };
    for (auto& c : b.counts) c = scale(c);
    b.overflow = scale(b.overflow);
  }
  return b;
}

}  // namespace tracemill::stats
