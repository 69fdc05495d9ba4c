// What the agent-framework dialect tests share: one record or one session of lines through
// the Normalizer, the trace/v1 line parsed back, and the warnings.
#pragma once

#include "dialects/dialect.hpp"
#include "normalize.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <deque>
#include <string>
#include <vector>

namespace agent_test {

struct Result {
  std::string dialect;
  std::string line;
  rapidjson::Document doc;
  std::vector<std::string> warnings;
};

inline Result normalize(const std::string& json, const std::string& file = "-") {
  rapidjson::Document input;
  input.Parse(json.c_str());
  EXPECT_FALSE(input.HasParseError()) << json;
  tracemill::Normalizer normalizer(tracemill::NormalizeOptions{});
  Result result;
  result.dialect = normalizer.normalize(input, file, result.line, [&](const std::string& w) { result.warnings.push_back(w); });
  if (!result.line.empty()) result.doc.Parse(result.line.c_str());
  return result;
}

/// The lines of one session of a line-per-event dialect, detected from the first line.
inline Result session(const std::vector<std::string>& lines, const std::string& file = "-") {
  std::deque<rapidjson::Document> documents;
  std::vector<tracemill::normalize::SessionLine> session_lines;
  for (size_t i = 0; i < lines.size(); ++i) {
    documents.emplace_back().Parse(lines[i].c_str());
    EXPECT_FALSE(documents.back().HasParseError()) << lines[i];
    session_lines.push_back({&documents.back(), i + 1});
  }
  tracemill::Normalizer normalizer(tracemill::NormalizeOptions{});
  const tracemill::normalize::DialectSpec* dialect = normalizer.dialect_of(documents.front());
  Result result;
  if (dialect == nullptr || dialect->lines == nullptr) {
    ADD_FAILURE() << "not a line-per-event dialect: " << lines.front();
    return result;
  }
  result.dialect = dialect->name;
  normalizer.normalize_session(*dialect, session_lines, file, result.line, [&](const std::string& w) { result.warnings.push_back(w); });
  result.doc.Parse(result.line.c_str());
  return result;
}

inline std::string str(const rapidjson::Value& v) { return v.IsString() ? v.GetString() : "<not a string>"; }

}  // namespace agent_test
