#include "text.hpp"

#include <libstream/document.hpp>
#include <libstream/hash.hpp>

#include <algorithm>

namespace tracemill::dedup {

using rapidjson::Value;

namespace {

void append_piece(std::string& out, std::string_view piece) {
  out.append(piece);
  out += '\n';
}

void append_message_text(const Value& message, std::string& out) {
  if (const Value* content = libstream::find_member(message, "content"); content != nullptr) {
    if (content->IsString()) {
      append_piece(out, libstream::string_of(*content));
    } else if (content->IsArray()) {
      for (const Value& part : content->GetArray()) {
        const Value* text = libstream::find_member(part, "text");
        if (text != nullptr && text->IsString()) append_piece(out, libstream::string_of(*text));
      }
    }
  }
  const Value* calls = libstream::find_member(message, "tool_calls");
  if (calls == nullptr || !calls->IsArray()) return;
  for (const Value& call : calls->GetArray()) {
    const Value* function = libstream::find_member(call, "function");
    if (function == nullptr) continue;
    for (const char* key : {"name", "arguments"}) {
      const Value* piece = libstream::find_member(*function, key);
      if (piece != nullptr && piece->IsString()) append_piece(out, libstream::string_of(*piece));
    }
  }
}

constexpr uint64_t rotate_left(uint64_t x, unsigned k) { return k == 0 ? x : (x << k) | (x >> (64 - k)); }

}  // namespace

void collect_strings(const Value& value, std::string& out) {
  if (value.IsString()) {
    append_piece(out, libstream::string_of(value));
  } else if (value.IsArray()) {
    for (const Value& element : value.GetArray()) collect_strings(element, out);
  } else if (value.IsObject()) {
    for (const auto& member : value.GetObject()) collect_strings(member.value, out);
  }
}

bool collect_text(const Value& record, const TextSelection& selection, std::string& out, std::string& problem) {
  if (!selection.field.empty()) {
    const Value* value = libstream::find_path(record, selection.field);
    if (value == nullptr) {
      problem = "no " + selection.field + " to compare (--field)";
      return false;
    }
    collect_strings(*value, out);
    return true;
  }
  const Value* messages = libstream::find_member(record, "messages");
  if (messages == nullptr || !messages->IsArray()) {
    problem = "no messages array to compare (a trace/v1 session or a chat example; or name the text with --field)";
    return false;
  }
  for (const Value& message : messages->GetArray()) {
    if (!message.IsObject()) continue;
    if (selection.scope == TextScope::assistant) {
      const Value* role = libstream::find_member(message, "role");
      if (role == nullptr || !role->IsString() || libstream::string_of(*role) != "assistant") continue;
    }
    append_message_text(message, out);
  }
  return true;
}

void word_hashes(std::string_view text, std::vector<uint64_t>& words) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    while (p < end && !is_word_byte(*p)) ++p;
    if (p == end) break;
    uint64_t hash = libstream::kFnvOffsetBasis;  // fnv1a64 of the lowercased word, as it is read
    while (p < end && is_word_byte(*p)) {
      const unsigned char c = (*p >= 'A' && *p <= 'Z') ? static_cast<unsigned char>(*p + ('a' - 'A')) : *p;
      hash = (hash ^ c) * 0x100000001b3ULL;
      ++p;
    }
    words.push_back(libstream::fmix64(hash));
  }
}

uint64_t window_hash(const uint64_t* words, size_t n) {
  // Each position rotated by a different amount (9 is odd: 64 distinct rotations), so the
  // order of the words matters; the xors are independent, unlike a chained hash.
  uint64_t h = n;
  for (size_t i = 0; i < n; ++i) h ^= rotate_left(words[i], static_cast<unsigned>((9 * i) & 63));
  return libstream::fmix64(h);
}

uint64_t normalized_hash(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  uint64_t hash = libstream::kFnvOffsetBasis;
  bool pending_space = false;
  bool started = false;
  for (const char c : text) {
    if (is_space(c)) {
      pending_space = started;
      continue;
    }
    if (pending_space) {
      hash = (hash ^ static_cast<unsigned char>(' ')) * 0x100000001b3ULL;
      pending_space = false;
    }
    started = true;
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
    hash = (hash ^ static_cast<unsigned char>(lower)) * 0x100000001b3ULL;
  }
  return libstream::fmix64(hash);  // == stable_hash(normalised text)
}

void NgramIndex::add(std::string_view text, uint32_t item) {
  words_.clear();
  word_hashes(text, words_);
  if (words_.empty()) return;
  const size_t length = std::min(n_, words_.size());
  if (std::find(lengths_.begin(), lengths_.end(), length) == lengths_.end()) {
    lengths_.push_back(length);
    std::sort(lengths_.rbegin(), lengths_.rend());
  }
  for (size_t i = 0; i + length <= words_.size(); ++i) grams_.emplace(window_hash(&words_[i], length), item);
}

std::optional<uint32_t> NgramIndex::find(const std::vector<uint64_t>& words) const {
  for (const size_t length : lengths_) {
    for (size_t i = 0; i + length <= words.size(); ++i) {
      const auto it = grams_.find(window_hash(&words[i], length));
      if (it != grams_.end()) return it->second;
    }
  }
  return std::nullopt;
}

}  // namespace tracemill::dedup
