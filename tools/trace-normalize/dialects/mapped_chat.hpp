// The messages of a mapped record (--map messages=PATH[+PATH...]): any list of chat messages
// ({role, content}, ShareGPT {from, value}, JSON kept in strings), roles by --role and the
// built-in aliases, tool results tied to the calls they answer, content parts in trace/v1 form.
#pragma once

#include "../mapping.hpp"
#include "../session_builder.hpp"

#include <string>
#include <utility>
#include <vector>

namespace tracemill::normalize {

class ChatMapper {
 public:
  ChatMapper(Mapping& mapping, Embedded& embedded) : mapping_(mapping), embedded_(embedded) {}
  /// Appends the messages of one source: a list of messages, one message (or an object with a
  /// `messages` list), or a string (a user message from the first source, an assistant message
  /// from a later one). Throws MappingError for what is none of these.
  void add_source(const Value& value, const std::string& path, bool first);
  /// Writes `messages` (and `env_messages` when some were kept there).
  void finish(Record& out);

 private:
  void add_message(const Value& m, const std::string& where);
  void tie_tool_result(Message& message, const std::string& source_role);
  void remember_calls(const Message& message);

  Mapping& mapping_;
  Embedded& embedded_;
  std::vector<std::string> messages_;
  std::vector<std::string> env_;
  std::vector<std::pair<std::string, std::string>> pending_;  // calls not answered yet: id, name
};

/// Content parts in trace/v1 form (docs/trace-v1.md): text, image_url, input_audio, file and
/// refusal parts as they are, and the usual other spellings converted ({type: text, value},
/// input_text/output_text, {type: image, image|url}); throws MappingError naming a part of
/// another shape. Returns the JSON array.
std::string trace_parts(const Value& parts, const std::string& where);

}  // namespace tracemill::normalize
