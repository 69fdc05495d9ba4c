// What the eval-harness dialects' unit tests share: normalise one hand-written record and
// read back every session it wrote (a record may write several, or none).
#pragma once

#include "normalize.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace evals_test {


struct Result {
  std::string dialect;
  std::vector<rapidjson::Document> sessions;  // one per line written
  size_t count = 0;
  std::vector<std::string> warnings;
  std::string error;  // the MappingError's reason when rejected
};

inline Result run(tracemill::Normalizer& normalizer, const std::string& json) {
  rapidjson::Document input;
  input.Parse(json.c_str());
  EXPECT_FALSE(input.HasParseError()) << json;
  Result result;
  std::string out;
  try {
    result.dialect = normalizer.normalize(input, "-", out, [&](const std::string& w) { result.warnings.push_back(w); });
  } catch (const tracemill::MappingError& e) {
    result.error = e.reason;
    return result;
  }
  result.count = normalizer.last_session_count();
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    result.sessions.emplace_back().Parse(out.substr(start, end - start).c_str());
    EXPECT_FALSE(result.sessions.back().HasParseError());
    start = end + 1;
  }
  return result;
}

inline Result normalize(const std::string& json) {
  tracemill::Normalizer normalizer(tracemill::NormalizeOptions{});
  return run(normalizer, json);
}

inline std::string str(const rapidjson::Value& v) { return v.IsString() ? v.GetString() : "<not a string>"; }

}  // namespace evals_test
