#include <libstream/document.hpp>
#include <libstream/json.hpp>

#include "exact_json.hpp"
#include "insitu_stream.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstring>

namespace libstream {
namespace {

// Iterative: bounded stack whatever the nesting. Numbers as strings: verbatim, and faster.
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag;

// The record rule every parser in libstream shares (document.hpp): a number past the double
// range is refused. Only a number of five characters or more can be (rapidjson itself
// refuses 1e309 and longer exponents), so short numbers cost one comparison.
bool number_fits(const char* text, rapidjson::SizeType length, const char*& refusal) {
  if (length < 5 || !detail::number_too_big(text, length)) return true;
  refusal = detail::kNumberTooBig;
  return false;
}

struct CheckHandler : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, CheckHandler> {
  const char* refusal = nullptr;
  bool RawNumber(const char* text, rapidjson::SizeType length, bool /*copy*/) { return number_fits(text, length, refusal); }
};

struct CaptureHandler : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, CaptureHandler> {
  const char* refusal = nullptr;
  std::string_view key;
  std::string* value = nullptr;
  bool* found = nullptr;
  int depth = 0;
  bool at_key_value = false;

  bool Default() {
    at_key_value = false;
    return true;
  }
  bool Capture(const char* text, rapidjson::SizeType length) {
    if (at_key_value) {
      value->assign(text, length);
      *found = true;
    }
    at_key_value = false;
    return true;
  }
  bool String(const char* text, rapidjson::SizeType length, bool /*copy*/) { return Capture(text, length); }
  bool RawNumber(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    return number_fits(text, length, refusal) && Capture(text, length);
  }
  bool Key(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    at_key_value = depth == 1 && length == key.size() && std::memcmp(text, key.data(), length) == 0;
    return true;
  }
  bool StartObject() {
    at_key_value = false;
    ++depth;
    return true;
  }
  bool EndObject(rapidjson::SizeType /*members*/) {
    --depth;
    return true;
  }
  bool StartArray() {
    at_key_value = false;
    ++depth;
    return true;
  }
  bool EndArray(rapidjson::SizeType /*elements*/) {
    --depth;
    return true;
  }
};

// Forwards SAX events to a Writer; numbers go out as their original text.
template <typename Writer>
struct CompactHandler : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, CompactHandler<Writer>> {
  explicit CompactHandler(Writer& w) : writer(w) {}
  Writer& writer;
  const char* refusal = nullptr;
  bool Null() { return writer.Null(); }
  bool Bool(bool b) { return writer.Bool(b); }
  bool RawNumber(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    // Writer::RawNumber would quote it.
    return number_fits(text, length, refusal) && writer.RawValue(text, length, rapidjson::kNumberType);
  }
  bool String(const char* text, rapidjson::SizeType length, bool copy) { return writer.String(text, length, copy); }
  bool Key(const char* text, rapidjson::SizeType length, bool copy) { return writer.Key(text, length, copy); }
  bool StartObject() { return writer.StartObject(); }
  bool EndObject(rapidjson::SizeType members) { return writer.EndObject(members); }
  bool StartArray() { return writer.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) { return writer.EndArray(elements); }
};

template <unsigned Flags, typename Stream, typename Handler>
bool parse_stream(rapidjson::Reader& reader, Stream& stream, const char* data, size_t size, Handler& handler,
                  JsonError* error) {
  const rapidjson::ParseResult result = reader.Parse<Flags>(stream, handler);
  if (result.IsError()) {
    if (error != nullptr) {
      // A NUL byte reads as the end of input to rapidjson: name it for what it is.
      const size_t offset = result.Offset();
      if (offset < size && data[offset] == '\0') {
        *error = JsonError{"unexpected NUL byte", offset};
      } else {
        std::string message = result.Code() == rapidjson::kParseErrorTermination && handler.refusal != nullptr
                                  ? handler.refusal
                                  : rapidjson::GetParseError_En(result.Code());
        if (!message.empty() && message.back() == '.') message.pop_back();
        *error = JsonError{std::move(message), offset};
      }
    }
    return false;
  }
  if (stream.Tell() != size) {  // stopped early at a NUL byte after the value
    if (error != nullptr) *error = JsonError{"unexpected NUL byte", stream.Tell()};
    return false;
  }
  return true;
}

template <typename Handler>
bool parse_one(rapidjson::Reader& reader, const char* data, size_t size, Handler& handler, JsonError* error) {
  rapidjson::MemoryStream stream(data, size);
  return parse_stream<kParseFlags>(reader, stream, data, size, handler, error);
}

// In situ on a copy: strings are decoded where they lie instead of into a side stack,
// which is about 40% faster (bench_parse), and the caller's bytes stay untouched.
template <typename Handler>
bool parse_copy_insitu(rapidjson::Reader& reader, std::string& scratch, const char* data, size_t size,
                       Handler& handler, JsonError* error) {
  scratch.assign(data, size);  // std::string keeps a NUL after the last byte
  detail::ScanningInsituStream stream(&scratch[0], scratch.data() + size);
  return parse_stream<kParseFlags | rapidjson::kParseInsituFlag>(reader, stream, data, size, handler, error);
}

}  // namespace

std::string JsonError::describe() const {
  return "invalid JSON: " + message + " (byte " + std::to_string(offset + 1) + ")";
}

struct JsonChecker::Impl {
  rapidjson::Reader reader;
  std::string scratch;
  CheckHandler check;
  CaptureHandler capture;
};

JsonChecker::JsonChecker() : impl_(new Impl) {}
JsonChecker::~JsonChecker() { delete impl_; }

bool JsonChecker::check(const char* data, size_t size, JsonError* error) {
  impl_->check.refusal = nullptr;
  return parse_copy_insitu(impl_->reader, impl_->scratch, data, size, impl_->check, error);
}

bool JsonChecker::check_capture(const char* data, size_t size, std::string_view key, std::string& value, bool& found,
                                JsonError* error) {
  found = false;
  CaptureHandler& handler = impl_->capture;
  handler.key = key;
  handler.value = &value;
  handler.found = &found;
  handler.depth = 0;
  handler.at_key_value = false;
  handler.refusal = nullptr;
  return parse_copy_insitu(impl_->reader, impl_->scratch, data, size, handler, error);
}

bool append_compact_json(const char* data, size_t size, std::string& out, JsonError* error) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  CompactHandler<rapidjson::Writer<rapidjson::StringBuffer>> handler(writer);
  rapidjson::Reader reader;
  if (!parse_one(reader, data, size, handler, error)) return false;
  out.append(buffer.GetString(), buffer.GetSize());
  return true;
}

