// The ATOF dialect's reading of one event line, whatever its version (atof.cpp maps sessions):
// the event in one shape, and the payload helpers (texts, response members, tool calls).
#pragma once

#include "dialect.hpp"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tracemill::normalize::atof {

enum class Kind { scope, mark, other };
enum class Phase { none, start, end };

/// One line, read into the shape every ATOF version shares.
struct Event {
  const SessionLine* line = nullptr;
  Kind kind = Kind::other;
  Phase phase = Phase::none;
  std::string category, uuid, parent, name, status;
  const Value* payload = nullptr;  // data (0.x), or input/output (drafts) when given
  const char* payload_key = "data";
  const Value* profile = nullptr;  // category_profile, or the drafts' profile
  std::optional<int64_t> micros;
  size_t position = 0;
};

/// Whether a line is an ATOF event: `kind` with `atof_version`, or a draft kind with `uuid`.
bool recognise(const Value& v);
/// A root scope's lines (start or end, no parent) name the session: "atof:" + its uuid.
std::string session_key(const Value& v);
Event read_event(const SessionLine& line, size_t position);
std::string_view str(const Value* v);
/// `key` of the event's category_profile (else of the event itself, as the drafts wrote it), or empty.
std::string profile_text(const Event* e, const char* key);
/// The event's members but `skip`, as a JSON object, copied as written when the line's text is known.
std::string event_rest(const Event& e, std::initializer_list<std::string_view> skip);
/// The event line as read.
std::string raw_json(const Event& e);
/// A payload as message text: a string as it is; {key: value} unwrapped when that key (one of
/// `keys`) is its only member; with `unwrapped`, any lone string member too (its key written
/// there); anything else as its JSON text.
std::string payload_text(const Value* p, std::initializer_list<const char*> keys, std::string* unwrapped = nullptr);
/// A provider response's members but the message the chat holds (Anthropic `content`, the
/// first choice's `message`, the first candidate's `content`), as JSON; empty when none.
std::string response_rest(const Value& response);
/// The (id, name) of a message's tool calls, appended to `out`.
void calls_of(const Message& m, std::vector<std::pair<std::string, std::string>>& out);
std::string instant(const std::optional<int64_t>& micros);

}  // namespace tracemill::normalize::atof
