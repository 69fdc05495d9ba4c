#include <libstream/projection.hpp>

#include "exact_json.hpp"
#include "string_scan.hpp"

#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cstdint>
#include <cstring>

namespace libstream {

struct Projection::Node {
  bool whole = false;
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> members;
  std::unique_ptr<Node> elements;  // every element of an array (numeric and "*" steps)

  const Node* member(std::string_view name) const {
    for (const auto& [key, node] : members) {
      if (key.size() != name.size()) continue;
      size_t i = 0;  // keys are short: a loop beats a call to memcmp
      while (i < name.size() && key[i] == name[i]) ++i;
      if (i == name.size()) return node.get();
    }
    return nullptr;
  }
  Node& member_for(std::string_view name) {
    for (auto& [key, node] : members) {
      if (key == name) return *node;
    }
    members.emplace_back(std::string(name), std::make_unique<Node>());
    return *members.back().second;
  }
  Node& element_node() {
    if (!elements) elements = std::make_unique<Node>();
    return *elements;
  }
};

namespace {

using Node = Projection::Node;

bool is_index(std::string_view part) {
  return !part.empty() && part.size() < 10 && part.find_first_not_of("0123456789") == std::string_view::npos;
}

void keep_at(Node& node, const std::vector<std::string_view>& parts, size_t i) {
  if (node.whole) return;
  if (i == parts.size()) {
    node.whole = true;
    node.members.clear();
    node.elements.reset();
    return;
  }
  const std::string_view part = parts[i];
  if (part == "*" || is_index(part)) keep_at(node.element_node(), parts, i + 1);
  if (part != "*") keep_at(node.member_for(part), parts, i + 1);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Keys and kept strings are short: a loop here beats a call to memchr.
bool has_backslash(const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] == '\\') return true;
  }
  return false;
}

// The projection as JSON text: kept members exactly as written.
class TextOutput {
 public:
  explicit TextOutput(std::string& out) : out_(out) {}
  void begin_object() { out_ += '{'; }
  void key(size_t index, std::string_view name) {
    if (index > 0) out_ += ',';
    out_ += '"';
    out_.append(name);
    out_ += "\":";
  }
  void end_object(size_t) { out_ += '}'; }
  void begin_array() { out_ += '['; }
  void element(size_t index) {
    if (index > 0) out_ += ',';
  }
  void end_array(size_t) { out_ += ']'; }
  bool value(const char* begin, const char* end) {
    out_.append(begin, static_cast<size_t>(end - begin));
    return true;
  }

 private:
  std::string& out_;
};

// The projection as a DOM, built straight from the scan: no text to parse again. Kept
// values are parsed with DocumentParser's handler (exact_json.hpp), so they are the same
// values the full parse gives; a refusal (a number past the double range) leaves the record
// to the full parse, which refuses it with its own message.
class DomOutput {
 public:
  DomOutput(rapidjson::Document& handler, rapidjson::Reader& reader) : handler_(handler), reader_(reader) {}
  void begin_object() { handler_.StartObject(); }
  // Keys and plain strings point into the record's bytes (no copy): the DOM is read before
  // those bytes change (ProjectingParser::parse's contract).
  void key(size_t, std::string_view name) { handler_.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()), false); }
  void end_object(size_t members) { handler_.EndObject(static_cast<rapidjson::SizeType>(members)); }
  void begin_array() { handler_.StartArray(); }
  void element(size_t) {}
  void end_array(size_t elements) { handler_.EndArray(static_cast<rapidjson::SizeType>(elements)); }
  bool value(const char* begin, const char* end) {
    const size_t size = static_cast<size_t>(end - begin);
    if (*begin == '"' && !has_backslash(begin, size)) {  // most kept values: a plain string
      return handler_.String(begin + 1, static_cast<rapidjson::SizeType>(size - 2), false);
    }
    const char* refusal = nullptr;
    if (*begin == '-' || is_digit(*begin)) return detail::emit_number(handler_, begin, size, refusal);
    rapidjson::MemoryStream stream(begin, size);
    constexpr unsigned kFlags =
        rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseStopWhenDoneFlag;
    detail::ExactHandler<rapidjson::Document> exact(handler_);
    return !reader_.Parse<kFlags>(stream, exact).IsError();
  }

 private:
  rapidjson::Document& handler_;
  rapidjson::Reader& reader_;
};

