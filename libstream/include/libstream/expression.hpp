// A small expression language over a record's JSON paths, for --where (docs/expressions.md):
//
//   reward >= 2 and model in ["gpt-4.1-mini", "qwen3-32b"]
//   not exists(scores.judge.quality) or scores.judge.quality > 0.8
//   len(achievements) >= 3 and messages[0].role == "system" and task_id startswith "crafter-"
//
// A comparison involving a missing (absent or null) value is false, whatever the operator:
// missing values never satisfy a condition silently; ask for them with `not exists(path)`.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace libstream {

/// A syntax error: `column` is 1-based in the expression text.
class ExpressionError : public std::runtime_error {
 public:
  ExpressionError(size_t column, const std::string& message)
      : std::runtime_error("column " + std::to_string(column) + ": " + message), column_(column) {}
  [[nodiscard]] size_t column() const { return column_; }

 private:
  size_t column_;
};

class Expression {
 public:
  /// Compiles `text`; throws ExpressionError.
  explicit Expression(const std::string& text);
  ~Expression();
  Expression(Expression&&) noexcept;
  Expression& operator=(Expression&&) noexcept;

  /// True when `record` satisfies the expression.
  [[nodiscard]] bool matches(const rapidjson::Value& record) const;
  /// The record's top-level members the expression reads (for a Projection).
  [[nodiscard]] std::vector<std::string> top_level_members() const;

  struct Node;

 private:
  std::unique_ptr<Node> root_;
};

}  // namespace libstream
