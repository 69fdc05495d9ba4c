#include "join.hpp"

#include "json_splice.hpp"

#include <libstream/error.hpp>
#include <libstream/json.hpp>
#include <libstream/projection.hpp>
#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>

namespace tracemill {

using rapidjson::Value;

void add_join_options(CLI::App& app, JoinOptions& o) {
  app.add_option("--outcomes", o.outcome_files,
                 "Outcome file: a JSON object keyed by id, a JSON array or NDJSON of records, SWE-bench reports, "
                 "Harbor result.json (zstd or gzip too; '-' = stdin); repeatable; without it nothing is joined")
      ->allow_extra_args(false);
  app.add_option("--outcomes-key", o.outcomes.keys,
                 "Dotted path of an outcome record's key, tried in order (default: instance_id, session_id, "
                 "trial_name, task_id, id)")
      ->allow_extra_args(false);
  app.add_option("--key", o.keys, "Dotted path of a session's key, tried in order")
      ->capture_default_str()
      ->allow_extra_args(false);
  app.add_option("--key-match", o.key_match,
                 "Regular expression applied to the session's key value: its first group (else the whole match) "
                 "is the key");
  app.add_option("--reward-from", o.outcomes.reward_from,
                 "Dotted path of the reward in an outcome (a number, or a boolean: 1.0/0.0); default: recognised "
                 "by format");
  app.add_option("--set", o.sets, "DEST=SRCPATH: also copy the outcome's SRCPATH value to the session's DEST")
      ->allow_extra_args(false);
  app.add_option("--as", o.as, "Keep the whole outcome record under extra.NAME")->capture_default_str();
  app.add_flag_function(
      "--replace", [&o](std::int64_t) { o.existing = ExistingPolicy::replace; },
      "Replace a member the session already holds (reward, ...) with the outcome's; the old value is kept "
      "under extra.NAME_replaced");
  app.add_flag("--require", o.require, "Reject sessions without an outcome (default: written unchanged, counted)");
}

SetSpec parse_set(const std::string& text) {
  const size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == text.size()) {
    throw std::invalid_argument("--set '" + text + "': expected DEST=SRCPATH");
  }
  return {text.substr(0, equals), text.substr(equals + 1)};
}

