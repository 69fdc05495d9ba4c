// trace-join: attaches outcomes kept in other files (SWE-bench reports, mini-swe-agent
// preds.json, Harbor trial results, any JSON keyed by id) to trace/v1 sessions by key. The
// outcomes are held in memory; the sessions stream through. Sessions without an outcome pass
// through byte for byte; joined ones change only in the members the join writes.
#pragma once

#include "outcomes.hpp"

#include <libstream/cli.hpp>

#include <string>
#include <vector>

namespace tracemill {

enum class ExistingPolicy { keep, replace };

struct JoinOptions {
  std::vector<std::string> outcome_files;  ///< --outcomes FILE, repeatable
  OutcomeOptions outcomes;                 ///< --outcomes-key, --reward-from
  std::vector<std::string> keys{"session_id", "task_id"};  ///< --key: session paths tried in order
  std::string key_match;                   ///< --key-match REGEX: the session key is its first group
  std::vector<std::string> sets;           ///< --set DEST=SRCPATH
  std::string as = "outcome";              ///< the outcome record goes to extra.<as>
  ExistingPolicy existing = ExistingPolicy::keep;  ///< a member the session already holds
  bool require = false;                    ///< reject sessions without an outcome
};

void add_join_options(CLI::App& app, JoinOptions& options);

/// One --set: where the value goes in the session, and where it is read in the outcome.
struct SetSpec {
  std::string dest;
  std::string source;
};
/// "status=exit_status" -> {status, exit_status}. Throws std::invalid_argument.
[[nodiscard]] SetSpec parse_set(const std::string& text);

/// A member the join writes into a session: the path's keys and the JSON text of the value.
struct Edit {
  std::vector<std::string> steps;
  std::string value;
};

/// The edits joining `outcome` writes, in order: reward and reward_source, verifier scores,
/// --set members, then the outcome record under extra.<as>.
[[nodiscard]] std::vector<Edit> edits_for(const Outcome& outcome, const std::vector<SetSpec>& sets,
                                          const std::string& as, std::vector<std::string>& missing_sets);

void run_join(const JoinOptions& options, libstream::ToolContext& context);

}  // namespace tracemill
