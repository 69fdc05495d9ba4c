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
  std::string out;  // append_json_value appends the whole text at once: one allocation
  if (libstream::append_json_value(out, value)) return out;
  const rapidjson::StringBuffer& buffer = serialise(value);  // a NaN or infinity: as the Writer leaves it
  return {buffer.GetString(), buffer.GetSize()};
}

std::string text_or_json(const Value& value) { return value.IsString() ? std::string(string_of(value)) : json_of(value); }

std::string string_or_quoted_json(const Value& value) { return value.IsString() ? json_of(value) : quote(json_of(value)); }

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

std::string content_id(std::string_view prefix, const Value& value) {
  // The hash of the compact text (json_of's bytes), in one buffer kept across calls: a whole
  // record is hashed.
  thread_local std::string text;
  text.clear();
  if (!libstream::append_json_value(text, value)) {
    const rapidjson::StringBuffer& buffer = serialise(value);
    text.assign(buffer.GetString(), buffer.GetSize());
  }
  std::string id = hex_id(prefix, libstream::content_hash(text));
  if (text.capacity() > (size_t{4} << 20)) std::string().swap(text);  // memory stays flat
  return id;
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
