#include "filter.hpp"

#include <libstream/chat_tokens.hpp>
#include <libstream/document.hpp>
#include <libstream/time.hpp>
#include <libstream/error.hpp>
#include <libstream/external_sort.hpp>
#include <libstream/hash.hpp>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>

namespace tracemill {

using rapidjson::Value;

namespace {


std::pair<std::string, double> name_value(const std::string& text, const char* option) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) throw std::invalid_argument(std::string(option) + " takes NAME=VALUE, not '" + text + "'");
  size_t used = 0;
  const std::string number = text.substr(eq + 1);
  double value = 0;
  try {
    value = std::stod(number, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != number.size() || !std::isfinite(value)) {
    throw std::invalid_argument(std::string(option) + " " + text + ": '" + number + "' is not a finite number");
  }
  return {text.substr(0, eq), value};
}

}  // namespace

// ---------------------------------------------------------------------------------------

Selection::Selection(const FilterOptions& options) : options_(options) {
  const auto instant = [](const std::string& value, const char* option) -> std::optional<int64_t> {
    if (value.empty()) return std::nullopt;
    const auto parsed = libstream::parse_instant(value);
    if (!parsed) throw std::invalid_argument(std::string(option) + ": cannot read '" + value + "' as a time");
    return parsed;
  };
  if (options.min_chat_tokens || options.max_chat_tokens) tokenizer_ = libstream::load_tokenizer(options.tokenizer);
  since_ = instant(options.since, "--since");
  until_ = instant(options.until, "--until");
  for (const auto& [list, group, is_min, option] :
       {std::make_tuple(&options.min_judge, "judge", true, "--min-judge"),
        std::make_tuple(&options.max_judge, "judge", false, "--max-judge"),
        std::make_tuple(&options.min_verifier, "verifier", true, "--min-verifier"),
        std::make_tuple(&options.max_verifier, "verifier", false, "--max-verifier")}) {
    for (const std::string& entry : *list) {
      auto [name, value] = name_value(entry, option);
      scores_.push_back({group, name, value, is_min, std::string(option) + " " + name});
    }
  }
  for (const std::string& text : options.where) {
    try {
      where_.emplace_back(text);
    } catch (const libstream::ExpressionError& e) {
      // Show where: the expression, and a caret under the column.
      throw std::invalid_argument(std::string("--where: ") + e.what() + "\n  " + text + "\n  " +
                                  std::string(e.column() - 1, ' ') + "^");
    }
  }
  if (options.min_reward && options.max_reward && *options.min_reward > *options.max_reward) {
    throw std::invalid_argument("--min-reward is greater than --max-reward");
  }
  if (!(options.sample > 0.0 && options.sample <= 1.0)) throw std::invalid_argument("--sample takes a fraction in (0, 1]");
  // keep when hash < sample * 2^64; ldexp is exact for the power of two
  sample_threshold_ = options.sample >= 1.0 ? UINT64_MAX : static_cast<uint64_t>(std::ldexp(options.sample, 64));
}

bool Selection::in_sample(std::string_view session_id) const {
  if (options_.sample >= 1.0) return true;
  const uint64_t hash = options_.seed.empty()
                            ? libstream::stable_hash(session_id)
                            : libstream::stable_hash(options_.seed + ":" + std::string(session_id));
  return hash < sample_threshold_;
}

libstream::Projection Selection::projection() const {
  libstream::Projection p;
  for (const char* member : {"session_id", "split", "task_id", "model", "experiment_id", "status", "phase", "created_at",
                             "reward", "achievements", "cost_usd", "usage", "scores"}) {
    p.keep_member(member);
  }
  for (const libstream::Expression& expression : where_) {
    for (const std::string& member : expression.top_level_members()) p.keep_member(member);
  }
  for (const std::string& path : options_.sample_by) p.keep(path);
  if (tokenizer_) {
    p.keep_member("messages");
    p.keep_member("tools");
  }
  return p;
}

