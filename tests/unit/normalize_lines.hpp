// A line-per-event session mapped as trace-normalize's driver maps it, for the dialect unit
// tests: the lines become one session, the dialect detected on the first line.
#pragma once

#include "dialects/dialect.hpp"
#include "normalize.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <deque>
#include <string>
#include <vector>

namespace tracemill::test {

struct MappedSession {
  std::string dialect;  ///< empty when no dialect recognised the first line
  std::string line;     ///< the trace/v1 line written, empty when not mapped
  rapidjson::Document doc;
  std::vector<std::string> warnings;
};

/// Maps the lines as the driver would hand them over (one session), detecting the dialect on the first.
inline MappedSession map_lines(const std::vector<std::string>& texts) {
  std::deque<rapidjson::Document> documents;
  std::vector<normalize::SessionLine> lines;
  for (size_t i = 0; i < texts.size(); ++i) {
    documents.emplace_back().Parse(texts[i].c_str());
    EXPECT_FALSE(documents.back().HasParseError()) << texts[i];
    lines.push_back(normalize::SessionLine{&documents.back(), i + 1});
  }
  Normalizer normalizer({});
  MappedSession s;
  const auto* dialect = normalizer.dialect_of(documents.front());
  if (dialect == nullptr) return s;
  s.dialect = dialect->name;
  if (dialect->lines == nullptr) return s;
  normalizer.normalize_session(*dialect, lines, "-", s.line, [&](const std::string& w) { s.warnings.push_back(w); });
  s.doc.Parse(s.line.c_str());
  return s;
}

}  // namespace tracemill::test
