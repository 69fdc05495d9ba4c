#include "json_text.hpp"

#include <libstream/document.hpp>
#include <libstream/hash.hpp>
#include <libstream/json.hpp>

#include <rapidjson/writer.h>

#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tracemill::normalize {

/// The compact JSON of `value`. One buffer serves every call, so serialising a large member
/// (a session's events) does not grow a fresh buffer from nothing each time.
rapidjson::StringBuffer& serialise(const Value& value) {
  thread_local rapidjson::StringBuffer buffer;
  buffer.Clear();
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return buffer;
}

std::string json_of(const Value& value) {
  // The Writer's bytes, with string runs copied in bulk (most of a transcript is strings).
  std::string out;
  if (libstream::append_json_value(out, value)) return out;
  const rapidjson::StringBuffer& buffer = serialise(value);  // a NaN or infinity: as the Writer leaves it
  return {buffer.GetString(), buffer.GetSize()};
}

std::string quote(std::string_view text) {
  std::string out;
  libstream::append_json_string(out, text);
  return out;
}

std::string number_json(double value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.Double(value);
  return {buffer.GetString(), buffer.GetSize()};
}

std::optional<std::string_view> text(const Value* value) {
  if (value == nullptr || !value->IsString()) return std::nullopt;
  return string_of(*value);
}

std::optional<int64_t> integer(const Value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->IsInt64()) return value->GetInt64();
  if (value->IsDouble()) {
    // Only a whole number inside int64's range converts (a cast outside it is undefined).
    const double d = value->GetDouble();
    if (std::isfinite(d) && d >= -9.2e18 && d <= 9.2e18 && d == std::trunc(d)) return static_cast<int64_t>(d);
  }
  if (value->IsString() && value->GetStringLength() > 0 && value->GetStringLength() < 19) {
    // Digits written as text ("12", "-3"); anything else ("-", "1-2") is not an integer.
    const std::string_view digits = string_of(*value);
    int64_t n = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (error == std::errc() && end == digits.data() + digits.size()) return n;
  }
  return std::nullopt;
}

std::optional<double> number(const Value* value) {
  if (value == nullptr || !value->IsNumber()) return std::nullopt;
  const double x = value->GetDouble();
  if (!std::isfinite(x)) return std::nullopt;
  return x;
}

/// Member `name` of `object`, or of the nested object `inner` ("time_record").
const Value* field(const Value& object, const char* name, const char* inner) {
  if (const Value* v = find_present(object, name)) return v;
  if (inner != nullptr) {
    if (const Value* nested = find_present(object, inner)) return find_present(*nested, name);
  }
  return nullptr;
}

std::string hex_id(std::string_view prefix, uint64_t hash) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016" PRIx64, hash);
  return std::string(prefix) + buffer;
}

namespace {

/// The first quote, backslash or byte below 0x20 in [p, end) (the bytes the Writer escapes), or end.
const char* first_special(const char* p, const char* end) {
#if defined(__SSE2__)
  while (end - p >= 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
                                     _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x));  // x <= 0x1F
    if (const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit))) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p < end && static_cast<unsigned char>(*p) >= 0x20 && *p != '"' && *p != '\\') ++p;
  return p;
}

/// Hashes a string as the Writer writes it (libstream::append_json_value): quoted; \" \\ \b
/// \f \n \r \t; other bytes below 0x20 as \u00XX in upper-case hex; everything else as it is.
uint64_t hash_string(const char* p, size_t n, uint64_t hash) {
  static const char kHex[] = "0123456789ABCDEF";
  hash = libstream::fnv1a64("\"", hash);
  const char* end = p + n;
  while (p < end) {
    const char* run = p;
    p = first_special(p, end);
    hash = libstream::fnv1a64(std::string_view(run, static_cast<size_t>(p - run)), hash);
    if (p == end) break;
    const auto c = static_cast<unsigned char>(*p++);
    const char* escape = nullptr;
    switch (c) {
      case '"': escape = "\\\""; break;
      case '\\': escape = "\\\\"; break;
      case '\b': escape = "\\b"; break;
      case '\f': escape = "\\f"; break;
      case '\n': escape = "\\n"; break;
      case '\r': escape = "\\r"; break;
      case '\t': escape = "\\t"; break;
      default: break;
    }
    if (escape != nullptr) {
      hash = libstream::fnv1a64(escape, hash);
    } else {
      const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      hash = libstream::fnv1a64(std::string_view(escaped, sizeof escaped), hash);
    }
  }
  return libstream::fnv1a64("\"", hash);
}

