#include "span_session.hpp"

#include <libstream/document.hpp>
#include <libstream/time.hpp>

#include <rapidjson/reader.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

namespace tracemill::normalize::spans {

const Value* Span::attribute(std::string_view key) const {
  const auto it = attributes.FindMember(Value(rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size()))));
  return it == attributes.MemberEnd() ? nullptr : &it->value;
}

std::string Span::conversation_id() const {
  for (const char* key : {"gen_ai.conversation.id", "session.id"}) {
    if (auto id = text(attribute(key)); id && !id->empty()) return std::string(*id);
  }
  return {};
}

std::map<size_t, std::vector<std::pair<std::string, const Value*>>> indexed_attributes(const Span& span, std::string_view prefix,
                                                                                     std::set<std::string>& used) {
  std::map<size_t, std::vector<std::pair<std::string, const Value*>>> out;
  for (const auto& m : span.attributes.GetObject()) {
    const std::string_view key = string_of(m.name);
    if (key.size() <= prefix.size() || key.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string_view rest = key.substr(prefix.size());
    size_t index = 0;
    const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), index);
    if (error != std::errc() || end == rest.data()) continue;
    const std::string_view after = rest.substr(static_cast<size_t>(end - rest.data()));
    if (!after.empty() && after.front() != '.') continue;
    out[index].emplace_back(std::string(after.empty() ? after : after.substr(1)), &m.value);
    used.emplace(key);
  }
  return out;
}

// ---- ids ----

namespace {

bool all_hex(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

std::string to_hex(std::string_view bytes) {
  static const char* const kDigits = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out += kDigits[byte >> 4];
    out += kDigits[byte & 15];
  }
  return out;
}

std::string pad(std::string hex, size_t width) {
  if (hex.size() < width) hex.insert(0, width - hex.size(), '0');
  return hex;
}

__extension__ using Uint128 = unsigned __int128;  // GCC and Clang: ids are 128-bit numbers

/// A decimal text of up to 128 bits as hex; empty when it is not one.
std::string decimal_hex(std::string_view digits) {
  if (digits.empty() || digits.size() > 39) return {};
  Uint128 n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return {};
    const Uint128 next = n * 10 + static_cast<unsigned>(c - '0');
    if (next / 10 != n) return {};  // past 128 bits
    n = next;
  }
  std::string out;
  do {
    out.insert(out.begin(), "0123456789abcdef"[static_cast<unsigned>(n & 15)]);
    n >>= 4;
  } while (n != 0);
  return out;
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+' || c == '-') v = 62;
    else if (c == '/' || c == '_') v = 63;
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

std::string id_hex(const Value* value, size_t width, std::string_view exact) {
  if (value == nullptr || value->IsNull()) return {};
  if (value->IsUint64()) return pad(decimal_hex(std::to_string(value->GetUint64())), width);
  if (value->IsNumber()) return exact.empty() ? std::string() : pad(decimal_hex(exact), width);
  if (!value->IsString()) return {};
  std::string_view text = string_of(*value);
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) text.remove_prefix(2);
  if (text.empty()) return {};
  // OTLP/JSON writes hex; protobuf's JSON mapping writes bytes as base64 (24 or 12 characters with
  // padding, 22 or 11 without: an all-hex text of those lengths is read as base64).
  if (all_hex(text) && (text.size() == width || text.size() != (width == 32 ? 22 : 11))) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  }
  if (auto bytes = base64_decode(text); bytes && bytes->size() * 2 == width) return to_hex(*bytes);
  if (all_hex(text)) return std::string(text);
  return std::string(text);  // an id in no known encoding stays as written
}

// ---- times ----

std::optional<int64_t> time_ns(const Value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->IsInt64()) return value->GetInt64();
  if (value->IsUint64()) return std::nullopt;
  if (value->IsArray() && value->Size() == 2) {  // hrtime [seconds, nanoseconds]
    auto s = integer(&(*value)[0]), ns = integer(&(*value)[1]);
    if (s && ns) return *s * 1000000000 + *ns;
    return std::nullopt;
  }
  if (!value->IsString()) return std::nullopt;
  const std::string_view t = string_of(*value);
  int64_t n = 0;
  if (const auto [end, error] = std::from_chars(t.data(), t.data() + t.size(), n); error == std::errc() && end == t.data() + t.size()) return n;
  // ISO text: microseconds from the shared parser, the sub-microsecond digits added back.
  auto micros = libstream::parse_instant(t);
  if (!micros) return std::nullopt;
  int64_t extra = 0;
  if (const size_t dot = t.find('.'); dot != std::string_view::npos) {
    size_t digits = 0;
    for (size_t i = dot + 1; i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])) != 0; ++i, ++digits) {
      if (digits >= 6 && digits < 9) extra = extra * 10 + (t[i] - '0');
    }
    for (size_t d = digits; d < 9 && digits > 6; ++d) extra *= 10;
    if (digits <= 6) extra = 0;
  }
  return *micros * 1000 + extra;
}

