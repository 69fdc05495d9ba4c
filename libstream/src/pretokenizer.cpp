#include "pretokenizer.hpp"

#include <libstream/error.hpp>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cstdint>
#include <memory>

namespace libstream {
namespace {

// Unicode White_Space, which Rust's regex means by \s.
constexpr const char* kWhiteSpace =
    "\\t\\n\\x{0B}\\f\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

// Numbers tiktoken's Unicode tables have and Debian 12's PCRE2 lacks: the Kaktovik numerals
// (U+1D2C0..U+1D2D3, No), found by comparing every code point with tiktoken.
constexpr const char* kExtraNumbers = "\\x{1D2C0}-\\x{1D2D3}";

pcre2_code* code_of(void* code) { return static_cast<pcre2_code*>(code); }

std::string pcre2_message(int error) {
  PCRE2_UCHAR buffer[256];
  if (pcre2_get_error_message(error, buffer, sizeof buffer) < 0) return "error " + std::to_string(error);
  return reinterpret_cast<const char*>(buffer);
}

struct MatchData {
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  pcre2_jit_stack* stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
  MatchData() {
    pcre2_jit_stack_assign(context, nullptr, stack);
    // A run of 10 MB of spaces backtracks once per byte (\s*[\r\n]+ before \s+(?!\S)): linear,
    // but past PCRE2's default limit of 10 million steps.
    pcre2_set_match_limit(context, UINT32_MAX);
  }
  ~MatchData() {
    pcre2_jit_stack_free(stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
  MatchData(const MatchData&) = delete;
  MatchData& operator=(const MatchData&) = delete;
};

}  // namespace

std::string Pretokenizer::translate(const std::string& pattern) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char escaped = pattern[++i];
      if (escaped == 's') {
        out += in_class ? std::string(kWhiteSpace) : std::string("[") + kWhiteSpace + "]";
      } else if (escaped == 'S' && !in_class) {
        out += std::string("[^") + kWhiteSpace + "]";
      } else if (escaped == 'p' && pattern.compare(i + 1, 3, "{N}") == 0) {
        out += in_class ? std::string("\\p{N}") + kExtraNumbers : std::string("[\\p{N}") + kExtraNumbers + "]";
        i += 3;
      } else if (escaped == 'S') {
        throw Error(ErrorKind::data, "", "tokenizer: \\S inside a character class is not supported");
      } else {
        out += c;
        out += escaped;
      }
      continue;
    }
    if (c == '[' && !in_class) {
      in_class = true;
      out += c;
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];  // literal ] first
      continue;
    }
    if (c == ']' && in_class) in_class = false;
    out += c;
  }
  return out;
}

Pretokenizer::Pretokenizer(const std::string& pattern) {
  const std::string translated = translate(pattern);
  int error = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                                   PCRE2_UTF | PCRE2_UCP, &error, &error_offset, nullptr);
  if (code == nullptr) {
    throw Error(ErrorKind::data, "",
                "tokenizer: cannot compile the split pattern at " + std::to_string(error_offset) + ": " +
                    pcre2_message(error));
  }
  const int jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  if (jit != 0) {
    pcre2_code_free(code);
    throw Error(ErrorKind::data, "", "tokenizer: PCRE2 JIT refused the split pattern: " + pcre2_message(jit));
  }
  code_ = code;
}

Pretokenizer::~Pretokenizer() { pcre2_code_free(code_of(code_)); }

bool Pretokenizer::next(std::string_view text, size_t offset, size_t& begin, size_t& end) const {
  thread_local MatchData match;
  if (offset >= text.size()) return false;
  const int rc = pcre2_jit_match(code_of(code_), reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), offset,
                                 PCRE2_NO_UTF_CHECK, match.data, match.context);
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0) throw Error(ErrorKind::data, "", "tokenizer: splitting text failed: " + pcre2_message(rc));
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.data);
  begin = ovector[0];
  end = ovector[1];
  return true;
}

}  // namespace libstream
