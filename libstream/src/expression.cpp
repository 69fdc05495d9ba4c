#include <libstream/expression.hpp>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

namespace libstream {

namespace {

enum class Op { or_, and_, not_, exists, truthy, eq, ne, lt, le, gt, ge, in, contains, startswith, endswith };

struct Operand {
  enum class Kind { path, number, string, boolean, null, length } kind = Kind::null;
  std::vector<std::string> keys;  // path steps; an index step is stored as "[N]"
  double number = 0;
  std::string text;
  bool boolean = false;
};

}  // namespace

struct Expression::Node {
  Op op = Op::truthy;
  std::unique_ptr<Node> left;                 // the operand of not
  std::vector<std::unique_ptr<Node>> terms;  // the terms of an and/or chain, however long: flat,
                                             // so evaluating and destroying it never recurses
                                             // deeper than the parentheses

  Operand a, b;
  std::vector<Operand> list;
};

namespace {

using Node = Expression::Node;

// Parentheses and nots nest at most this deep: the parser and eval() recurse on them.
constexpr int kMaxExpressionDepth = 256;

class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}

  std::unique_ptr<Node> parse() {
    auto node = parse_or();
    skip_space();
    if (i_ < s_.size()) fail("unexpected '" + std::string(1, s_[i_]) + "' after a complete expression");
    return node;
  }