// ---- attributes ----

void copy_value(const Value& source, Value& out, rapidjson::Document::AllocatorType& allocator) {
  if (source.IsString()) {
    out.SetString(source.GetString(), source.GetStringLength(), allocator);
  } else if (source.IsArray()) {
    out.SetArray();
    for (const Value& item : source.GetArray()) {
      Value copy;
      copy_value(item, copy, allocator);
      out.PushBack(copy, allocator);
    }
  } else if (source.IsObject()) {
    out.SetObject();
    for (const auto& m : source.GetObject()) {
      Value copy;
      copy_value(m.value, copy, allocator);
      out.AddMember(Value(m.name.GetString(), m.name.GetStringLength(), allocator), copy, allocator);
    }
  } else {
    out.CopyFrom(source, allocator);  // numbers, booleans, null: no strings to own
  }
}

void decode_any_value(const Value& any, Value& out, rapidjson::Document::AllocatorType& allocator) {
  if (!any.IsObject() || any.MemberCount() == 0) {
    copy_value(any, out, allocator);  // not an AnyValue: kept as it is
    return;
  }
  if (const Value* s = find_member(any, "stringValue"); s != nullptr && s->IsString()) {
    out.SetString(s->GetString(), s->GetStringLength(), allocator);
  } else if (const Value* i = find_member(any, "intValue")) {
    if (auto n = integer(i)) {
      out.SetInt64(*n);  // protobuf JSON writes int64 as a string
    } else if (i->IsUint64()) {
      out.SetUint64(i->GetUint64());
    } else {
      copy_value(*i, out, allocator);
    }
  } else if (const Value* d = find_member(any, "doubleValue")) {
    if (d->IsString()) {
      const std::string_view t = string_of(*d);
      double x = 0;
      if (auto [end, error] = std::from_chars(t.data(), t.data() + t.size(), x); error == std::errc() && end == t.data() + t.size()) {
        out.SetDouble(x);
      } else {
        copy_value(*d, out, allocator);  // "NaN", "Infinity": kept as text
      }
    } else {
      copy_value(*d, out, allocator);
    }
  } else if (const Value* b = find_member(any, "boolValue")) {
    copy_value(*b, out, allocator);
  } else if (const Value* a = find_member(any, "arrayValue")) {
    out.SetArray();
    if (const Value* values = find_member(*a, "values"); values != nullptr && values->IsArray()) {
      for (const Value& v : values->GetArray()) {
        Value item;
        decode_any_value(v, item, allocator);
        out.PushBack(item, allocator);
      }
    }
  } else if (const Value* kv = find_member(any, "kvlistValue")) {
    out.SetObject();
    if (const Value* values = find_member(*kv, "values"); values != nullptr && values->IsArray()) {
      for (const Value& pair : values->GetArray()) {
        auto key = text(find_member(pair, "key"));
        const Value* v = find_member(pair, "value");
        if (!key) continue;
        Value item;
        if (v != nullptr) decode_any_value(*v, item, allocator);
        out.AddMember(Value(key->data(), static_cast<rapidjson::SizeType>(key->size()), allocator), item, allocator);
      }
    }
  } else if (const Value* bytes = find_member(any, "bytesValue")) {
    copy_value(*bytes, out, allocator);  // base64 text, as written
  } else {
    copy_value(any, out, allocator);
  }
}

namespace {

bool all_objects(const Value& array) {
  if (!array.IsArray() || array.Empty()) return false;
  for (const Value& v : array.GetArray()) {
    if (!v.IsObject()) return false;
  }
  return true;
}

void set_flat(rapidjson::Document& flat, const std::string& key, const Value& value, int depth) {
  auto& allocator = flat.GetAllocator();
  // Nested objects (Phoenix exports) and lists of objects (OpenInference messages) become dotted keys.
  if (depth < 64 && value.IsObject() && value.MemberCount() > 0) {
    for (const auto& m : value.GetObject()) set_flat(flat, key + "." + std::string(string_of(m.name)), m.value, depth + 1);
    return;
  }
  if (depth < 64 && all_objects(value)) {
    for (rapidjson::SizeType i = 0; i < value.Size(); ++i) set_flat(flat, key + "." + std::to_string(i), value[i], depth + 1);
    return;
  }
  Value name(key.data(), static_cast<rapidjson::SizeType>(key.size()), allocator);
  if (auto it = flat.FindMember(name); it != flat.MemberEnd()) {
    copy_value(value, it->value, allocator);  // a key written twice: the later wins, as in OTel SDKs
    return;
  }
  Value copy;
  copy_value(value, copy, allocator);
  flat.AddMember(name, copy, allocator);
}

}  // namespace

