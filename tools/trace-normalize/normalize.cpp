#include "normalize.hpp"

#include "dataset_info.hpp"
#include "dialects/dialect.hpp"
#include "mapping.hpp"
#include "span_chat.hpp"

#include <libstream/document.hpp>
#include <libstream/error.hpp>
#include <libstream/json.hpp>

#include <cstring>

#include <rapidjson/error/en.h>

#include <iostream>
#include <map>

namespace tracemill {

using normalize::DialectSpec;
using normalize::MapContext;
using normalize::SessionLine;
using normalize::Warn;
using rapidjson::Value;

Normalizer::Normalizer(NormalizeOptions options) : options_(std::move(options)), record_(std::make_unique<normalize::Record>()) {
  std::vector<std::string> pairs = options_.maps;
  std::vector<std::string> roles = options_.roles;
  std::string records = options_.records;
  if (!options_.map_file.empty()) {
    normalize::MapFile file = normalize::read_map_file(options_.map_file);
    pairs.insert(pairs.end(), file.maps.begin(), file.maps.end());
    roles.insert(roles.end(), file.roles.begin(), file.roles.end());
    if (records.empty()) records = file.records;  // the command line wins
  }
  if (pairs.empty() && (!records.empty() || !roles.empty())) {
    throw libstream::Error(libstream::ErrorKind::usage, "", std::string(!records.empty() ? "--records" : "--role") +
                                                                " applies to mapped records: give --map or --map-file too");
  }
  if (!pairs.empty()) {
    try {
      mapping_ = std::make_unique<normalize::Mapping>(pairs, records, roles);
    } catch (const std::invalid_argument& e) {
      throw libstream::Error(libstream::ErrorKind::usage, "", e.what());
    }
  }
  if (options_.dialect != "auto") {
    forced_ = normalize::find_dialect(options_.dialect);
    if (forced_ == nullptr) throw libstream::Error(libstream::ErrorKind::usage, "", "--dialect " + options_.dialect + ": no such dialect (see --list-dialects)");
  }
  if (options_.dataset_info.empty() != options_.dataset.empty()) {
    throw libstream::Error(libstream::ErrorKind::usage, "", "--dataset-info and --dataset go together");
  }
  if (!options_.dataset_info.empty()) {
    dataset_info_ = std::make_unique<normalize::DatasetInfo>(options_.dataset_info, options_.dataset);
    if (forced_ == nullptr) forced_ = normalize::find_dialect(dataset_info_->dialect());
  }
  const bool forced_mapped = forced_ != nullptr && std::string_view(forced_->name) == "mapped";
  if (forced_mapped && !mapping_) {
    throw libstream::Error(libstream::ErrorKind::usage, "", "--dialect mapped needs --map or --map-file");
  }
  if (forced_ != nullptr && !forced_mapped && mapping_) {
    // Refused rather than ignored: a dialect's own rules and a mapping do not mix.
    throw libstream::Error(libstream::ErrorKind::usage, "",
                           "--map/--map-file map every record themselves: they cannot be combined with --dialect " +
                               options_.dialect);
  }
}

Normalizer::~Normalizer() = default;

const DialectSpec* Normalizer::dialect_of(const Value& record) const {
  if (forced_ != nullptr) return forced_;
  if (mapping_) return normalize::find_dialect("mapped");
  return normalize::detect_dialect(record);
}

namespace {

[[noreturn]] void no_dialect(const Value& record) {
  std::string keys;
  size_t shown = 0;
  for (const auto& m : record.GetObject()) {
    if (shown++ == 8) {
      keys += ", ...";
      break;
    }
    keys += (keys.empty() ? "" : ", ") + std::string(libstream::string_of(m.name));
  }
  throw MappingError{"no known dialect has these members (" + keys +
                     "): map them with --map FIELD=PATH (e.g. --map messages=history --map reward=info.score)"};
}

}  // namespace

void Normalizer::count_tool_call_guesses() {
  const normalize::ToolCallGuesses guesses = normalize::take_tool_call_guesses();
  if (mapping_) return;  // --map reports its own guesses, path by path
  const auto tally = [&](uint64_t count, const char* what) {
    if (count > 0) tallies_[what] += count;
  };
  tally(guesses.made_call_ids, "tool call ids made up where the source has none (from the message's id or position)");
  tally(guesses.unnamed_calls, "tool calls without a name in the source, written with a placeholder name (\"unnamed\", or the dialect's own: see its section)");
  tally(guesses.wrapped_arguments,
        "tool call arguments that are not JSON text, written as {\"input\": text} (the text kept in original_arguments)");
  tally(std::exchange(normalize::negative_costs(), 0), "sessions whose cost summed below 0, kept as extra.negative_cost_usd");
  tally(guesses.parts_as_text, "content parts trace/v1 has no form for, written as text parts holding their JSON");
  tally(guesses.results_without_call, "sessions holding tool results that name no call, written as user messages (original_role tool)");
}

std::string_view Normalizer::normalize(const Value& record, const std::string& file, std::string& out, const Warn& warn,
                                       std::string_view raw) {
  out.clear();
  normalize::take_tool_call_guesses();  // a record rejected before this one made none of its guesses
  const std::string_view dialect = normalize_record(record, file, out, warn, raw);
  count_tool_call_guesses();
  return dialect;
}

std::string_view Normalizer::normalize_record(const Value& record, const std::string& file, std::string& out, const Warn& warn,
                                              std::string_view raw) {
  if (record.IsArray() && !mapping_ && forced_ == nullptr) {
    // A bare array of chat messages read as one document (trace-read --format document):
    // one session, as the message-array dialect makes of the same array split into records.
    const DialectSpec* messages = normalize::find_dialect("message-array");
    std::vector<SessionLine> lines;
    for (const Value& element : record.GetArray()) {
      if (!element.IsObject() || !messages->recognise(element)) break;
      lines.push_back(SessionLine{&element, 0, {}});
    }
    if (!lines.empty() && lines.size() == record.Size()) {
      normalize_session(*messages, lines, file, out, warn);
      last_session_count_ = 1;
      return messages->name;
    }
  }
  if (!record.IsObject()) {
    throw MappingError{record.IsArray() ? "a JSON array that is not a list of chat messages: let trace-read split it into "
                                          "records (its default --format auto)"
                                        : "not a JSON object"};
  }
  if (dataset_info_ != nullptr) {
    renamed_ = rapidjson::Document();  // one record's copy at a time
    dataset_info_->rename(record, renamed_);
    raw = {};  // member names changed: nothing to copy byte for byte
  }
  const Value& source = dataset_info_ != nullptr ? static_cast<const Value&>(renamed_) : record;
  const DialectSpec* dialect = dialect_of(source);
  if (dialect == nullptr) no_dialect(source);
  last_session_count_ = 1;
  const MapContext context{file, raw, warn, mapping_.get(), &carried_, &tallies_};
  if (dialect->map_sessions != nullptr) {
    sessions_.clear();
    dialect->map_sessions(source, context, sessions_);
    for (const std::string& session : sessions_) out += (out.empty() ? "" : "\n") + session;
    last_session_count_ = sessions_.size();
    return dialect->name;
  }
  if (dialect->spans != nullptr) {
    // A record of spans read alone: its traces, one session each (run_normalize groups the
    // spans of many records instead).
    std::vector<std::unique_ptr<normalize::spans::Span>> spans;
    dialect->spans->decode(record, raw, spans);
    sessions_.clear();
    std::string line;
    normalize::spans::SpanWindow window(static_cast<size_t>(-1), [&](normalize::spans::SpanList& group, const std::string& id, size_t part) {
      normalize_spans(group, id, part, line, warn);
      sessions_.push_back(line);
    });
    for (auto& span : spans) {
      span->file = file;
      window.add(std::move(span));
    }
    window.flush_all();
    for (const std::string& session : sessions_) out += (out.empty() ? "" : "\n") + session;
    last_session_count_ = sessions_.size();
    return dialect->name;
  }
  if (dialect->map_record == nullptr && dialect->lines == nullptr) return dialect->name;  // trace/v1: unchanged
  normalize::Record& r = *record_;
  r.reset(&source, raw);
  if (dialect->lines != nullptr) {
    dialect->lines->map_session({SessionLine{&source, 0, raw}}, context, r);
  } else {
    dialect->map_record(source, context, r);
  }
  r.finish(out);
  return dialect->name;
}

void Normalizer::normalize_spans(std::vector<std::unique_ptr<normalize::spans::Span>>& spans, const std::string& session_id,
                                 size_t part, std::string& out, const Warn& warn) {
  out.clear();
  normalize::take_tool_call_guesses();
  normalize::Record& r = *record_;
  r.reset(nullptr, {});
  const DialectSpec* dialect = spans.empty() ? nullptr : normalize::find_dialect(spans.front()->format);
  if (dialect != nullptr && dialect->spans != nullptr && dialect->spans->map_group != nullptr) {
    dialect->spans->map_group(spans, session_id, part, warn, r);
  } else {
    normalize::spans::map_span_session(spans, session_id, part, warn, r);
  }
  r.finish(out);
  count_tool_call_guesses();
}

void Normalizer::normalize_session(const DialectSpec& dialect, const std::vector<SessionLine>& lines, const std::string& file,
                                   std::string& out, const Warn& warn) {
  out.clear();
  normalize::take_tool_call_guesses();
  normalize::Record& r = *record_;
  r.reset(nullptr, {});
  const MapContext context{file, {}, warn, mapping_.get(), &carried_, &tallies_};
  dialect.lines->map_session(lines, context, r);
  r.finish(out);
  count_tool_call_guesses();
}

std::string dialect_table() {
  std::string out = "dialect       identified by                                                   manual section\n";
  for (const DialectSpec* dialect : normalize::all_dialects()) {
    std::string row = dialect->name;
    row.resize(std::max<size_t>(row.size() + 1, 14), ' ');
    row += dialect->identified_by;
    if (dialect->lines != nullptr) row += " (one event per line)";
    row.resize(std::max<size_t>(row.size() + 2, 78), ' ');
    out += row + dialect->manual_section + "\n";
  }
  return out;
}

// ----------------------------------------------------------------------------------------

void add_normalize_options(CLI::App& app, NormalizeOptions& options) {
  app.add_option("--map", options.maps,
                 "FIELD=PATH: take a trace/v1 field from a dotted path; every record (but trace/v1) is then mapped "
                 "this way (repeatable; e.g. --map messages=history --map reward=info.score; messages=prompt+completion)")
      ->type_name("FIELD=PATH")
      ->allow_extra_args(false);
  app.add_option("--map-file", options.map_file,
                 "TOML file whose [map] table holds FIELD = \"PATH\" pairs ([roles]: SOURCE = \"ROLE\"; records = \"PATH[]\")")
      ->type_name("FILE");
  app.add_option("--records", options.records,
                 "With --map: the array at PATH holds the sessions, one per element (e.g. simulations[], results.samples[])")
      ->type_name("PATH[]");
  app.add_option("--role", options.roles,
                 "With --map: read source role SOURCE as ROLE (system, user, assistant, tool, tool_call, env), e.g. "
                 "--role agent=assistant (repeatable)")
      ->type_name("SOURCE=ROLE")
      ->allow_extra_args(false);
  std::vector<std::string> names{"auto"};
  std::string choices = "auto";
  for (const DialectSpec* dialect : normalize::all_dialects()) {
    names.emplace_back(dialect->name);
    choices += std::string("|") + dialect->name;
  }
  app.add_option("--dialect", options.dialect, "Treat every record as this dialect instead of detecting it")
      ->check(CLI::IsMember(names))
      ->type_name(choices)
      ->capture_default_str();
  app.add_option("--dataset-info", options.dataset_info,
                 "LLaMA-Factory dataset_info.json: read records with the column and tag names of --dataset's entry")
      ->type_name("FILE");
  app.add_option("--dataset", options.dataset, "The entry of --dataset-info describing the input")->type_name("NAME");
  app.add_flag_callback(
      "--list-dialects",
      [] {
        std::cout << dialect_table() << std::flush;
        throw CLI::Success();  // ends like --help: exit 0, nothing read
      },
      "Print each dialect, what identifies it and its manual section, and exit");
  app.add_option("--span-window", options.span_window,
                 "Traces (or conversations) of span records held at once; a trace whose spans come after it was "
                 "written is split (warned)")
      ->type_name("N")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--threads", options.threads,
                 "Worker threads checking records and telling trace/v1 ones, passed through, from the rest (0: the "
                 "reading thread only); the output is the same for every number")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
}

}  // namespace tracemill