std::string Selection::decide(const Value& record, bool& missing) const {
  missing = false;
  const bool pass_missing = options_.missing == MissingPolicy::pass;
  const auto one_of = [&](const char* key, const std::vector<std::string>& choices, const char* criterion) {
    if (choices.empty()) return std::string();
    const Value* value = libstream::find_present(record, key);
    if (value != nullptr && value->IsString()) {
      for (const std::string& choice : choices) {
        if (libstream::string_of(*value) == choice) return std::string();
      }
    }
    return std::string(criterion);
  };
  // A numeric bound on a missing or non-numeric value fails unless --missing pass.
  const auto bound = [&](const Value* value, std::optional<double> min, std::optional<double> max,
                         const char* min_name, const char* max_name) {
    if (!min && !max) return std::string();
    if (value == nullptr || !value->IsNumber()) {
      missing = true;
      return pass_missing ? std::string() : std::string(min ? min_name : max_name);
    }
    const double x = value->GetDouble();
    if (min && x < *min) return std::string(min_name);
    if (max && x > *max) return std::string(max_name);
    return std::string();
  };

  for (const auto& [key, list, name] : {std::make_tuple("split", &options_.splits, "--split"),
                                        std::make_tuple("task_id", &options_.task_ids, "--task-id"),
                                        std::make_tuple("model", &options_.models, "--model"),
                                        std::make_tuple("experiment_id", &options_.experiments, "--experiment"),
                                        std::make_tuple("status", &options_.statuses, "--status"),
                                        std::make_tuple("phase", &options_.phases, "--phase")}) {
    std::string why = one_of(key, *list, name);
    if (!why.empty()) return why;
  }
  if (since_ || until_) {
    const Value* created = libstream::find_present(record, "created_at");
    std::optional<int64_t> at;
    if (created != nullptr && created->IsString()) at = libstream::parse_instant(libstream::string_of(*created));
    if (created != nullptr && created->IsNumber()) at = static_cast<int64_t>(std::llround(created->GetDouble() * 1e6));
    if (!at) {
      missing = true;
      if (!pass_missing) return since_ ? "--since" : "--until";
    } else {
      if (since_ && *at < *since_) return "--since";
      if (until_ && *at > *until_) return "--until";
    }
  }
  std::string why = bound(libstream::find_present(record, "reward"), options_.min_reward, options_.max_reward, "--min-reward", "--max-reward");
  if (!why.empty()) return why;
  const Value* achievements = libstream::find_present(record, "achievements");
  if (options_.min_achievements) {
    if (achievements == nullptr || !achievements->IsArray()) {
      missing = true;
      if (!pass_missing) return "--min-achievements";
    } else if (achievements->Size() < *options_.min_achievements) {
      return "--min-achievements";
    }
  }
  if (!options_.achievements.empty()) {
    size_t found = 0;
    if (achievements != nullptr && achievements->IsArray()) {
      for (const std::string& wanted : options_.achievements) {
        for (const Value& have : achievements->GetArray()) {
          if (have.IsString() && libstream::string_of(have) == wanted) {
            ++found;
            break;
          }
        }
      }
    }
    const bool ok = options_.any_achievement ? found > 0 : found == options_.achievements.size();
    if (!ok) return "--achievement";
  }
  why = bound(libstream::find_present(record, "cost_usd"), std::nullopt, options_.max_cost, "", "--max-cost");
  if (!why.empty()) return why;
  if (options_.max_tokens) {
    const Value* usage = libstream::find_present(record, "usage");
    why = bound(usage != nullptr ? libstream::find_present(*usage, "total_tokens") : nullptr, std::nullopt,
                static_cast<double>(*options_.max_tokens), "", "--max-tokens");
    if (!why.empty()) return why;
  }
  if (tokenizer_) {
    const Value* messages = libstream::find_present(record, "messages");
    if (messages == nullptr || !messages->IsArray()) {
      missing = true;
      if (!pass_missing) return options_.min_chat_tokens ? "--min-chat-tokens" : "--max-chat-tokens";
    } else {
      const uint64_t tokens = libstream::count_chat_tokens(*tokenizer_, *messages, libstream::find_present(record, "tools")).chat;
      if (options_.min_chat_tokens && tokens < *options_.min_chat_tokens) return "--min-chat-tokens";
      if (options_.max_chat_tokens && tokens > *options_.max_chat_tokens) return "--max-chat-tokens";
    }
  }
  for (const ScoreBound& score : scores_) {
    const Value* scores = libstream::find_present(record, "scores");
    const Value* group = scores != nullptr ? libstream::find_present(*scores, score.group.c_str()) : nullptr;
    const Value* value = group != nullptr ? libstream::find_present(*group, score.name.c_str()) : nullptr;
    why = bound(value, score.is_min ? std::optional<double>(score.value) : std::nullopt,
                score.is_min ? std::nullopt : std::optional<double>(score.value), score.criterion.c_str(),
                score.criterion.c_str());
    if (!why.empty()) return why;
  }
  for (const libstream::Expression& expression : where_) {
    if (!expression.matches(record)) return "--where";
  }
  if (options_.sample < 1.0 && !options_.sample_by.empty()) {
    // A group's sessions share their key, so they all fall on one side; a session without a
    // value is outside the sample.
    std::string key;
    const bool sampled = libstream::group_key(record, options_.sample_by, key) && in_sample(key);
    if (sampled == options_.invert) return options_.invert ? "--sample --invert" : "--sample";
  } else if (options_.sample < 1.0) {
    const Value* id = libstream::find_present(record, "session_id");
    const bool sampled = id != nullptr && id->IsString() && in_sample(libstream::string_of(*id));
    if (sampled == options_.invert) return options_.invert ? "--sample --invert" : "--sample";
  }
  return {};
}