 private:
  [[noreturn]] void fail(const std::string& message) const { throw ExpressionError(i_ + 1, message); }
  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
  }
  static bool word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  }
  bool keyword(const char* word) {
    skip_space();
    const size_t n = std::strlen(word);
    if (s_.compare(i_, n, word) == 0 && (i_ + n == s_.size() || !word_char(s_[i_ + n]))) {
      i_ += n;
      return true;
    }
    return false;
  }
  bool symbol(const char* text) {
    skip_space();
    const size_t n = std::strlen(text);
    if (s_.compare(i_, n, text) == 0) {
      i_ += n;
      return true;
    }
    return false;
  }
  std::string found() const {
    if (i_ >= s_.size()) return "the end";
    size_t j = i_;
    while (j < s_.size() && j - i_ < 12 && s_[j] != ' ') ++j;
    return "'" + s_.substr(i_, j - i_) + "'";
  }

  std::unique_ptr<Node> parse_or() {
    auto first = parse_and();
    if (!keyword("or")) return first;
    auto node = std::make_unique<Node>();
    node->op = Op::or_;
    node->terms.push_back(std::move(first));
    do {
      node->terms.push_back(parse_and());
    } while (keyword("or"));
    return node;
  }
  std::unique_ptr<Node> parse_and() {
    auto first = parse_not();
    if (!keyword("and")) return first;
    auto node = std::make_unique<Node>();
    node->op = Op::and_;
    node->terms.push_back(std::move(first));
    do {
      node->terms.push_back(parse_not());
    } while (keyword("and"));
    return node;
  }
  void deeper() {
    if (++depth_ > kMaxExpressionDepth) {
      fail("parentheses and nots nest deeper than " + std::to_string(kMaxExpressionDepth) + " levels");
    }
  }
  std::unique_ptr<Node> parse_not() {
    if (keyword("not")) {
      deeper();
      auto node = std::make_unique<Node>();
      node->op = Op::not_;
      node->left = parse_not();
      --depth_;
      return node;
    }
    return parse_primary();
  }
  std::unique_ptr<Node> parse_primary() {
    if (symbol("(")) {
      deeper();
      auto node = parse_or();
      if (!symbol(")")) fail("expected ')', found " + found());
      --depth_;
      return node;
    }
    auto node = std::make_unique<Node>();
    if (keyword("exists")) {
      if (!symbol("(")) fail("expected '(' after exists, found " + found());
      node->op = Op::exists;
      node->a = parse_path();
      if (!symbol(")")) fail("expected ')', found " + found());
      return node;
    }
    node->a = parse_operand();
    static const std::pair<const char*, Op> kSymbols[] = {{"==", Op::eq}, {"!=", Op::ne}, {"<=", Op::le},
                                                          {">=", Op::ge}, {"<", Op::lt},  {">", Op::gt}};
    for (const auto& [text, op] : kSymbols) {
      if (symbol(text)) {
        node->op = op;
        node->b = parse_operand();
        return node;
      }
    }
    if (keyword("in")) {
      node->op = Op::in;
      if (!symbol("[")) fail("expected '[' to open the list after in, found " + found());
      do {
        node->list.push_back(parse_operand());
        if (node->list.back().kind == Operand::Kind::path || node->list.back().kind == Operand::Kind::length) {
          fail("a list after in holds literals (numbers, strings, true, false, null)");
        }
      } while (symbol(","));
      if (!symbol("]")) fail("expected ',' or ']' in the list, found " + found());
      return node;
    }
    for (const auto& [word, op] : {std::pair{"contains", Op::contains}, std::pair{"startswith", Op::startswith},
                                   std::pair{"endswith", Op::endswith}}) {
      if (keyword(word)) {
        node->op = op;
        node->b = parse_operand();
        if (node->b.kind != Operand::Kind::string) fail(std::string(word) + " takes a string");
        return node;
      }
    }
    if (node->a.kind != Operand::Kind::path) fail("expected an operator (== != < <= > >= in contains startswith endswith), found " + found());
    node->op = Op::truthy;
    return node;
  }
  Operand parse_path() {
    skip_space();
    Operand operand;
    operand.kind = Operand::Kind::path;
    for (;;) {
      const size_t start = i_;
      while (i_ < s_.size() && (word_char(s_[i_]))) ++i_;
      if (i_ == start) fail("expected a field name, found " + found());
      operand.keys.push_back(s_.substr(start, i_ - start));
      while (i_ < s_.size() && s_[i_] == '[') {
        const size_t open = i_++;
        const size_t digits = i_;
        while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
        if (i_ == digits || i_ >= s_.size() || s_[i_] != ']') {
          i_ = open;
          fail("expected an index like [0]");
        }
        operand.keys.push_back(s_.substr(open, i_ + 1 - open));
        ++i_;
      }
      if (i_ < s_.size() && s_[i_] == '.') {
        ++i_;
        continue;
      }
      return operand;
    }
  }
  Operand parse_operand() {
    skip_space();
    Operand operand;
    if (i_ >= s_.size()) fail("expected a value, found the end");
    const char c = s_[i_];
    if (c == '"' || c == '\'') {
      operand.kind = Operand::Kind::string;
      ++i_;
      while (i_ < s_.size() && s_[i_] != c) {
        if (s_[i_] == '\\' && i_ + 1 < s_.size()) ++i_;
        operand.text += s_[i_++];
      }
      if (i_ >= s_.size()) fail("the string is not closed");
      ++i_;
      return operand;
    }
    if ((c >= '0' && c <= '9') || c == '-' || c == '.') {
      // Decimal digits with an optional sign, point and exponent only: strtod would also take
      // "nan", "inf" and hex, and a NaN literal compares equal to every number.
      const size_t begin = i_;
      size_t j = i_;
      const auto digits = [&] {
        const size_t from = j;
        while (j < s_.size() && s_[j] >= '0' && s_[j] <= '9') ++j;
        return j > from;
      };
      if (s_[j] == '-') ++j;
      bool any = digits();
      if (j < s_.size() && s_[j] == '.') {
        ++j;
        any = digits() || any;
      }
      if (!any) fail("expected a number, found " + found());
      if (j < s_.size() && (s_[j] == 'e' || s_[j] == 'E')) {
        const size_t mark = j++;
        if (j < s_.size() && (s_[j] == '+' || s_[j] == '-')) ++j;
        if (!digits()) j = mark;  // not an exponent after all
      }
      std::string literal = s_.substr(begin, j - begin);
      if (literal.front() == '.' || literal.compare(0, 2, "-.") == 0) literal.insert(literal.front() == '-' ? 1 : 0, "0");
      if (literal.back() == '.') literal += '0';
      const auto result = std::from_chars(literal.data(), literal.data() + literal.size(), operand.number);
      if (result.ec != std::errc{} || result.ptr != literal.data() + literal.size()) {
        fail("the number " + s_.substr(begin, j - begin) + " is out of the range of a double");
      }
      operand.kind = Operand::Kind::number;
      i_ = j;
      return operand;
    }
    if (keyword("true") || keyword("false")) {
      operand.kind = Operand::Kind::boolean;
      operand.boolean = s_[i_ - 1] == 'e' && s_.compare(i_ - 4, 4, "true") == 0;
      return operand;
    }
    if (keyword("null")) return operand;
    if (keyword("len")) {
      if (!symbol("(")) fail("expected '(' after len, found " + found());
      operand = parse_path();
      operand.kind = Operand::Kind::length;
      if (!symbol(")")) fail("expected ')', found " + found());
      return operand;
    }
    return parse_path();
  }

  const std::string& s_;
  size_t i_ = 0;
  int depth_ = 0;
};

const rapidjson::Value* resolve(const rapidjson::Value& record, const std::vector<std::string>& keys) {
  const rapidjson::Value* value = &record;
  for (const std::string& key : keys) {
    if (key.front() == '[') {
      const auto index = std::strtoull(key.c_str() + 1, nullptr, 10);
      if (!value->IsArray() || index >= value->Size()) return nullptr;
      value = &(*value)[static_cast<rapidjson::SizeType>(index)];
    } else {
      if (!value->IsObject()) return nullptr;
      const auto it = value->FindMember(rapidjson::StringRef(key.data(), key.size()));
      if (it == value->MemberEnd()) return nullptr;
      value = &it->value;
    }
  }
  return value->IsNull() ? nullptr : value;
}

// The value of an operand: a JSON value (paths), or a literal held in `scratch`.
struct Resolved {
  const rapidjson::Value* value = nullptr;  // nullptr: missing
};

