// The pre-tokenisation split of an encoding (its pat_str) with PCRE2's JIT, matching tiktoken's
// regex engine (Rust's regex and fancy-regex). Private to libstream.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace libstream {

class Pretokenizer {
 public:
  /// Compiles tiktoken's `pattern`. Throws Error (data) when PCRE2 refuses it.
  explicit Pretokenizer(const std::string& pattern);
  ~Pretokenizer();
  Pretokenizer(const Pretokenizer&) = delete;
  Pretokenizer& operator=(const Pretokenizer&) = delete;

  /// The next piece of `text` (valid UTF-8) at or after `offset`: true with [begin, end) set,
  /// false when no piece is left. Safe from many threads at once.
  bool next(std::string_view text, size_t offset, size_t& begin, size_t& end) const;

  /// `pattern` as PCRE2 must read it: Rust's \s is Unicode White_Space, PCRE2's (with UCP)
  /// also takes U+180E, so \s and \S become explicit classes; \p{N} gains the numbers
  /// PCRE2's older Unicode tables lack. Exposed for the tests.
  [[nodiscard]] static std::string translate(const std::string& pattern);

 private:
  void* code_ = nullptr;  // pcre2_code_8, kept out of this header
};

}  // namespace libstream
