// The structural scan of an Inspect AI `.json` log (inspect_log.hpp). Only the top level and
// the elements of "samples" are followed; inside a value only strings, escapes and brackets
// matter, as in ValueReader, and the JSON parser checks each value afterwards.
#include <libstream/error.hpp>
#include <libstream/inspect_log.hpp>
#include <libstream/json.hpp>

#include <rapidjson/document.h>

namespace libstream {
namespace {

/// Bytes a number, true, false or null can hold (the parser checks the literal later).
bool is_scalar_byte(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '+' || c == '.';
}

std::string shown(char c) {
  if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) return std::string("'") + c + "'";
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
  return hex;
}

}  // namespace

InspectLogScanner::InspectLogScanner(std::string name, bool keep_members, bool keep_samples, size_t max_size,
                                     size_t kept_prefix)
    : name_(std::move(name)),
      keep_members_(keep_members),
      keep_samples_(keep_samples),
      max_size_(max_size),
      kept_prefix_(kept_prefix) {}

void InspectLogScanner::fail(const std::string& message) const {
  throw Error(ErrorKind::data, name_ + ":" + std::to_string(line_), message);
}

void InspectLogScanner::keep(const char* from, const char* to) {
  const auto n = static_cast<size_t>(to - from);
  value_size_ += n;
  if (!keeping_) return;
  if (value_size_ <= max_size_) {
    value_.append(from, n);
  } else if (value_.size() > kept_prefix_) {
    value_.resize(kept_prefix_);  // just went over the maximum: keep the start for the reject
  } else if (value_.size() < kept_prefix_) {
    value_.append(from, std::min(n, kept_prefix_ - value_.size()));
  }
}

void InspectLogScanner::begin_value(char c, uint64_t offset) {
  if (!is_scalar_byte(c) && c != '"' && c != '{' && c != '[') fail("expected a value, found " + shown(c));
  value_.clear();
  value_size_ = 0;
  value_line_ = line_;
  value_offset_ = offset;
  open_.clear();
  in_string_ = escaped_ = in_scalar_ = false;
}

bool InspectLogScanner::step_value(char c, bool& consumed) {
  consumed = true;
  if (in_string_) {
    if (escaped_) {
      escaped_ = false;
    } else if (c == '\\') {
      escaped_ = true;
    } else if (c == '"') {
      in_string_ = false;
      return open_.empty();
    } else if (c == '\n') {
      ++line_;  // not valid JSON, but keeps line numbers right for the parser's complaint
    }
    return false;
  }
  if (in_scalar_) {
    if (is_scalar_byte(c)) return false;
    in_scalar_ = false;
    if (open_.empty()) {
      consumed = false;  // the byte after a top-level scalar belongs to the structure around it
      return true;
    }
  }
  switch (c) {
    case '"': in_string_ = true; return false;
    case '{': open_.push_back('}'); return false;
    case '[': open_.push_back(']'); return false;
    case '}':
    case ']':
      if (open_.empty() || open_.back() != c) fail("a closing " + shown(c) + " that closes nothing open");
      open_.pop_back();
      return open_.empty();
    case '\n': ++line_; return false;
    case ' ': case '\t': case '\r': case ',': case ':': return false;
    default:
      if (!is_scalar_byte(c)) fail("unexpected " + shown(c));
      in_scalar_ = true;
      return false;
  }
}

