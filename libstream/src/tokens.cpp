#include <libstream/tokens.hpp>

#include <cstring>
#include <strings.h>

namespace libstream {

uint64_t estimate_tokens(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto letter = [](unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80; };
  const auto digit = [](unsigned char c) { return c >= '0' && c <= '9'; };
  const auto newline = [](unsigned char c) { return c == '\n' || c == '\r'; };
  const auto space = [&](unsigned char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v' || newline(c); };
  const size_t n = text.size();
  uint64_t tokens = 0;
  const auto piece = [&](size_t length) { tokens += 1 + (length > 0 ? (length - 1) / 8 : 0); };
  for (size_t i = 0; i < n;) {
    const unsigned char c = byte(i);
    if (c == '\'' && i + 1 < n) {  // 's 't 'm 'd 're 've 'll
      size_t length = 0;
      for (const char* suffix : {"re", "ve", "ll", "s", "t", "m", "d"}) {
        const size_t k = std::strlen(suffix);
        if (i + k < n + 0 && i + 1 + k <= n && strncasecmp(text.data() + i + 1, suffix, k) == 0) {
          length = k + 1;
          break;
        }
      }
      if (length > 0) {
        piece(length);
        i += length;
        continue;
      }
    }
    // [^\r\n\p{L}\p{N}]?\p{L}+ : letters, with one leading non-letter (often a space)
    if (letter(c) || (!newline(c) && !digit(c) && i + 1 < n && letter(byte(i + 1)))) {
      size_t j = letter(c) ? i : i + 1;
      while (j < n && letter(byte(j))) ++j;
      if (!letter(c) && c != ' ') ++tokens;  // BPE keeps a leading "!" or "(" apart from the word
      piece(j - i);
      i = j;
      continue;
    }
    if (digit(c)) {  // \p{N}{1,3}
      size_t j = i;
      while (j < n && j - i < 3 && digit(byte(j))) ++j;
      piece(j - i);
      i = j;
      continue;
    }
    // ' ?[^\s\p{L}\p{N}]+[\r\n]*' : punctuation, with one leading space
    const size_t start = c == ' ' && i + 1 < n ? i + 1 : i;
    if (start < n && !space(byte(start)) && !letter(byte(start)) && !digit(byte(start))) {
      size_t j = start;
      while (j < n && !space(byte(j)) && !letter(byte(j)) && !digit(byte(j))) ++j;
      while (j < n && newline(byte(j))) ++j;
      piece(j - i);
      i = j;
      continue;
    }
    // whitespace; a final space before a word goes with the word
    size_t j = i;
    while (j < n && space(byte(j))) ++j;
    if (j < n && j - i > 1 && byte(j - 1) == ' ') --j;
    piece(j - i);
    i = j;
  }
  return tokens;
}

}  // namespace libstream