// One record's scan. Every function returns false when it is not sure the text is what
// rapidjson accepts (the caller then parses the whole record); p only moves forward.
template <class Output>
class Scanner {
 public:
  Scanner(const char* data, size_t size, Output& out) : p_(data), end_(data + size), out_(out) {}

  bool record(const Node& root) {
    whitespace();
    if (p_ == end_ || *p_ != '{') return false;  // sessions are objects; anything else: the full parse decides
    if (!object(root)) return false;
    whitespace();
    return p_ == end_;
  }

 private:
  void whitespace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool value(const Node& node) {
    if (p_ == end_) return false;
    if (!node.whole && *p_ == '{') return object(node);
    if (!node.whole && *p_ == '[') return array(node);
    const char* begin = p_;
    return skip_value() && out_.value(begin, p_);
  }

  bool object(const Node& node) {
    ++p_;  // '{'
    out_.begin_object();
    whitespace();
    size_t kept = 0;
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      out_.end_object(kept);
      return true;
    }
    for (;;) {
      if (p_ == end_ || *p_ != '"') return false;
      const char* key = p_;
      if (!skip_string()) return false;
      const std::string_view name(key + 1, static_cast<size_t>(p_ - key - 2));
      // An escaped key may spell a kept name: rapidjson decodes it, so the full parse decides.
      if (has_backslash(name.data(), name.size())) return false;
      whitespace();
      if (p_ == end_ || *p_ != ':') return false;
      ++p_;
      whitespace();
      if (const Node* child = node.member(name)) {
        out_.key(kept++, name);
        if (!value(*child)) return false;
      } else if (!skip_value()) {
        return false;
      }
      bool more = false;
      if (!next_element('}', more)) return false;
      if (!more) break;
    }
    out_.end_object(kept);
    return true;
  }

  bool array(const Node& node) {
    ++p_;  // '['
    out_.begin_array();
    whitespace();
    size_t kept = 0;
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      out_.end_array(kept);
      return true;
    }
    for (;;) {
      if (node.elements) {
        out_.element(kept++);
        if (!value(*node.elements)) return false;
      } else if (!skip_value()) {  // no path steps into these elements: none is kept
        return false;
      }
      bool more = false;
      if (!next_element(']', more)) return false;
      if (!more) break;
    }
    out_.end_array(kept);
    return true;
  }

  // After a member or element: at a comma, sets `more` and moves past it and the whitespace
  // after it; at `close`, clears `more` and moves past it; anything else is not JSON.
  bool next_element(char close, bool& more) {
    whitespace();
    if (p_ == end_) return false;
    more = *p_ == ',';
    if (!more && *p_ != close) return false;
    ++p_;
    if (more) whitespace();
    return true;
  }

  // A key, the colon and the whitespace after it, inside a skipped object.
  bool member_key() {
    whitespace();
    if (p_ == end_ || *p_ != '"' || !skip_string()) return false;
    whitespace();
    if (p_ == end_ || *p_ != ':') return false;
    ++p_;
    return true;
  }

  // Any value, iteratively. Brackets deeper than 64 are left to the full parse (which is
  // iterative too); real records nest a few levels.
  bool skip_value() {
    uint64_t in_object = 0;  // bit k: level k+1 is an object
    int depth = 0;
    for (;;) {
      whitespace();
      if (p_ == end_) return false;
      switch (*p_) {
        case '"':
          if (!skip_string()) return false;
          break;
        case '{':
          ++p_;
          whitespace();
          if (p_ < end_ && *p_ == '}') {
            ++p_;
            break;
          }
          if (depth == 64) return false;
          in_object = in_object << 1 | 1;
          ++depth;
          if (!member_key()) return false;
          continue;
        case '[':
          ++p_;
          whitespace();
          if (p_ < end_ && *p_ == ']') {
            ++p_;
            break;
          }
          if (depth == 64) return false;
          in_object <<= 1;
          ++depth;
          continue;
        case 't':
          if (!literal("true", 4)) return false;
          break;
        case 'f':
          if (!literal("false", 5)) return false;
          break;
        case 'n':
          if (!literal("null", 4)) return false;
          break;
        default:
          if (!skip_number()) return false;
      }
      // After a value: close finished containers, or go on to the next element.
      for (;;) {
        if (depth == 0) return true;
        whitespace();
        if (p_ == end_) return false;
        const bool object = (in_object & 1) != 0;
        if (*p_ == ',') {
          ++p_;
          if (object && !member_key()) return false;
          break;
        }
        if (*p_ != (object ? '}' : ']')) return false;
        ++p_;
        in_object >>= 1;
        --depth;
      }
    }
  }

  bool literal(const char* word, size_t n) {
    if (static_cast<size_t>(end_ - p_) < n || std::memcmp(p_, word, n) != 0) return false;
    p_ += n;
    return true;
  }

  // RFC 8259 numbers. rapidjson refuses numbers past the double range ("Number too big"):
  // those with over 200 integer digits or a positive exponent of three digits are left to it.
  bool skip_number() {
    if (*p_ == '-') ++p_;
    const char* digits = p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && is_digit(*p_)) ++p_;
      if (p_ - digits > 200) return false;
    } else {
      return false;
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !is_digit(*p_)) return false;
      while (p_ < end_ && is_digit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      bool negative = false;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) negative = *p_++ == '-';
      const char* exponent = p_;
      if (p_ == end_ || !is_digit(*p_)) return false;
      while (p_ < end_ && is_digit(*p_)) ++p_;
      if (!negative && p_ - exponent > 2) return false;
    }
    return true;
  }

  bool hex4(const char* at, unsigned& code) const {
    if (end_ - at < 4) return false;
    code = 0;
    for (int i = 0; i < 4; ++i) {
      const int d = hex_digit(at[i]);
      if (d < 0) return false;
      code = code << 4 | static_cast<unsigned>(d);
    }
    return true;
  }

  // p at the opening quote; leaves p after the closing one. rapidjson's rules: no raw byte
  // below 0x20, escapes \" \\ \/ \b \f \n \r \t \uXXXX, a high surrogate escape followed by
  // a low one. Bytes from 0x80 are not checked (DocumentParser does not validate UTF-8).
  bool skip_string() {
    ++p_;
    for (;;) {
      p_ = find_string_special(p_, end_);
      if (p_ == end_) return false;
      if (*p_ == '"') {
        ++p_;
        return true;
      }
      if (*p_ != '\\') return false;  // a raw control byte
      if (end_ - p_ < 2) return false;
      const char e = p_[1];
      if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
        p_ += 2;
        continue;
      }
      if (e != 'u') return false;
      unsigned code = 0;
      if (!hex4(p_ + 2, code)) return false;
      p_ += 6;
      if (code >= 0xD800 && code <= 0xDBFF) {
        unsigned low = 0;
        if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u' || !hex4(p_ + 2, low) || low < 0xDC00 || low > 0xDFFF) return false;
        p_ += 6;
      }
    }
  }

  const char* p_;
  const char* end_;
  Output& out_;
};

}  // namespace