InspectLogScanner::Event InspectLogScanner::scan(const char* data, size_t size, size_t& pos) {
  const size_t entry = pos;
  const auto at = [&] { return offset_ + (pos - entry); };
  const auto leave = [&](Event event) {
    offset_ += pos - entry;
    return event;
  };
  while (pos < size) {
    const char c = data[pos];
    if (state_ == State::in_value || state_ == State::in_sample) {
      const size_t start = pos;
      bool done = false;
      while (pos < size) {
        bool consumed = true;
        done = step_value(data[pos], consumed);
        if (consumed) ++pos;
        if (done) break;
      }
      keep(data + start, data + pos);
      if (!done) break;
      if (state_ == State::in_value) {
        state_ = State::after_value;
        return leave(Event::member);
      }
      ++sample_count_;
      state_ = State::after_sample;
      return leave(Event::sample);
    }
    if (state_ == State::in_key) {
      ++pos;
      if (escaped_) {
        escaped_ = false;
      } else if (c == '\\') {
        escaped_ = key_escaped_ = true;
      } else if (c == '"') {
        key_ = key_raw_;
        if (key_escaped_) {
          rapidjson::Document decoded;
          const std::string quoted = "\"" + key_raw_ + "\"";
          decoded.Parse(quoted.data(), quoted.size());
          if (decoded.HasParseError() || !decoded.IsString()) fail("a member name that is not a JSON string");
          key_.assign(decoded.GetString(), decoded.GetStringLength());
        }
        state_ = State::colon;
        return leave(Event::key);
      } else if (c == '\n') {
        fail("a member name broken by a line end");
      }
      if (key_raw_.size() > 65536) fail("a member name longer than 64 KiB");
      key_raw_ += c;
      continue;
    }
    if (is_json_space(c)) {
      if (c == '\n') ++line_;
      ++pos;
      continue;
    }
    switch (state_) {
      case State::before_document:
        // A UTF-8 byte-order mark may open the file.
        if (at() < 3 && static_cast<unsigned char>(c) == (at() == 0 ? 0xEF : at() == 1 ? 0xBB : 0xBF)) {
          ++pos;
          continue;
        }
        if (c != '{') fail("not a JSON object (an Inspect AI log is one)");
        ++pos;
        state_ = State::first_key;
        continue;
      case State::first_key:
      case State::key:
        if (c == '}' && state_ == State::first_key) {
          ++pos;
          state_ = State::after_document;
          return leave(Event::end);
        }
        if (c != '"') fail("expected a member name, found " + shown(c));
        ++pos;
        key_raw_.clear();
        key_escaped_ = escaped_ = false;
        state_ = State::in_key;
        continue;
      case State::colon:
        if (c != ':') fail("expected ':' after the member name \"" + key_ + "\", found " + shown(c));
        ++pos;
        state_ = State::value;
        continue;
      case State::value:
        samples_array_ = key_ == "samples" && c == '[';
        if (samples_array_) {
          ++pos;
          sample_count_ = 0;
          state_ = State::first_sample;
          continue;
        }
        begin_value(c, at());
        keeping_ = keep_members_;
        state_ = State::in_value;
        continue;
      case State::after_value:
        ++pos;
        if (c == ',') {
          state_ = State::key;
          continue;
        }
        if (c == '}') {
          state_ = State::after_document;
          return leave(Event::end);
        }
        --pos;
        fail("expected ',' or '}' after the member \"" + key_ + "\", found " + shown(c));
      case State::first_sample:
      case State::sample:
        if (c == ']' && state_ == State::first_sample) {
          ++pos;
          state_ = State::after_value;
          value_.clear();
          return leave(Event::member);
        }
        begin_value(c, at());
        keeping_ = keep_samples_;
        state_ = State::in_sample;
        continue;
      case State::after_sample:
        ++pos;
        if (c == ',') {
          state_ = State::sample;
          continue;
        }
        if (c == ']') {
          state_ = State::after_value;
          value_.clear();
          return leave(Event::member);
        }
        --pos;
        fail("expected ',' or ']' after sample " + std::to_string(sample_count_) + ", found " + shown(c));
      case State::after_document:
        return leave(Event::trailing);
      case State::in_key:
      case State::in_value:
      case State::in_sample:
        break;  // handled above
    }
  }
  return leave(Event::need_more);
}

void InspectLogScanner::finish() const {
  std::string inside;
  switch (state_) {
    case State::after_document: return;
    case State::before_document: fail("empty: no JSON object");
    case State::in_sample: inside = "inside sample " + std::to_string(sample_count_ + 1) + " of \"samples\""; break;
    case State::first_sample: inside = "inside \"samples\""; break;
    case State::after_sample:
    case State::sample: inside = "after sample " + std::to_string(sample_count_) + " of \"samples\""; break;
    case State::in_value:
    case State::colon:
    case State::value:
      inside = "inside the member \"" + key_ + "\"";
      break;
    default: inside = "before the log's closing brace"; break;
  }
  fail("the input ends " + inside + " (truncated?)");
}

}  // namespace libstream
