// trace-dedup's sharded runs: --partial writes a shard's state, --merge takes the decisions of
// one pass over the shards' records from their states, --decisions writes a shard's records as
// they say. The clustering and the verdicts are the one pass's own (dedup.cpp), fed with
// signatures instead of words, so the shards' outputs concatenated are the one pass's output.
#include "deduplicator.hpp"
#include "state.hpp"

#include <libstream/error.hpp>
#include <libstream/hash.hpp>
#include <libstream/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

namespace tracemill::dedup {

using rapidjson::Value;

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& message) {
  throw libstream::Error(libstream::ErrorKind::data, where, message);
}

std::string at(const std::string& source, uint64_t line) { return source + ":" + std::to_string(line); }

}  // namespace

OptionList Deduplicator::decision_options() const {
  // The shortest of 15 or 17 digits that reads back as the same double: "0.7", not "0.69999999999999996".
  char threshold[40];
  std::snprintf(threshold, sizeof threshold, "%.15g", options_.threshold);
  if (std::strtod(threshold, nullptr) != options_.threshold) {
    std::snprintf(threshold, sizeof threshold, "%.17g", options_.threshold);
  }
  std::string eval;
  for (const std::string& file : options_.eval) eval += (eval.empty() ? "" : ",") + file;
  return {{"text", options_.text.scope == TextScope::all ? "all" : "assistant"},
          {"field", options_.text.field},
          {"shingle", std::to_string(options_.minhash.shingle)},
          {"permutations", std::to_string(options_.minhash.permutations)},
          {"bands", std::to_string(options_.minhash.bands)},
          {"threshold", threshold},
          {"exact-only", options_.near ? "no" : "yes"},
          {"keep", options_.keep == KeepRule::first ? "first" : "best-reward"},
          {"reward-field", options_.reward_field},
          {"id-field", options_.id_field},
          {"eval", eval},
          {"eval-field", options_.eval_field},
          {"ngram", std::to_string(options_.ngram)}};
}

void Deduplicator::check_options(const Value& header, const std::string& where, const char* what) const {
  const std::string differences = option_differences(header, decision_options());
  if (!differences.empty()) {
    fail(where, std::string(what) + " made with other options: " + differences +
                    "; give every step of a sharded run the same options");
  }
}

void Deduplicator::partial() {
  const std::string header = format_state_header(decision_options(), eval_count_, eval_without_field_, eval_digest_) + "\n";
  context_.out().write(header.data(), header.size());  // not a record: read = written holds for the records
  std::unordered_set<uint64_t> keys;  // exact keys seen in this shard: a repeat needs no signature
  StateRecord state;
  std::string line;
  observe_all(false, true, [&](const ObservedRecord& record) {
    const Observation& seen = record.seen;
    state = StateRecord();
    state.hash = record.raw_hash;  // of the record as read, before parsing
    state.source = sources_[record.source];
    state.line = record.line;
    state.offset = record.offset;
    state.rejected = seen.problem;  // rejected by --decisions, which writes the shard's rejects
    state.has_id = seen.has_id;
    state.id = seen.id;
    state.reward = seen.reward;
    state.text_bytes = seen.text_bytes;
    if (seen.problem.empty() && seen.eval_item != kNone) {
      state.contaminated = true;
      state.eval_source = sources_[eval_items_[seen.eval_item].source];
      state.eval_line = eval_items_[seen.eval_item].line;
    } else if (seen.problem.empty()) {
      state.key = seen.exact;
      if (record.signature != nullptr && keys.insert(seen.exact).second) {
        state.signature.assign(record.signature, record.signature + options_.minhash.permutations);
      }
    }
    line.clear();
    format_state_record(state, line);
    context_.write_line(line);
  });
}

