// The --where language: any text compiles or is refused with ExpressionError (never a crash,
// however deep or long), and a compiled expression gives the same answer on a record and
// on the record's projection to the members it names. Input: the expression, a newline, a record.
#include "fuzz_check.hpp"

#include <libstream/document.hpp>
#include <libstream/expression.hpp>
#include <libstream/projection.hpp>

#include <cstdint>
#include <optional>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static libstream::DocumentParser parser;
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string text = input.substr(0, newline);
  const std::string record = newline == std::string::npos ? "{}" : input.substr(newline + 1);
  std::optional<libstream::Expression> expression;
  try {
    expression.emplace(text);
  } catch (const libstream::ExpressionError& e) {
    FUZZ_CHECK(e.column() >= 1 && e.column() <= text.size() + 1);
    return 0;
  }
  const rapidjson::Value* root = parser.parse(record.data(), record.size(), nullptr);
  if (root == nullptr) return 0;
  const bool matched = expression->matches(*root);
  libstream::Projection projection;
  for (const std::string& member : expression->top_level_members()) projection.keep_member(member);
  libstream::ProjectingParser projecting(std::move(projection));
  const rapidjson::Value* projected = projecting.parse(record.data(), record.size(), nullptr);
  FUZZ_CHECK(projected != nullptr);
  FUZZ_CHECK(expression->matches(*projected) == matched);
  return 0;
}