namespace {

// Length of the valid UTF-8 sequence at text[i], or 0 if it is not valid.
size_t utf8_sequence_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t length = 0;
  uint32_t min = 0;
  uint32_t code = 0;
  if ((c & 0xE0) == 0xC0) {
    length = 2, min = 0x80, code = c & 0x1Fu;
  } else if ((c & 0xF0) == 0xE0) {
    length = 3, min = 0x800, code = c & 0x0Fu;
  } else if ((c & 0xF8) == 0xF0) {
    length = 4, min = 0x10000, code = c & 0x07u;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3Fu);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    // ASCII runs, most of any trace, 16 bytes at a time.
#if defined(__SSE2__)
    while (i + 16 <= text.size()) {
      const int high = _mm_movemask_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i)));
      if (high != 0) {
        i += static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(high)));
        break;
      }
      i += 16;
    }
    if (i == text.size()) break;
#endif
    const size_t length = utf8_sequence_length(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

namespace {

// The first byte at or after `p` that append_json_string cannot copy as it is: '"', '\\', a
// control byte, DEL or any byte >= 0x80 (checked as UTF-8). Most text is plain ASCII runs.
const char* find_plain_end(const char* p, const char* end) {
#if defined(__SSE2__)
  while (end - p >= 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed: bytes >= 0x80 are negative, so "x < 0x20" also catches them.
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
                                     _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7F))));
    if (const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit))) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p < end) {
    const auto c = static_cast<unsigned char>(*p);
    if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') break;
    ++p;
  }
  return p;
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  out.push_back('"');
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const char* p = begin;
  while (p < end) {
    const char* run = p;
    p = find_plain_end(p, end);
    // Valid UTF-8 sequences join the run: copied in bulk with the ASCII around them.
    while (p < end && static_cast<unsigned char>(*p) >= 0x80) {
      const size_t length = utf8_sequence_length(text, static_cast<size_t>(p - begin));
      if (length == 0) break;
      p = find_plain_end(p + length, end);
    }
    out.append(run, static_cast<size_t>(p - run));
    if (p == end) break;
    const auto c = static_cast<unsigned char>(*p++);
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      default:
        if (c >= 0x80) {
          out.append("\xEF\xBF\xBD");  // not UTF-8: the replacement character
        } else {
          const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
          out.append(escaped, sizeof escaped);
        }
    }
  }
  out.push_back('"');
}

