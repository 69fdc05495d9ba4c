#include "quantile_sketch.hpp"

#include <libstream/document.hpp>

#include <cmath>
#include <string_view>

namespace tracemill {

using libstream::find_member;
using rapidjson::Value;

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

}  // namespace tracemill