// ---------------------------------------------------------------------------------------

namespace {

std::optional<double> config_number(const CLI::ConfigItem& item) {
  const std::string where = item.fullname();
  if (item.inputs.size() != 1) throw std::invalid_argument(where + ": expected one number");
  const std::string& text = item.inputs.front();
  if (text.empty() || text == "\"\"") return std::nullopt;  // synth-ai: "" means no bound
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || !std::isfinite(value)) throw std::invalid_argument(where + ": '" + text + "' is not a finite number");
  return value;
}

uint64_t config_count(const CLI::ConfigItem& item) {
  const auto value = config_number(item);
  if (!value || *value < 0 || *value != std::floor(*value)) {
    throw std::invalid_argument(item.fullname() + ": expected a whole number >= 0");
  }
  return static_cast<uint64_t>(*value);
}

}  // namespace

void apply_filter_tables(const std::vector<CLI::ConfigItem>& items,
                         const std::function<bool(const std::string&)>& is_set_on_command_line, FilterOptions& o) {
  std::map<std::string, std::string> applied;  // option -> the key that set it, to catch conflicts
  const auto claim = [&](const std::string& option, const CLI::ConfigItem& item) {
    if (is_set_on_command_line(option)) return false;  // the command line wins, key by key
    const auto [it, fresh] = applied.emplace(option, item.fullname());
    if (!fresh) throw std::invalid_argument(item.fullname() + " and " + it->second + " both set " + option);
    return true;
  };
  const auto strings = [](const CLI::ConfigItem& item) {
    std::vector<std::string> out;
    for (std::string value : item.inputs) {
      while (!value.empty() && value.front() == ' ') value.erase(value.begin());
      while (!value.empty() && value.back() == ' ') value.pop_back();
      if (!value.empty()) out.push_back(value);
    }
    return out;
  };
  for (const CLI::ConfigItem& item : items) {
    if (item.name == "++" || item.name == "--") continue;  // CLI11's markers of a table's start and end
    if (item.parents.empty() || (item.parents[0] != "filter" && item.parents[0] != "filters")) continue;
    const std::string& table = item.parents[0];
    const std::string key = item.parents.size() > 1 ? item.parents[1] : item.name;
    const std::string where = item.fullname();
    if (table == "filter" && item.parents.size() == 2 &&
        (key == "min_judge_scores" || key == "max_judge_scores" || key == "min_verifier_scores" ||
         key == "max_verifier_scores")) {
      const std::string option = "--" + key.substr(0, 3) + "-" + key.substr(4, key.find('_', 4) - 4);
      if (is_set_on_command_line(option)) continue;
      const auto value = config_number(item);
      if (!value) continue;
      auto& list = key == "min_judge_scores" ? o.min_judge : key == "max_judge_scores" ? o.max_judge
                   : key == "min_verifier_scores" ? o.min_verifier : o.max_verifier;
      std::string number = item.inputs.front();
      list.push_back(item.name + "=" + number);
      continue;
    }
    if (item.parents.size() != 1) throw std::invalid_argument(where + ": unknown key");
    if (table == "filter") {
      if (key == "splits" && claim("--split", item)) o.splits = strings(item);
      else if (key == "task_ids" && claim("--task-id", item)) o.task_ids = strings(item);
      else if (key == "models" && claim("--model", item)) o.models = strings(item);
      else if (key == "min_official_score" && claim("--min-reward", item)) o.min_reward = config_number(item);
      else if (key == "max_official_score" && claim("--max-reward", item)) o.max_reward = config_number(item);
      else if (key == "min_created_at" && claim("--since", item)) o.since = strings(item).empty() ? "" : strings(item)[0];
      else if (key == "max_created_at" && claim("--until", item)) o.until = strings(item).empty() ? "" : strings(item)[0];
      else if (key == "limit" && claim("--limit", item)) o.limit = config_count(item);
      else if (key == "offset" && claim("--offset", item)) o.offset = config_count(item);
      else if (key == "shuffle" && claim("--shuffle", item)) {
        // synth-ai accepted true or "1"/"true"/"yes" in any case
        std::string value = item.inputs.empty() ? "" : item.inputs.front();
        for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (value != "true" && value != "false" && value != "1" && value != "0" && value != "yes" && value != "no") {
          throw std::invalid_argument(where + ": expected true or false, not '" + value + "'");
        }
        o.shuffle = value == "true" || value == "1" || value == "yes";
      } else if (key == "shuffle_seed" && claim("--seed", item)) {
        o.seed = strings(item).empty() ? "" : strings(item)[0];
      } else if (key == "db" || key == "output" || key == "objective") {
        o.config_notes.push_back(where + " is ignored: trace-filter reads the files named on its command line and writes standard output or -o");
      } else if (key != "splits" && key != "task_ids" && key != "models" && key != "min_official_score" &&
                 key != "max_official_score" && key != "min_created_at" && key != "max_created_at" &&
                 key != "limit" && key != "offset" && key != "shuffle" && key != "shuffle_seed") {
        throw std::invalid_argument(where + ": unknown key");
      }
    } else {  // [filters] of the older DuckDB filter
      if (key == "min_total_reward" && claim("--min-reward", item)) o.min_reward = config_number(item);
      else if (key == "min_achievements" && claim("--min-achievements", item)) o.min_achievements = config_count(item);
      else if (key == "max_cost" && claim("--max-cost", item)) o.max_cost = config_number(item);
      else if (key == "max_tokens" && claim("--max-tokens", item)) o.max_tokens = config_count(item);
      else if (key != "min_total_reward" && key != "min_achievements" && key != "max_cost" && key != "max_tokens") {
        throw std::invalid_argument(where + ": unknown key");
      }
    }
  }
}

