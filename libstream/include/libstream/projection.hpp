// A record reduced to the members a tool reads, found by one validating scan that skips
// everything else without building values: trace-stats reads eight fields of sessions whose
// bytes are mostly message text, and a DOM of all of it cost two thirds of its time.
//
// The contract that makes it safe: a projection is only ever an answer rapidjson would also
// give. Whatever the scan is not sure of (invalid JSON, escaped keys, numbers near the double
// range, a root that is not an object) is left to a full DocumentParser parse, which then
// decides, with its own error message. Tested against DocumentParser on JSONTestSuite and on
// every single-byte mutation of real records (tests/unit/projection_test.cpp).
#pragma once

#include <libstream/document.hpp>

#include <rapidjson/document.h>
#include <rapidjson/reader.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace libstream {

/// Which parts of a record to keep: dotted paths as find_path() reads them. A numeric step
/// or "*" steps into every element of an array ("messages.*.role" keeps each message's role
/// and the messages' count); the value at the end of a path is kept whole.
class Projection {
 public:
  Projection();
  ~Projection();
  Projection(Projection&&) noexcept;
  Projection& operator=(Projection&&) noexcept;

  void keep(std::string_view path);
  /// Keeps the top-level member `name` whole, whatever its characters (dots included).
  void keep_member(std::string_view name);

  enum class Outcome {
    projected,  ///< `out` holds the projected record, valid JSON
    unsure,     ///< not decided here: parse the whole record
  };
  /// Appends to `out` the JSON object holding only the kept members of [data, data+size),
  /// each as written (numbers byte for byte). Array elements keep their positions.
  [[nodiscard]] Outcome project(const char* data, size_t size, std::string& out) const;

  struct Node;

 private:
  friend class ProjectingParser;
  std::unique_ptr<Node> root_;
};

/// A DocumentParser that builds only the projection of each record: find_path() on the
/// result answers every kept path exactly as on the full record. Falls back to the full
/// parse when the projection is unsure, so errors and their messages are DocumentParser's.
class ProjectingParser {
 public:
  explicit ProjectingParser(Projection projection);
  ~ProjectingParser();
  ProjectingParser(const ProjectingParser&) = delete;
  ProjectingParser& operator=(const ProjectingParser&) = delete;

  /// As DocumentParser::parse(); the value is valid until the next call and while the bytes
  /// [data, data+size) are unchanged (its keys and plain strings point into them). Strings
  /// are not NUL-terminated: read them with their length (string_of).
  [[nodiscard]] const rapidjson::Value* parse(const char* data, size_t size, JsonError* error);
  /// The whole record, for the few a tool must see entirely.
  [[nodiscard]] const rapidjson::Value* parse_whole(const char* data, size_t size, JsonError* error) {
    return parser_.parse(data, size, error);
  }
  /// Records the scan decided alone, and those it left to the full parse.
  [[nodiscard]] uint64_t projected() const { return projected_; }
  [[nodiscard]] uint64_t parsed_whole() const { return parsed_whole_; }

 private:
  static constexpr size_t kArenaSize = size_t{64} << 10;  // a projection is a few hundred bytes
  Projection projection_;
  std::unique_ptr<char[]> arena_{new char[kArenaSize]};
  rapidjson::MemoryPoolAllocator<> pool_;
  rapidjson::Document document_;
  rapidjson::Reader reader_;
  DocumentParser parser_;  // the records the projection leaves to a full parse
  uint64_t projected_ = 0;
  uint64_t parsed_whole_ = 0;
};

}  // namespace libstream