Resolved evaluate(const Operand& operand, const rapidjson::Value& record, rapidjson::Value& scratch) {
  Resolved r;
  switch (operand.kind) {
    case Operand::Kind::path: r.value = resolve(record, operand.keys); break;
    case Operand::Kind::length: {
      const rapidjson::Value* v = resolve(record, operand.keys);
      if (v == nullptr) break;
      if (v->IsArray()) scratch.SetDouble(v->Size());
      else if (v->IsObject()) scratch.SetDouble(v->MemberCount());
      else if (v->IsString()) scratch.SetDouble(v->GetStringLength());
      else break;
      r.value = &scratch;
      break;
    }
    case Operand::Kind::number: scratch.SetDouble(operand.number); r.value = &scratch; break;
    case Operand::Kind::string: scratch.SetString(rapidjson::StringRef(operand.text.data(), operand.text.size())); r.value = &scratch; break;
    case Operand::Kind::boolean: scratch.SetBool(operand.boolean); r.value = &scratch; break;
    case Operand::Kind::null: break;  // a null literal is "missing": comparisons with it are false
  }
  return r;
}

// -1, 0, 1, or 2 when the two values cannot be ordered (different types).
int compare(const rapidjson::Value& x, const rapidjson::Value& y) {
  if (x.IsNumber() && y.IsNumber()) {
    const double a = x.GetDouble(), b = y.GetDouble();
    if (std::isnan(a) || std::isnan(b)) return 2;  // NaN is not ordered, nor equal to anything
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (x.IsString() && y.IsString()) {
    const int c = std::string_view(x.GetString(), x.GetStringLength()).compare(std::string_view(y.GetString(), y.GetStringLength()));
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  if (x.IsBool() && y.IsBool()) return x.GetBool() == y.GetBool() ? 0 : 2;
  return 2;
}

bool eval(const Node& node, const rapidjson::Value& record) {
  switch (node.op) {
    case Op::or_:
      for (const auto& term : node.terms) {
        if (eval(*term, record)) return true;
      }
      return false;
    case Op::and_:
      for (const auto& term : node.terms) {
        if (!eval(*term, record)) return false;
      }
      return true;
    case Op::not_: return !eval(*node.left, record);
    case Op::exists: return resolve(record, node.a.keys) != nullptr;
    default: break;
  }
  rapidjson::Value scratch_a, scratch_b;
  const Resolved a = evaluate(node.a, record, scratch_a);
  if (node.op == Op::truthy) {
    if (a.value == nullptr) return false;
    if (a.value->IsBool()) return a.value->GetBool();
    if (a.value->IsNumber()) return a.value->GetDouble() != 0;
    if (a.value->IsString()) return a.value->GetStringLength() > 0;
    return true;
  }
  if (a.value == nullptr) return false;  // missing never satisfies a comparison
  if (node.op == Op::in) {
    for (const Operand& item : node.list) {
      rapidjson::Value scratch;
      const Resolved b = evaluate(item, record, scratch);
      if (b.value != nullptr && compare(*a.value, *b.value) == 0) return true;
    }
    return false;
  }
  const Resolved b = evaluate(node.b, record, scratch_b);
  if (b.value == nullptr) return false;
  if (node.op == Op::contains || node.op == Op::startswith || node.op == Op::endswith) {
    if (!a.value->IsString()) {
      if (node.op == Op::contains && a.value->IsArray()) {  // list membership
        for (const auto& element : a.value->GetArray()) {
          if (compare(element, *b.value) == 0) return true;
        }
      }
      return false;
    }
    const std::string_view haystack(a.value->GetString(), a.value->GetStringLength());
    const std::string_view needle(b.value->GetString(), b.value->GetStringLength());
    if (node.op == Op::contains) return haystack.find(needle) != std::string_view::npos;
    if (node.op == Op::startswith) return haystack.substr(0, needle.size()) == needle;
    return haystack.size() >= needle.size() && haystack.substr(haystack.size() - needle.size()) == needle;
  }
  const int c = compare(*a.value, *b.value);
  if (c == 2) return false;  // different types never compare
  switch (node.op) {
    case Op::eq: return c == 0;
    case Op::ne: return c != 0;
    case Op::lt: return c < 0;
    case Op::le: return c <= 0;
    case Op::gt: return c > 0;
    case Op::ge: return c >= 0;
    default: return false;
  }
}

}  // namespace

Expression::Expression(const std::string& text) : root_(Parser(text).parse()) {}
Expression::~Expression() = default;
Expression::Expression(Expression&&) noexcept = default;
Expression& Expression::operator=(Expression&&) noexcept = default;

bool Expression::matches(const rapidjson::Value& record) const { return eval(*root_, record); }

std::vector<std::string> Expression::top_level_members() const {
  std::vector<std::string> members;
  const auto take = [&](const Operand& operand) {
    if (!operand.keys.empty() && operand.keys.front().front() != '[') members.push_back(operand.keys.front());
  };
  std::vector<const Node*> pending = {root_.get()};
  while (!pending.empty()) {
    const Node* node = pending.back();
    pending.pop_back();
    if (node == nullptr) continue;
    take(node->a);
    take(node->b);
    for (const Operand& operand : node->list) take(operand);
    pending.push_back(node->left.get());
    for (const auto& term : node->terms) pending.push_back(term.get());
  }
  return members;
}

}  // namespace libstream