std::string base64_encode(std::string_view bytes) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  const auto at = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(v >> shift) & 0x3F]);
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = at(i) << 16;
    if (rest == 2) v |= at(i + 1) << 8;
    out.push_back(kAlphabet[(v >> 18) & 0x3F]);
    out.push_back(kAlphabet[(v >> 12) & 0x3F]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 0x3F] : '=');
    out.push_back('=');
  }
  return out;
}

namespace {

/// Index just past the string whose opening quote is at `i`, or npos. Jumps from quote to
/// quote with memchr; a quote preceded by an odd run of backslashes is escaped.
size_t skip_string(std::string_view s, size_t i) {
  for (size_t from = i + 1; from < s.size();) {
    const void* hit = std::memchr(s.data() + from, '"', s.size() - from);
    if (hit == nullptr) return std::string_view::npos;
    const size_t quote = static_cast<size_t>(static_cast<const char*>(hit) - s.data());
    size_t backslashes = 0;
    while (quote - backslashes > i + 1 && s[quote - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return quote + 1;
    from = quote + 1;
  }
  return std::string_view::npos;
}

/// Index just past the value starting at `i`.
size_t skip_value(std::string_view s, size_t i) {
  if (i >= s.size()) return std::string_view::npos;
  if (s[i] == '"') return skip_string(s, i);
  if (s[i] != '{' && s[i] != '[') {
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !is_json_space(s[i])) ++i;
    return i;
  }
  int depth = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"') {
      i = skip_string(s, i);
      if (i == std::string_view::npos) return i;
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
    ++i;
  }
  return std::string_view::npos;
}

}  // namespace

bool top_level_members(std::string_view s, std::vector<std::pair<std::string_view, std::string_view>>& members) {
  members.clear();
  size_t i = 0;
  const auto space = [&] {
    while (i < s.size() && is_json_space(s[i])) ++i;
  };
  space();
  if (i >= s.size() || s[i] != '{') return false;
  ++i;
  for (;;) {
    space();
    if (i >= s.size()) return false;
    if (s[i] == '}') return true;
    if (s[i] == ',') {
      ++i;
      continue;
    }
    if (s[i] != '"') return false;
    const size_t key_end = skip_string(s, i);
    if (key_end == std::string_view::npos) return false;
    const std::string_view key = s.substr(i + 1, key_end - i - 2);
    i = key_end;
    space();
    if (i >= s.size() || s[i] != ':') return false;
    ++i;
    space();
    const size_t value_end = skip_value(s, i);
    if (value_end == std::string_view::npos) return false;
    members.emplace_back(key, s.substr(i, value_end - i));
    i = value_end;
  }
}

}  // namespace libstream
