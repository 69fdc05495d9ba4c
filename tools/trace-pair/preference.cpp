#include "preference.hpp"

#include "pair.hpp"

#include <libstream/document.hpp>
#include <libstream/error.hpp>
#include <libstream/external_sort.hpp>
#include <libstream/hash.hpp>
#include <libstream/json.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstring>

namespace tracemill {

using rapidjson::Value;

namespace {

constexpr char kField = '\t';
constexpr char kMessage = '\x1e';

std::string double_text(double value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.Double(value);
  return {buffer.GetString(), buffer.GetSize()};
}

/// The first index where a and b differ (their common length when one is a prefix of the other).
size_t common_prefix(const std::vector<OutMessage>& a, const std::vector<OutMessage>& b) {
  size_t k = 0;
  while (k < a.size() && k < b.size() && a[k].bytes == b[k].bytes) ++k;
  return k;
}

std::optional<size_t> last_assistant(const std::vector<OutMessage>& messages) {
  for (size_t k = messages.size(); k > 0; --k) {
    if (messages[k - 1].assistant) return k - 1;
  }
  return std::nullopt;
}

}  // namespace

std::optional<size_t> split_point(const std::vector<OutMessage>& a, const std::vector<OutMessage>& b, SplitAt split_at) {
  const size_t shared = common_prefix(a, b);
  if (split_at == SplitAt::final) {
    const std::optional<size_t> last_a = last_assistant(a), last_b = last_assistant(b);
    if (!last_a || last_a != last_b || *last_a == 0 || shared < *last_a) return std::nullopt;
    return last_a;
  }
  if (shared == 0 || shared >= a.size() || shared >= b.size() || !a[shared].assistant || !b[shared].assistant) {
    return std::nullopt;
  }
  return shared;
}

std::string encode_session(std::string_view key_text, const GroupSession& session) {
  std::string line(key_text);
  line += kField;
  line += libstream::descending_score_key(session.score);
  line += kField;
  line += session.session_id;
  line += kField;
  line += session.score_text;
  line += kField;
  for (size_t k = 0; k < session.messages.size(); ++k) {
    if (k > 0) line += kMessage;
    line += session.messages[k].assistant ? 'a' : 'o';
    line += session.messages[k].bytes;
  }
  return line;
}

bool decode_session(std::string_view line, std::string_view& key_text, GroupSession& session) {
  std::string_view fields[5];
  for (size_t f = 0; f < 4; ++f) {
    const size_t tab = line.find(kField);
    if (tab == std::string_view::npos) return false;
    fields[f] = line.substr(0, tab);
    line.remove_prefix(tab + 1);
  }
  fields[4] = line;
  if (fields[1].size() != 16) return false;
  key_text = fields[0];
  session.score = libstream::score_of_descending_key(fields[1]);
  session.session_id.assign(fields[2]);
  session.score_text.assign(fields[3]);
  session.messages.clear();
  std::string_view rest = fields[4];
  while (!rest.empty()) {
    const size_t end = std::min(rest.find(kMessage), rest.size());
    const std::string_view message = rest.substr(0, end);
    if (message.empty() || (message[0] != 'a' && message[0] != 'o')) return false;
    session.messages.push_back({message[0] == 'a', std::string(message.substr(1))});
    rest.remove_prefix(end == rest.size() ? end : end + 1);
  }
  return true;
}

bool Pairer::messages_of(const Value& session, std::vector<OutMessage>& out, std::string& problem) {
  out.clear();
  const Value* messages = libstream::find_member(session, "messages");
  if (messages == nullptr || !messages->IsArray()) {
    problem = "no messages array (normalise the record to trace/v1 first)";
    return false;
  }
  call_names_.clear();
  const bool drop_system = options_.system_prompt && *options_.system_prompt == "none";
  Message message;
  for (rapidjson::SizeType i = 0; i < messages->Size(); ++i) {
    if (!serialize((*messages)[i], message, problem)) {
      problem = "messages[" + std::to_string(i) + "]: " + problem;
      return false;
    }
    if (drop_system && message.role == Role::system) continue;
    out.push_back({message.role == Role::assistant, message.bytes});
  }
  return true;
}

PreferenceWriter::PreferenceWriter(const PreferenceOptions& options, bool metadata, std::string score_name,
                                   libstream::BufferedSink* sidecar)
    : options_(options), metadata_(metadata), sidecar_(sidecar), score_name_(std::move(score_name)) {}

void PreferenceWriter::write_messages(const std::vector<OutMessage>& messages, size_t begin, size_t end,
                                      libstream::BufferedSink& out) {
  out.put('[');
  for (size_t k = begin; k < end; ++k) {
    if (k > begin) out.put(',');
    out.write(messages[k].bytes.data(), messages[k].bytes.size());
  }
  out.put(']');
}

void PreferenceWriter::write_pair(std::string_view key_text, const GroupSession& chosen, const GroupSession& rejected,
                                  size_t split, libstream::BufferedSink& out) {
  const bool openai = options_.format == PreferenceFormat::openai;
  const auto text = [&](std::string_view bytes) { out.write(bytes.data(), bytes.size()); };
  text(openai ? "{\"input\":{\"messages\":" : "{\"prompt\":");
  write_messages(chosen.messages, 0, split, out);  // equal to rejected's up to the split (split_point)
  text(openai ? "},\"preferred_output\":" : ",\"chosen\":");
  write_messages(chosen.messages, split, split + 1, out);
  text(openai ? ",\"non_preferred_output\":" : ",\"rejected\":");
  write_messages(rejected.messages, split, split + 1, out);
  if (metadata_ && sidecar_ == nullptr) text(",\"metadata\":");
  if (metadata_) {
    libstream::BufferedSink& meta = sidecar_ != nullptr ? *sidecar_ : out;
    const auto meta_text = [&](std::string_view bytes) { meta.write(bytes.data(), bytes.size()); };
    meta_text("{\"group\":");
    meta_text(key_text);
    meta_text(",\"chosen_session_id\":");
    meta_text(chosen.session_id);
    meta_text(",\"rejected_session_id\":");
    meta_text(rejected.session_id);
    meta_text(",\"score\":");
    meta_text(score_name_);
    meta_text(",\"chosen_score\":");
    meta_text(chosen.score_text);
    meta_text(",\"rejected_score\":");
    meta_text(rejected.score_text);
    meta_text(",\"margin\":");
    meta_text(double_text(chosen.score - rejected.score));
    meta_text(",\"split_index\":");
    meta_text(std::to_string(split));
    meta_text(sidecar_ != nullptr ? "}\n" : "}");
  }
  text("}\n");
  ++counts_.examples;
}

// Candidates in a fixed order: best-worst is the first and last session of the group (best
// score first; equal scores by session_id); all pairs go through chosen from best to worst,
// and for each, rejected from worst upwards, so the widest margins come first under a cap.
void PreferenceWriter::write_preference(std::string_view key_text, const std::vector<GroupSession>& group,
                                        libstream::BufferedSink& out, std::vector<bool>& used) {
  ++counts_.groups;
  if (group.size() < 2) {
    ++counts_.single_session_groups;
    return;
  }
  uint64_t written = 0;
  const auto consider = [&](size_t c, size_t r) {
    const GroupSession& chosen = group[c];
    const GroupSession& rejected = group[r];
    if (!(chosen.score > rejected.score)) {  // sorted, so equal: ties are never pairs
      ++counts_.ties;
      return;
    }
    if (chosen.score - rejected.score < options_.min_margin) {
      ++counts_.under_margin;
      return;
    }
    const std::optional<size_t> split = split_point(chosen.messages, rejected.messages, options_.split_at);
    if (!split) {
      ++counts_.prompts_differ;
      return;
    }
    if (chosen.messages[*split].bytes == rejected.messages[*split].bytes) {
      ++counts_.identical;  // only --split-at final can get here: the same last reply
      return;
    }
    if (options_.max_pairs_per_group > 0 && written >= options_.max_pairs_per_group) {
      ++counts_.capped;
      return;
    }
    write_pair(key_text, chosen, rejected, *split, out);
    ++written;
    used[c] = used[r] = true;
  };
  if (options_.pairs == PairSelection::best_worst) {
    consider(0, group.size() - 1);
    return;
  }
  for (size_t c = 0; c + 1 < group.size(); ++c) {
    for (size_t r = group.size() - 1; r > c; --r) consider(c, r);
  }
}

// KTO: each session alone, labelled by its score. Its prompt ends where it parts from the
// session of its group that follows it longest (first-divergence), or before its last reply.
void PreferenceWriter::write_kto(std::string_view key_text, const std::vector<GroupSession>& group,
                                 libstream::BufferedSink& out, std::vector<bool>& used) {
  ++counts_.groups;
  if (options_.split_at == SplitAt::first_divergence && group.size() < 2) {
    ++counts_.single_session_groups;
    return;
  }
  for (size_t i = 0; i < group.size(); ++i) {
    const GroupSession& session = group[i];
    bool label = false;
    if (options_.min_reward && session.score >= *options_.min_reward) {
      label = true;
    } else if (options_.max_reward && session.score <= *options_.max_reward) {
      label = false;
    } else if (options_.min_reward && options_.max_reward) {
      ++counts_.between;
      continue;
    } else {
      label = !options_.min_reward;  // one bound: the other side of it is the other label
    }
    std::optional<size_t> split;
    if (options_.split_at == SplitAt::final) {
      split = last_assistant(session.messages);
      if (split == size_t{0}) split.reset();
    } else {
      size_t longest = 0;
      for (size_t j = 0; j < group.size(); ++j) {
        if (j != i) longest = std::max(longest, common_prefix(session.messages, group[j].messages));
      }
      if (longest > 0 && longest < session.messages.size() && session.messages[longest].assistant) split = longest;
    }
    if (!split) {
      ++counts_.prompts_differ;
      continue;
    }
    const auto text = [&](std::string_view bytes) { out.write(bytes.data(), bytes.size()); };
    text("{\"prompt\":");
    write_messages(session.messages, 0, *split, out);
    text(",\"completion\":");
    write_messages(session.messages, *split, *split + 1, out);
    text(label ? ",\"label\":true" : ",\"label\":false");
    if (metadata_ && sidecar_ == nullptr) text(",\"metadata\":");
    if (metadata_) {
      libstream::BufferedSink& meta = sidecar_ != nullptr ? *sidecar_ : out;
      const auto meta_text = [&](std::string_view bytes) { meta.write(bytes.data(), bytes.size()); };
      meta_text("{\"group\":");
      meta_text(key_text.empty() ? "null" : key_text);
      meta_text(",\"session_id\":");
      meta_text(session.session_id);
      meta_text(",\"score\":");
      meta_text(score_name_);
      meta_text(",\"session_score\":");
      meta_text(session.score_text);
      meta_text(",\"split_index\":");
      meta_text(std::to_string(*split));
      meta_text(sidecar_ != nullptr ? "}\n" : "}");
    }
    text("}\n");
    ++counts_.examples;
    ++(label ? counts_.desirable : counts_.undesirable);
    used[i] = true;
  }
}

void add_preference_options(CLI::App& app, PreferenceOptions& o) {
  const char* group = "Preference and KTO (--mode preference|kto)";
  app.add_option("--group-by", o.group_by,
                 "Dotted paths whose values together name a group of sessions run on the same task (e.g. task_id,seed)")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->group(group);
  app.add_option("--score", o.score, "Dotted path of the number that ranks sessions (and labels them for kto)")
      ->capture_default_str()
      ->group(group);
  const std::vector<std::pair<std::string, PairSelection>> selections{{"best-worst", PairSelection::best_worst},
                                                                      {"all", PairSelection::all}};
  app.add_option("--pairs", o.pairs, "best-worst: one pair per group, its best and worst session; all: every pair far enough apart")
      ->transform(libstream::enum_choice(selections))
      ->type_name("best-worst|all")
      ->default_str("best-worst")
      ->group(group);
  app.add_option("--min-margin", o.min_margin, "Least score difference of a pair (equal scores never pair)")
      ->capture_default_str()
      ->group(group);
  app.add_option("--max-pairs-per-group", o.max_pairs_per_group, "Write at most N pairs per group (0: no cap)")
      ->capture_default_str()
      ->group(group);
  const std::vector<std::pair<std::string, SplitAt>> splits{{"first-divergence", SplitAt::first_divergence},
                                                            {"final", SplitAt::final}};
  app.add_option("--split-at", o.split_at,
                 "Where the prompt ends: first-divergence (the first assistant message where the sessions differ) or "
                 "final (the last assistant message, after identical histories)")
      ->transform(libstream::enum_choice(splits))
      ->type_name("first-divergence|final")
      ->default_str("first-divergence")
      ->group(group);
  const std::vector<std::pair<std::string, PreferenceFormat>> formats{{"openai", PreferenceFormat::openai},
                                                                      {"trl", PreferenceFormat::trl}};
  app.add_option("--format", o.format,
                 "openai: {input, preferred_output, non_preferred_output} (OpenAI preference fine-tuning); trl: "
                 "{prompt, chosen, rejected} or, for kto, {prompt, completion, label} (TRL, conversational)")
      ->transform(libstream::enum_choice(formats))
      ->type_name("openai|trl")
      ->default_str("openai")
      ->group(group);
  app.add_option("--min-reward", o.min_reward, "kto: a score at or above this is desirable (label true)")->group(group);
  app.add_option("--max-reward", o.max_reward, "kto: a score at or below this is undesirable (label false)")->group(group);
  app.add_option("--sort-memory", o.sort_memory,
                 "Memory for grouping before sorted runs spill to temporary files in $TMPDIR (suffix K, M, G)")
      ->capture_default_str()
      ->check(libstream::size_option())
      ->group(group);
}

namespace {

void check_usage(const PairOptions& options) {
  const PreferenceOptions& p = options.preference;
  const auto usage = [](const std::string& message) { throw libstream::Error(libstream::ErrorKind::usage, "", message); };
  const bool kto = options.mode == PairMode::kto;
  if (!kto && p.group_by.empty()) usage("--mode preference needs --group-by (the paths that name a task, e.g. task_id,seed)");
  if (kto && p.split_at == SplitAt::first_divergence && p.group_by.empty()) {
    usage("--mode kto --split-at first-divergence needs --group-by (or use --split-at final)");
  }
  if (kto && p.format == PreferenceFormat::openai) usage("--mode kto writes TRL's format only: add --format trl");
  if (p.format == PreferenceFormat::openai && options.tool_format != ToolFormat::openai) {
    usage("--format openai needs --tool-format openai");
  }
  if (kto && !p.min_reward && !p.max_reward) usage("--mode kto needs --min-reward and/or --max-reward");
  if (p.min_reward && p.max_reward && !(*p.max_reward < *p.min_reward)) {
    usage("--max-reward must be below --min-reward (a score cannot be both desirable and undesirable)");
  }
  if (!kto && (p.min_reward || p.max_reward)) usage("--min-reward and --max-reward label kto examples (--mode kto)");
  if (p.min_margin < 0) usage("--min-margin cannot be negative");
  // Options of the other modes would be silently ignored here: say so instead.
  if (options.max_tokens > 0 || options.dedup || options.weights) {
    usage("--max-tokens, --dedup and --weights apply to the turn, trajectory, pairs and window modes");
  }
}

std::string count(uint64_t n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

}  // namespace

void run_preference(const PairOptions& options, libstream::ToolContext& context) {
  check_usage(options);
  const PreferenceOptions& p = options.preference;
  const bool kto = options.mode == PairMode::kto;
  const bool grouped = !p.group_by.empty();
  Pairer pairer(options);
  libstream::DocumentParser parser;
  libstream::Counters& counters = context.counters();
  libstream::BufferedSink& out = context.out();
  std::string score_name;
  libstream::append_json_string(score_name, p.score);
  std::unique_ptr<libstream::BufferedSink> metadata_sink;
  if (!options.metadata_out.empty()) metadata_sink = libstream::open_output(libstream::OutputOptions{options.metadata_out});
  PreferenceWriter writer(p, options.metadata, score_name, metadata_sink.get());
  libstream::ExternalSorter sorter(libstream::parse_size(p.sort_memory));

  std::vector<GroupSession> group;
  std::vector<bool> used;
  const auto write_group = [&](std::string_view key_text) {
    used.assign(group.size(), false);
    if (kto) {
      writer.write_kto(key_text, group, out, used);
    } else {
      writer.write_preference(key_text, group, out, used);
    }
    for (const bool u : used) ++(u ? counters.written : counters.filtered);
    group.clear();
  };

  uint64_t no_key = 0, no_score = 0;
  GroupSession session;
  std::string key_text, problem;
  context.for_each_record(libstream::InputFormat::auto_detect, [&](libstream::RecordSource& source,
                                                                   libstream::RawRecord& record) {
    const Value* root = context.parse_session(parser, source, record);
    if (root == nullptr) return true;  // rejected with the reason
    if (!pairer.messages_of(*root, session.messages, problem)) {
      context.reject(source, record, problem);
      return true;
    }
    key_text.clear();
    if (grouped && !libstream::group_key(*root, p.group_by, key_text)) {
      ++no_key;
      ++counters.filtered;
      return true;
    }
    const Value* score = libstream::find_path(*root, p.score);
    if (score == nullptr || !score->IsNumber()) {
      ++no_score;
      ++counters.filtered;
      return true;
    }
    session.score = score->GetDouble();
    session.score_text.clear();
    static_cast<void>(libstream::append_json_value(session.score_text, *score));
    session.session_id.clear();
    static_cast<void>(libstream::append_json_value(session.session_id, *libstream::find_member(*root, "session_id")));
    if (grouped) {
      sorter.add(libstream::stable_hash(key_text), encode_session(key_text, session));
    } else {  // kto --split-at final alone: every session is its own group, no sort needed
      group.push_back(session);
      write_group("");
    }
    return true;
  });

  // Groups come out whole: the sort key is the hash of KEY, ties are ordered by the line's
  // bytes, and the lines of one KEY all start with "KEY\t", so they are adjacent even when
  // two keys share a hash; inside a group, best score first, then by session_id.
  std::string current_key;
  sorter.finish([&](std::string_view line) {
    std::string_view line_key;
    GroupSession decoded;
    if (!decode_session(line, line_key, decoded)) {
      throw libstream::Error(libstream::ErrorKind::io, "<sort run>", "a sorted line was not read back as written");
    }
    if (!group.empty() && line_key != current_key) write_group(current_key);
    if (group.empty()) current_key.assign(line_key);
    group.push_back(std::move(decoded));
    return true;
  });
  if (!group.empty()) write_group(current_key);

  if (metadata_sink) metadata_sink->commit();
  const PreferenceCounts& c = writer.counts();
  if (counters.read == 0) return;
  std::string report = kto ? count(c.examples, "example", "examples") + " (" + std::to_string(c.desirable) + " desirable, " +
                                 std::to_string(c.undesirable) + " undesirable)"
                           : count(c.examples, "pair", "pairs");
  report += " from " + count(counters.written, "session", "sessions");
  if (grouped) {
    report += " in " + count(c.groups, "group", "groups") + "; " +
              count(c.single_session_groups, "group", "groups") + " with one session";
  }
  if (!kto) {
    report += "; skipped: " + count(c.ties, "tie", "ties") + ", " + std::to_string(c.under_margin) +
              " under --min-margin, " + std::to_string(c.identical) + " with identical replies, " +
              std::to_string(c.capped) + " over --max-pairs-per-group, " + std::to_string(c.prompts_differ) +
              " whose prompts differ before an assistant turn";
  } else {
    report += "; skipped: " + std::to_string(c.between) + " between --max-reward and --min-reward, " +
              std::to_string(c.prompts_differ) + " without a prompt before an assistant turn";
  }
  report += "; " + count(no_key, "session", "sessions") + " without a --group-by value, " + std::to_string(no_score) +
            " without a numeric --score";
  if (sorter.spilled_runs() > 0) report += "; grouped in " + std::to_string(sorter.spilled_runs()) + " sorted runs on disk";
  context.info(report);
}

}  // namespace tracemill