/// FNV-1a (libstream::fnv1a64) of the compact JSON of `value`, the bytes json_of writes, fed
/// piece by piece instead of written out first. False when json_of would not write it that way
/// (a NaN) or past libstream's nesting limit: the caller then hashes the written text.
bool hash_compact(const Value& value, uint64_t& hash, std::string& scratch, size_t depth) {
  if (depth > libstream::kMaxJsonDepth) return false;
  switch (value.GetType()) {
    case rapidjson::kStringType:
      hash = hash_string(value.GetString(), value.GetStringLength(), hash);
      return true;
    case rapidjson::kObjectType: {
      hash = libstream::fnv1a64("{", hash);
      bool first = true;
      for (const auto& m : value.GetObject()) {
        if (!first) hash = libstream::fnv1a64(",", hash);
        first = false;
        hash = libstream::fnv1a64(":", hash_string(m.name.GetString(), m.name.GetStringLength(), hash));
        if (!hash_compact(m.value, hash, scratch, depth + 1)) return false;
      }
      hash = libstream::fnv1a64("}", hash);
      return true;
    }
    case rapidjson::kArrayType: {
      hash = libstream::fnv1a64("[", hash);
      bool first = true;
      for (const Value& element : value.GetArray()) {
        if (!first) hash = libstream::fnv1a64(",", hash);
        first = false;
        if (!hash_compact(element, hash, scratch, depth + 1)) return false;
      }
      hash = libstream::fnv1a64("]", hash);
      return true;
    }
    default:  // numbers, true, false, null: as json_of prints them
      scratch.clear();
      if (!libstream::append_json_value(scratch, value)) return false;
      hash = libstream::fnv1a64(scratch, hash);
      return true;
  }
}

}  // namespace

std::string content_id(std::string_view prefix, const Value& value) {
  // The hash of the compact text, without writing the text out first (a whole record is hashed).
  thread_local std::string scratch;
  uint64_t hash = libstream::kFnvOffsetBasis;
  if (hash_compact(value, hash, scratch, 0)) return hex_id(prefix, libstream::fmix64(hash));
  // The Writer's bytes (json_of), in one buffer kept across calls.
  thread_local std::string text;
  text.clear();
  if (!libstream::append_json_value(text, value)) {
    const rapidjson::StringBuffer& buffer = serialise(value);
    text.assign(buffer.GetString(), buffer.GetSize());
  }
  return hex_id(prefix, libstream::stable_hash(text));
}

std::string names_json(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    libstream::append_json_string(out, names[i]);
  }
  return out + "]";
}

std::string array_json(const std::vector<std::string>& items) {
  size_t size = 2 + items.size();
  for (const std::string& item : items) size += item.size();
  std::string out;
  out.reserve(size);  // items are whole messages: one copy each, no regrowth
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += items[i];
  }
  out += ']';
  return out;
}

const Value* Embedded::resolve(const Value* value) {
  if (value == nullptr || !value->IsString()) return value;
  std::string_view s = string_of(*value);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  if (s.empty() || (s.front() != '{' && s.front() != '[')) return value;
  auto& document = documents_.emplace_back(&pool_);
  // Exact numbers, depth-limited, never rapidjson's own Parse (libstream/document.hpp).
  if (!libstream::parse_embedded_json(s, document)) return value;
  return &document;
}

}  // namespace tracemill::normalize