void Deduplicator::merge() {
  struct Part {
    std::string name;  // the state's input
    uint32_t first = 0;
    uint32_t count = 0;
  };
  std::vector<Part> parts;
  std::vector<uint64_t> hashes;
  std::unordered_map<uint32_t, std::string> problems;  // rejected records' reasons
  uint64_t last_line = 0;
  bool have_eval = false;
  uint64_t eval_digest = 0;
  Observation seen;
  StateRecord state;
  std::string problem;
  context_.for_each_record(libstream::InputFormat::ndjson, [&](libstream::RecordSource& source,
                                                               libstream::RawRecord& record) {
    const std::string where = at(source.name(), record.line);
    libstream::JsonError error;
    // UTF-8 checked: --partial writes nothing else, so a string read is the one written back.
    const Value* root = parser_.parse(record.data, record.size, &error, true);
    if (root == nullptr) fail(where, "not a trace-dedup state: " + error.describe());
    if (root->IsObject() && libstream::find_member(*root, "trace_dedup_state") != nullptr) {
      check_options(*root, where, "a state");
      StateHeader header;
      if (!parse_state_header(*root, header)) {
        fail(where, "a state header without its eval set's eval_items, eval_without_field and eval_digest");
      }
      if (have_eval && (header.eval_items != eval_count_ || header.eval_without_field != eval_without_field_ ||
                        header.eval_digest != eval_digest)) {
        fail(where, "this shard was checked against another eval set (" + std::to_string(header.eval_items) +
                        " items) than the first (" + std::to_string(eval_count_) + " items)");
      }
      have_eval = true;
      eval_count_ = header.eval_items;
      eval_without_field_ = header.eval_without_field;
      eval_digest = header.eval_digest;
      parts.push_back({source.name(), static_cast<uint32_t>(records_.size()), 0});
      last_line = record.line;
      return true;
    }
    if (parts.empty() || parts.back().name != source.name() || record.line <= last_line) {
      fail(where, "not a trace-dedup state: its first line must be the header --partial writes");
    }
    last_line = record.line;
    if (!parse_state_record(*root, options_.minhash.permutations, state, problem)) fail(where, problem);
    seen = Observation();
    seen.problem = state.rejected;
    seen.has_id = state.has_id;
    seen.id = state.id;
    seen.reward = state.reward;
    seen.text_bytes = state.text_bytes;
    seen.exact = state.key;
    if (state.contaminated) {
      eval_items_.push_back({source_index(state.eval_source), state.eval_line});
      seen.eval_item = static_cast<uint32_t>(eval_items_.size() - 1);
    }
    if (records_.size() >= kNone - 1) fail(where, "more than 4 billion records");
    const uint32_t ordinal = admit(source_index(state.source), state.line, state.offset, seen,
                                   state.signature.empty() ? nullptr : state.signature.data());
    if (!state.rejected.empty()) problems.emplace(ordinal, state.rejected);
    hashes.push_back(state.hash);
    ++parts.back().count;
    return true;
  });
  if (context_.some_input_failed()) fail("", "a state could not be read: no decisions without every shard");
  decide();
  std::string line;
  DecisionRecord decision;
  for (size_t p = 0; p < parts.size(); ++p) {
    const Part& part = parts[p];
    std::vector<std::string> names;  // the part's inputs, as its decisions number them
    std::unordered_map<uint32_t, uint32_t> local;
    for (uint32_t i = part.first; i < part.first + part.count; ++i) {
      if (local.emplace(records_[i].source, static_cast<uint32_t>(names.size())).second) {
        names.push_back(sources_[records_[i].source]);
      }
    }
    context_.write_line(format_decisions_header(p + 1, part.count, names, decision_options()));
    for (uint32_t i = part.first; i < part.first + part.count; ++i) {
      const RecordInfo& info = records_[i];
      decision = DecisionRecord();
      decision.source = local.at(info.source);
      decision.line = info.line;
      decision.offset = info.offset;
      decision.hash = hashes[i];
      if (info.rejected) {
        decision.rejected = problems.at(i);
      } else {
        Verdict fate = verdict(i);
        decision.members = std::move(fate.members);
        decision.reason = std::move(fate.reason);
        decision.drop = fate.drop;
      }
      line.clear();
      format_decision(decision, line);
      context_.write_line(line);
    }
  }
  report();
}

