#include "numeric_stats.hpp"

#include "format.hpp"

#include <libstream/document.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace tracemill {

using libstream::find_member;
using rapidjson::Value;
using stats::json_number;
using stats::kNaN;
using stats::long_double_text;

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

}  // namespace tracemill