void add_filter_options(CLI::App& app, FilterOptions& o) {
  const char* bounds = "Bounds (a missing or non-numeric value fails a bound unless --missing pass)";
  app.add_option("--min-reward", o.min_reward, "Keep sessions with reward >= X")->group(bounds);
  app.add_option("--max-reward", o.max_reward, "Keep sessions with reward <= X")->group(bounds);
  app.add_option("--min-achievements", o.min_achievements, "Keep sessions with at least N achievements")->group(bounds);
  app.add_option("--max-cost", o.max_cost, "Keep sessions with cost_usd <= X")->group(bounds);
  app.add_option("--max-tokens", o.max_tokens, "Keep sessions with usage.total_tokens <= N")->group(bounds);
  app.add_option("--min-chat-tokens", o.min_chat_tokens,
                 "Keep sessions whose messages, counted exactly as one chat example (trace-tokens' chat_total), "
                 "hold at least N tokens")
      ->group(bounds);
  app.add_option("--max-chat-tokens", o.max_chat_tokens,
                 "Keep sessions whose messages, counted exactly as one chat example, hold at most N tokens (a "
                 "model's context)")
      ->group(bounds);
  libstream::add_tokenizer_options(app, o.tokenizer, {false, "--min/--max-chat-tokens", bounds});
  app.add_option("--since", o.since, "Keep sessions created at or after TIME (RFC 3339, 'YYYY-MM-DD HH:MM:SS', a date, or Unix seconds)")
      ->group(bounds);
  app.add_option("--until", o.until, "Keep sessions created at or before TIME")->group(bounds);
  app.add_option("--min-judge", o.min_judge, "Keep sessions with scores.judge.NAME >= X (repeatable)")
      ->type_name("NAME=X")->allow_extra_args(false)->group(bounds);
  app.add_option("--max-judge", o.max_judge, "Keep sessions with scores.judge.NAME <= X")->type_name("NAME=X")->allow_extra_args(false)->group(bounds);
  app.add_option("--min-verifier", o.min_verifier, "Keep sessions with scores.verifier.NAME >= X")
      ->type_name("NAME=X")->allow_extra_args(false)->group(bounds);
  app.add_option("--max-verifier", o.max_verifier, "Keep sessions with scores.verifier.NAME <= X")
      ->type_name("NAME=X")->allow_extra_args(false)->group(bounds);
  const std::vector<std::pair<std::string, MissingPolicy>> policies{{"fail", MissingPolicy::fail}, {"pass", MissingPolicy::pass}};
  app.add_option("--missing", o.missing, "A missing or non-numeric value: fail the bound (default) or pass it")
      ->transform(libstream::enum_choice(policies))
      ->type_name("fail|pass")
      ->default_str("fail")
      ->group(bounds);

  const char* choices = "Selections (repeat an option to allow several values)";
  app.add_option("--achievement", o.achievements, "Keep sessions that unlocked NAME (all named, or any with --any-achievement)")
      ->allow_extra_args(false)->group(choices);
  app.add_flag("--any-achievement", o.any_achievement, "--achievement matches when any one is unlocked")->group(choices);
  app.add_option("--model", o.models, "Keep sessions of this model")->allow_extra_args(false)->group(choices);
  app.add_option("--split", o.splits, "Keep sessions of this split")->allow_extra_args(false)->group(choices);
  app.add_option("--task-id", o.task_ids, "Keep sessions of this task")->allow_extra_args(false)->group(choices);
  app.add_option("--experiment", o.experiments, "Keep sessions of this experiment_id")->allow_extra_args(false)->group(choices);
  app.add_option("--status", o.statuses, "Keep sessions with this status")->allow_extra_args(false)->group(choices);
  app.add_option("--phase", o.phases, "Keep sessions of this phase")->allow_extra_args(false)->group(choices);

  app.add_option("--where", o.where,
                 "Keep sessions where EXPR holds (repeatable: all must); e.g. 'reward >= 2 and model in [\"m1\", \"m2\"]' "
                 "(docs/expressions.md)")
      ->type_name("EXPR")
      ->allow_extra_args(false)
      ->group(choices);

  const char* sampling = "Sampling and paging";
  app.add_option("--sample", o.sample,
                 "Keep the sessions whose stable hash of session_id falls in this fraction; nested and "
                 "independent of input order and sharding")
      ->group(sampling);
  app.add_option("--seed", o.seed, "Mix TEXT into the sample hash (a different, equally stable sample)")->group(sampling);
  app.add_option("--sample-by", o.sample_by,
                 "Sample whole groups: hash the values at these dotted paths (e.g. task_id,seed) instead of session_id")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->group(sampling);
  app.add_flag("--invert", o.invert, "Keep the sessions --sample leaves out (train/validation splits)")->group(sampling);
  app.add_flag("--shuffle", o.shuffle,
               "Write the selected sessions in a deterministic random order: by the stable hash of "
               "--seed:session_id, whatever the input order or sharding (then --offset and --limit)")
      ->group(sampling);
  app.add_option("--shuffle-memory", o.shuffle_memory,
                 "Memory for --shuffle before sorted runs spill to temporary files in $TMPDIR (suffix K, M, G)")
      ->capture_default_str()
      ->check(libstream::size_option())
      ->group(sampling);
  app.add_option("--best-of", o.best_of,
                 "Keep the N best sessions (by --rank-by) of each --group-by group: rejection-sampling SFT; "
                 "equal scores by session_id")
      ->check(CLI::PositiveNumber)
      ->group(sampling);
  app.add_option("--group-by", o.group_by, "--best-of: dotted paths whose values name a group (e.g. task_id,seed)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->group(sampling);
  app.add_option("--rank-by", o.rank_by, "--best-of: dotted path of the number that ranks sessions")
      ->capture_default_str()
      ->group(sampling);
  app.add_option("--offset", o.offset, "Skip the first N selected sessions")->group(sampling);
  app.add_option("-n,--limit", o.limit, "Stop after writing N sessions")->check(CLI::PositiveNumber)->group(sampling);
  app.add_flag("--dry-run", o.dry_run, "Write nothing; report how many sessions each criterion drops")->group(sampling);
  app.add_option("--threads", o.threads,
                 "Worker threads parsing and deciding on sessions (0: the reading thread only); the output is the "
                 "same for every number")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();

  // The [filter] and [filters] tables of --config are read here, after parsing, so that
  // options given on the command line override them key by key.
  app.allow_config_extras(CLI::config_extras_mode::ignore);
  app.parse_complete_callback([&app, &o] {
    const CLI::Option* config = app.get_config_ptr();
    if (config == nullptr || config->count() == 0) return;
    const std::string path = config->as<std::string>();
    std::vector<CLI::ConfigItem> items = CLI::ConfigTOML().from_file(path);
    for (const CLI::ConfigItem& item : items) {  // ignore mode hides typos: check top-level keys here
      if (item.name == "++" || item.name == "--") continue;
      if (item.parents.empty() && app.get_option_no_throw("--" + item.name) == nullptr &&
          app.get_option_no_throw(item.name) == nullptr) {
        throw CLI::ValidationError("--config", path + ": unknown key '" + item.name + "'");
      }
      if (!item.parents.empty() && item.parents[0] != "filter" && item.parents[0] != "filters") {
        throw CLI::ValidationError("--config", path + ": unknown table [" + item.parents[0] + "]");
      }
    }
    try {
      apply_filter_tables(items, [&app](const std::string& option) { return app.count(option) > 0; }, o);
    } catch (const std::invalid_argument& e) {
      throw CLI::ValidationError("--config", path + ": " + e.what());
    }
  });
}

}  // namespace tracemill