void Deduplicator::apply() {
  std::unique_ptr<libstream::RecordSource> decisions =
      libstream::open_record_source(options_.decisions, libstream::InputFormat::ndjson);
  libstream::RawRecord line;
  const auto next_line = [&]() -> const Value* {
    if (!decisions->next(line)) return nullptr;
    const std::string where = at(decisions->name(), line.line);
    if (!line.problem.empty()) fail(where, line.problem);
    libstream::JsonError error;
    const Value* root = parser_.parse(line.data, line.size, &error, true);  // as --merge writes them
    if (root == nullptr || !root->IsObject()) fail(where, "not a trace-dedup decision: " + error.describe());
    return root;
  };
  const auto is_header = [](const Value& root) { return libstream::find_member(root, "trace_dedup_decisions") != nullptr; };
  DecisionsHeader header;
  std::vector<std::string> sources;
  uint64_t part = 0, expected = 0, applied = 0;
  // The part with --part's number, or the first whose inputs include `name`.
  const auto find_part = [&](const std::string& name) {
    while (const Value* root = next_line()) {
      if (!is_header(*root)) continue;
      if (!parse_decisions_header(*root, header)) {
        fail(at(decisions->name(), line.line), "a decisions header without its part, records and sources");
      }
      sources = std::move(header.sources);
      const bool match = options_.part != 0 ? header.part == options_.part
                                            : std::find(sources.begin(), sources.end(), name) != sources.end();
      if (!match) continue;
      check_options(*root, at(decisions->name(), line.line), "these decisions were");
      part = header.part;
      expected = header.records;
      return;
    }
    fail(options_.decisions, options_.part != 0 ? "no part " + std::to_string(options_.part) + " in these decisions"
                                                : "no part of these decisions reads " + name +
                                                      " (give the inputs as --partial did, or --part N)");
  };
  DecisionRecord decision;
  std::string problem;
  std::string input, input_as_written;  // this input's name, and as the decisions name it
  context_.for_each_record(libstream::InputFormat::auto_detect, [&](libstream::RecordSource& source,
                                                                    libstream::RawRecord& record) {
    const uint64_t hash = libstream::stable_hash(std::string_view(record.data, record.size));
    if (source.name() != input) {
      input = source.name();
      input_as_written = name_as_written(input);
    }
    if (part == 0) find_part(input_as_written);
    const std::string where = at(source.name(), record.line);
    const Value* root = next_line();
    if (root == nullptr || is_header(*root)) {
      fail(where, "part " + std::to_string(part) + " of " + options_.decisions + " holds " + std::to_string(expected) +
                      " records and this input has more: the decisions were made from other input");
    }
    if (!parse_decision(*root, decision, problem)) fail(at(decisions->name(), line.line), problem);
    if (decision.source >= sources.size() || sources[decision.source] != input_as_written || decision.line != record.line ||
        decision.offset != record.offset || decision.hash != hash) {
      fail(where, "not the record part " + std::to_string(part) + " of " + options_.decisions + " holds here (" +
                      (decision.source < sources.size() ? at(sources[decision.source], decision.line) : "?") +
                      "): the decisions were made from other input");
    }
    ++applied;
    if (!decision.rejected.empty()) {
      context_.reject(source, record, decision.rejected);
      return true;
    }
    const Verdict fate{std::move(decision.members), std::move(decision.reason), decision.drop};
    emit(context_, options_.annotate, fate, source.name(), record.line, record.offset,
         context_.record_bytes(source, record), annotated_);
    return true;
  });
  if (part == 0 && options_.part != 0) find_part("");
  if (applied != expected) {
    fail(options_.decisions, "part " + std::to_string(part) + " holds " + std::to_string(expected) +
                                 " records but the input had " + std::to_string(applied) +
                                 ": the decisions were made from other input");
  }
}

}  // namespace tracemill::dedup