Projection::Projection() : root_(std::make_unique<Node>()) {}
Projection::~Projection() = default;
Projection::Projection(Projection&&) noexcept = default;
Projection& Projection::operator=(Projection&&) noexcept = default;

void Projection::keep(std::string_view path) {
  std::vector<std::string_view> parts;
  for (;;) {
    const size_t dot = path.find('.');
    parts.push_back(path.substr(0, dot));
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  keep_at(*root_, parts, 0);
}

void Projection::keep_member(std::string_view name) { keep_at(*root_, {name}, 0); }

Projection::Outcome Projection::project(const char* data, size_t size, std::string& out) const {
  const size_t before = out.size();
  TextOutput text(out);
  Scanner<TextOutput> scanner(data, size, text);
  if (root_->whole || !scanner.record(*root_)) {
    out.resize(before);
    return Outcome::unsure;
  }
  return Outcome::projected;
}

ProjectingParser::ProjectingParser(Projection projection)
    : projection_(std::move(projection)), pool_(arena_.get(), kArenaSize), document_(&pool_) {}

ProjectingParser::~ProjectingParser() = default;

const rapidjson::Value* ProjectingParser::parse(const char* data, size_t size, JsonError* error) {
  pool_.Clear();
  document_.SetNull();  // its old values lived in the pool just cleared (which never frees)
  bool projected = false;
  const auto generate = [&](rapidjson::Document& handler) {
    DomOutput out(handler, reader_);
    Scanner<DomOutput> scanner(data, size, out);
    projected = scanner.record(*projection_.root_);
    return projected;
  };
  document_.Populate(generate);
  if (projected) {
    ++projected_;
    return &document_;
  }
  ++parsed_whole_;
  return parser_.parse(data, size, error);
}

}  // namespace libstream
