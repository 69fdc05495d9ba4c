// The lines of the session being collected, for line-per-event dialects (Claude Code, Codex
// CLI): consecutive lines of one input that belong together are parsed once, each into a slot
// of its own (text kept for rejects, an in-situ copy for the document), and handed to the
// dialect at once. Slots are reused from session to session, so a run allocates about as
// much as its largest session needs.
#pragma once

#include "dialects/dialect.hpp"

#include <libstream/cli.hpp>

#include <rapidjson/document.h>

#include <memory>
#include <string>
#include <vector>

namespace tracemill {

class Normalizer;

namespace normalize {

class SessionLines {
 public:
  SessionLines();
  ~SessionLines();

  [[nodiscard]] bool active() const { return dialect_ != nullptr; }

  /// Parses `record` into the next free slot; nullptr (with `error`) when it is not JSON.
  const rapidjson::Value* parse(const libstream::RawRecord& record, libstream::JsonError& error);
  /// Whether the line just parsed continues the open session read from `file`.
  [[nodiscard]] bool continues(const std::string& file) const;
  /// Keeps the line just parsed in the open session.
  void keep();
  /// Opens a session of `dialect` with the line just parsed (the session before it is flushed).
  void start(const DialectSpec* dialect, const std::string& file);
  /// Maps the open session and writes it, or rejects its lines; then closes it. The line
  /// parsed last, if not kept, stays parsed for start() or the caller.
  void flush(Normalizer& normalizer, libstream::ToolContext& context, std::string& out);

 private:
  struct Slot;
  [[nodiscard]] const rapidjson::Value& last() const;

  const DialectSpec* dialect_ = nullptr;
  std::string file_;
  std::string key_;
  std::vector<std::unique_ptr<Slot>> slots_;
  size_t kept_ = 0;  // slots [0, kept_) hold the open session; slot kept_ the line parsed last
};

}  // namespace normalize
}  // namespace tracemill