namespace {

std::vector<std::string> steps_of(std::string_view path) {
  std::vector<std::string> steps;
  for (const std::string_view step : path_steps(path)) steps.emplace_back(step);
  return steps;
}

std::string json_quoted(std::string_view text) {
  std::string out;
  libstream::append_json_string(out, text);
  return out;
}

std::string plural(uint64_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

// What joining did to the sessions, for the report at the end.
struct Tally {
  uint64_t joined = 0;
  uint64_t with_reward = 0;
  uint64_t without_reward = 0;
  uint64_t no_outcome = 0;
  uint64_t no_key = 0;
  std::map<std::string, uint64_t> kept;      // member -> sessions whose own value was kept
  std::map<std::string, uint64_t> replaced;  // member -> sessions whose value was replaced
  std::map<std::string, uint64_t> missing_sets;
};

// Applies `edits` to `session`; `out` gets the result. A member the session already holds
// with another value is kept or replaced by policy; reward_source follows reward's fate.
std::string apply_edits(std::string_view session, const std::vector<Edit>& edits, const JoinOptions& options,
                        std::string& out, Tally& tally) {
  std::string current(session);
  std::string next;
  std::vector<std::string_view> steps;
  bool reward_written = false;
  for (const Edit& edit : edits) {
    steps.assign(edit.steps.begin(), edit.steps.end());
    std::string dotted;
    for (const std::string& step : edit.steps) dotted += (dotted.empty() ? "" : ".") + step;
    // reward_source describes reward: it changes only when reward did (a session whose own
    // reward equals the outcome's keeps saying where its reward came from).
    if (dotted == "reward_source" && !reward_written) continue;
    const std::optional<std::string_view> existing = raw_member(current, dotted);
    if (existing && *existing == edit.value) continue;
    if (existing && *existing != "null") {
      if (options.existing == ExistingPolicy::keep) {
        ++tally.kept[dotted];
        continue;
      }
      ++tally.replaced[dotted];
      const std::string old(*existing);
      if (SpliceResult r = set_member(current, {"extra", options.as + "_replaced", dotted}, old, next); !r.ok) return r.problem;
      current.swap(next);
    }
    if (SpliceResult r = set_member(current, steps, edit.value, next); !r.ok) return r.problem;
    current.swap(next);
    reward_written = reward_written || dotted == "reward";
  }
  out.swap(current);
  return {};
}

}  // namespace

std::vector<Edit> edits_for(const Outcome& outcome, const std::vector<SetSpec>& sets, const std::string& as,
                            std::vector<std::string>& missing_sets) {
  std::vector<Edit> edits;
  if (!outcome.reward.empty()) {
    edits.push_back({{"reward"}, outcome.reward});
    edits.push_back({{"reward_source"}, json_quoted(outcome.reward_source)});
  }
  for (const auto& [name, value] : outcome.verifier_scores) edits.push_back({{"scores", "verifier", name}, value});
  for (const SetSpec& set : sets) {
    if (auto value = raw_member(outcome.record, set.source)) {
      edits.push_back({steps_of(set.dest), std::string(*value)});
    } else {
      missing_sets.push_back(set.source);
    }
  }
  edits.push_back({{"extra", as}, outcome.record});
  return edits;
}

void run_join(const JoinOptions& options, libstream::ToolContext& context) {
  const auto usage = [](const std::string& message) { throw libstream::Error(libstream::ErrorKind::usage, "", message); };
  std::vector<SetSpec> sets;
  try {
    for (const std::string& text : options.sets) sets.push_back(parse_set(text));
  } catch (const std::invalid_argument& e) {
    usage(e.what());
  }
  if (options.as.empty() || options.as.find('.') != std::string::npos) usage("--as NAME: a member name without dots");
  // RE2 (as trace-scrub): linear time on any key, whatever the pattern.
  std::unique_ptr<re2::RE2> key_match;
  if (!options.key_match.empty()) {
    key_match = std::make_unique<re2::RE2>(options.key_match, re2::RE2::Quiet);
    if (!key_match->ok()) usage("--key-match '" + options.key_match + "': " + key_match->error());
  }
  for (const std::string& file : options.outcome_files) {
    if (file == "-" && std::count(context.options().inputs.begin(), context.options().inputs.end(), "-") > 0) {
      usage("--outcomes - reads standard input: give the sessions as files");
    }
  }

  OutcomeTable table(options.outcomes);
  libstream::FramingOptions framing;
  framing.max_record_size = libstream::parse_size(context.options().max_record_size);
  for (const std::string& file : options.outcome_files) table.load(file, framing);
  if (table.duplicates() > 0) {
    context.warning("", plural(table.duplicates(), "outcome") + " repeated with the same content: counted once");
  }

  libstream::Projection projection;
  projection.keep("session_id");  // parse_session() checks it
  for (const std::string& path : options.keys) projection.keep(path);
  libstream::ProjectingParser parser(std::move(projection));
  Tally tally;
  std::string key;
  std::string joined;
  std::vector<std::string> missing_sets;
  context.for_each_record(libstream::InputFormat::auto_detect, [&](libstream::RecordSource& source,
                                                                   libstream::RawRecord& record) {
    const Value* root = context.parse_session(parser, source, record);
    if (root == nullptr) return true;  // rejected with the reason
    Outcome* outcome = nullptr;
    bool has_key = false;
    for (const std::string& path : options.keys) {
      if (!key_text(libstream::find_path(*root, path), key)) continue;
      if (key_match) {
        // The first group when the pattern has one and it took part, else the whole match.
        re2::StringPiece groups[2];
        const int wanted = key_match->NumberOfCapturingGroups() > 0 ? 2 : 1;
        if (!key_match->Match(key, 0, key.size(), re2::RE2::UNANCHORED, groups, wanted)) continue;
        key = std::string(wanted == 2 && groups[1].data() != nullptr ? groups[1] : groups[0]);
      }
      has_key = true;
      if ((outcome = table.find(key)) != nullptr) break;
    }
    if (outcome == nullptr) {
      ++tally.no_outcome;
      tally.no_key += has_key ? 0 : 1;
      if (options.require) {
        context.reject(source, record, has_key ? "no outcome for the session's key" : "no key in the session");
        return true;
      }
      context.write_line(context.record_bytes(source, record));
      return true;
    }
    missing_sets.clear();
    const std::vector<Edit> edits = edits_for(*outcome, sets, options.as, missing_sets);
    for (const std::string& path : missing_sets) ++tally.missing_sets[path];
    const std::string problem = apply_edits(context.record_bytes(source, record), edits, options, joined, tally);
    if (!problem.empty()) {
      context.reject(source, record, "cannot join the outcome of " + json_quoted(outcome->key) + ": " + problem);
      return true;
    }
    ++outcome->sessions;
    ++tally.joined;
    ++(outcome->reward.empty() ? tally.without_reward : tally.with_reward);
    context.write_line(joined);
    return true;
  });

  // The report: every session and every outcome accounted for.
  const uint64_t sessions = tally.joined + tally.no_outcome;
  uint64_t unmatched = 0;
  uint64_t shared = 0;
  std::string first_unmatched;
  for (const Outcome& outcome : table.outcomes()) {
    shared += outcome.sessions > 1 ? 1 : 0;
    if (outcome.sessions > 0) continue;
    if (++unmatched <= 3) first_unmatched += (first_unmatched.empty() ? "" : ", ") + json_quoted(outcome.key);
  }
  if (context.options().summary) {
    context.info("joined " + std::to_string(tally.joined) + " of " + plural(sessions, "session") + " to an outcome (" +
                 std::to_string(tally.with_reward) + " with a reward, " + std::to_string(tally.without_reward) +
                 " without); " + plural(table.outcomes().size(), "outcome") + " held (" +
                 std::to_string(table.bytes()) + " bytes)");
    if (shared > 0) context.info(plural(shared, "outcome") + " joined to more than one session");
  }
  if (tally.no_outcome > 0 && !options.require) {
    context.warning("", plural(tally.no_outcome, "session") + " had no outcome" +
                            (tally.no_key > 0 ? " (" + std::to_string(tally.no_key) + " without a key)" : "") +
                            ": written unchanged (--require rejects them)");
  }
  if (unmatched > 0) {
    context.warning("", std::to_string(unmatched) + " of " + plural(table.outcomes().size(), "outcome") +
                            " matched no session (" + first_unmatched + (unmatched > 3 ? ", ..." : "") + ")");
  }
  for (const auto& [member, count] : tally.kept) {
    context.warning("", plural(count, "session") + " already had another " + member +
                            ": kept (--replace writes the outcome's)");
  }
  for (const auto& [member, count] : tally.replaced) {
    context.info(plural(count, "session") + ": " + member + " replaced (the old value is under extra." + options.as +
                 "_replaced)");
  }
  for (const auto& [path, count] : tally.missing_sets) {
    context.warning("", plural(count, "joined outcome") + " had no " + path + " for --set: not set");
  }
}

}  // namespace tracemill