void decode_attributes(const Value* source, rapidjson::Document& flat) {
  if (source == nullptr) return;
  if (!flat.IsObject()) flat.SetObject();
  if (source->IsArray()) {
    for (const Value& pair : source->GetArray()) {
      auto key = text(find_member(pair, "key"));
      if (!key) continue;
      Value plain;
      if (const Value* v = find_member(pair, "value")) decode_any_value(*v, plain, flat.GetAllocator());
      set_flat(flat, std::string(*key), plain, 64);  // typed values keep their shape (a kvlist stays an object)
    }
    return;
  }
  if (source->IsObject()) {
    for (const auto& m : source->GetObject()) set_flat(flat, std::string(string_of(m.name)), m.value, 0);
  }
}

namespace {

struct BigIntegers : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, BigIntegers> {
  std::map<double, std::string>* out;
  bool RawNumber(const char* s, rapidjson::SizeType length, bool) {
    const std::string_view t(s, length);
    if (t.find_first_of(".eE-") != std::string_view::npos || length < 20) return true;
    uint64_t fits = 0;
    if (auto [end, error] = std::from_chars(t.data(), t.data() + t.size(), fits); error == std::errc()) return true;
    const std::string digits(t);
    (*out)[std::strtod(digits.c_str(), nullptr)] = digits;
    return true;
  }
};

}  // namespace

std::map<double, std::string> big_integers(std::string_view json) {
  std::map<double, std::string> out;
  if (json.find_first_of("0123456789") == std::string_view::npos) return out;
  BigIntegers handler;
  handler.out = &out;
  rapidjson::Reader reader;
  std::string copy(json);  // the stream reads up to a NUL
  rapidjson::StringStream stream(copy.c_str());
  // Iterative: no recursion however deep the record; numbers as text: the exact digits.
  reader.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag>(stream, handler);
  return out;
}

Value parse_kept(std::string_view json, rapidjson::Document::AllocatorType& allocator) {
  rapidjson::Document parsed(&allocator);
  Value out;
  if (libstream::parse_embedded_json(json, parsed)) out.Swap(parsed);
  return out;
}

// ---- grouping ----

SpanWindow::SpanWindow(size_t max_groups, Emit emit) : max_groups_(std::max<size_t>(max_groups, 1)), emit_(std::move(emit)) {}

void SpanWindow::add(std::unique_ptr<Span> span) {
  span->arrival = arrivals_++;
  std::vector<std::string> keys;
  if (!span->trace_id.empty()) keys.push_back("t:" + span->trace_id);
  const std::string conversation = span->conversation_id();
  if (!conversation.empty()) keys.push_back("c:" + conversation);
  if (keys.empty()) keys.push_back("s:" + std::to_string(span->arrival));  // a span of no trace: alone
  const std::string hint = span->session_hint.empty() ? "span-" + std::to_string(span->arrival) : span->session_hint;

  std::optional<Iterator> group;
  for (const std::string& key : keys) {
    const auto found = by_key_.find(key);
    if (found == by_key_.end()) continue;
    if (!group) {
      group = found->second;
    } else if (found->second != *group) {
      // A trace meets its conversation: the two groups become one.
      const Iterator other = found->second;
      for (auto& s : other->spans) (*group)->spans.push_back(std::move(s));
      for (const std::string& k : other->keys) {
        by_key_[k] = *group;
        (*group)->keys.push_back(k);
      }
      groups_.erase(other);
    }
  }
  if (!group) {
    groups_.emplace_back();
    group = std::prev(groups_.end());
    (*group)->session_id = keys.front()[0] == 's' ? hint : keys.front().substr(2);
    for (const std::string& key : keys) {
      if (auto it = written_parts_.find(std::hash<std::string>{}(key)); it != written_parts_.end()) {
        (*group)->part = std::max((*group)->part, it->second + 1);
      }
    }
    if ((*group)->part > 1) ++splits_;
  }
  Group& g = **group;
  for (const std::string& key : keys) {
    if (by_key_.emplace(key, *group).second && std::find(g.keys.begin(), g.keys.end(), key) == g.keys.end()) g.keys.push_back(key);
  }
  if (!conversation.empty()) g.session_id = conversation;  // a conversation names the session
  g.spans.push_back(std::move(span));
  groups_.splice(groups_.end(), groups_, *group);  // most recently touched last
  while (groups_.size() > max_groups_) emit(groups_.begin());
}

void SpanWindow::emit(Iterator group) {
  for (const std::string& key : group->keys) {
    by_key_.erase(key);
    size_t& parts = written_parts_[std::hash<std::string>{}(key)];
    parts = std::max(parts, group->part);
  }
  emit_(group->spans, group->session_id, group->part);
  groups_.erase(group);
}

void SpanWindow::flush_all() {
  while (!groups_.empty()) emit(groups_.begin());
}

std::string part_session_id(const std::string& session_id, size_t part, const std::function<void(const std::string&)>& warn) {
  if (part <= 1) return session_id;
  const std::string id = session_id + "~" + std::to_string(part);
  warn("trace " + session_id + " split: spans arrived after its session was written (raise --span-window); this is part " +
       std::to_string(part) + ", session " + id);
  return id;
}

}  // namespace tracemill::normalize::spans
