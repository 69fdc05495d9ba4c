#include "deduplicator.hpp"

#include <libstream/error.hpp>
#include <libstream/hash.hpp>
#include <libstream/json.hpp>

#include <cstdio>
#include <memory>

namespace tracemill {

using rapidjson::Value;

namespace dedup {

namespace {

std::string format_jaccard(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", value);
  return text;
}

}  // namespace

Deduplicator::Deduplicator(const DedupOptions& options, libstream::ToolContext& context)
    : options_(options),
      context_(context),
      near_(options.minhash, options.threshold, libstream::parse_size(options.memory_budget)),
      eval_index_(options.ngram) {}

uint32_t Deduplicator::source_index(const std::string& name) {
  if (sources_.empty() || sources_.back() != name) {
    for (uint32_t i = 0; i < sources_.size(); ++i) {
      if (sources_[i] == name) return i;
    }
    sources_.push_back(name);
  }
  return static_cast<uint32_t>(sources_.size() - 1);
}

void Deduplicator::load_eval() {
  for (const std::string& path : options_.eval) {
    std::unique_ptr<libstream::RecordSource> source = libstream::open_record_source(path, libstream::InputFormat::auto_detect);
    const uint32_t source_id = source_index(source->name());
    libstream::RawRecord record;
    while (source->next(record)) {
      const std::string where = source->name() + ":" + std::to_string(record.line);
      if (!record.problem.empty()) throw libstream::Error(libstream::ErrorKind::data, where, "eval item: " + record.problem);
      libstream::JsonError error;
      const Value* root = parser_.parse(record.data, record.size, &error);
      if (root == nullptr) throw libstream::Error(libstream::ErrorKind::data, where, "eval item: " + error.describe());
      text_.clear();
      const Value* value = options_.eval_field.empty() ? root : libstream::find_path(*root, options_.eval_field);
      if (value == nullptr) {
        ++eval_without_field_;
        continue;
      }
      dedup::collect_strings(*value, text_);
      eval_items_.push_back({source_id, record.line});
      eval_index_.add(text_, static_cast<uint32_t>(eval_items_.size() - 1));
      // Shards must have checked against the same items (--merge compares the digests).
      eval_digest_ = libstream::fmix64(eval_digest_ ^ libstream::stable_hash(text_));
    }
  }
  eval_count_ = eval_items_.size();
}

uint32_t Deduplicator::admit(uint32_t source, uint64_t line, uint64_t offset, const Observation& seen,
                             const uint32_t* signature) {
  if (records_.size() >= kNone - 1) {
    throw libstream::Error(libstream::ErrorKind::data, sources_[source] + ":" + std::to_string(line),
                           "more than 4 billion records in one run: split the input (--partial, --merge)");
  }
  const auto ordinal = static_cast<uint32_t>(records_.size());
  records_.emplace_back();
  clusters_.add();
  RecordInfo& info = records_.back();
  info.source = source;
  info.line = line;
  info.offset = offset;
  if (!seen.problem.empty()) {
    near_.skip();
    info.rejected = true;
    return ordinal;
  }
  if (seen.has_id) {
    info.has_id = true;
    info.id_begin = ids_.size();
    ids_.append(seen.id);
    info.id_size = static_cast<uint32_t>(seen.id.size());
  }
  info.reward = seen.reward;
  text_bytes_ += seen.text_bytes;
  if (seen.eval_item != kNone) {
    info.eval_item = seen.eval_item;  // contaminated: it takes no part in clustering
    near_.skip();
    return ordinal;
  }
  info.exact = seen.exact;
  const auto [first, inserted] = exact_first_.try_emplace(info.exact, ordinal);
  if (!inserted) {
    clusters_.unite(first->second, ordinal);
    near_.skip();  // its signature would equal the first's: nothing more to find
    return ordinal;
  }
  if (!options_.near) {
    near_.skip();
    return ordinal;
  }
  if (signature != nullptr) {
    near_.add_signature(signature, clusters_);
  } else {
    near_.skip();  // a text without words
    ++no_words_;
  }
  return ordinal;
}

void Deduplicator::first_pass() {
  if (!context_.inputs_can_be_reread()) {
    spill_ = std::make_unique<libstream::ExternalSorter>(libstream::parse_size(options_.spill_budget));
  }
  observe_all(spill_ != nullptr, false, [&](const ObservedRecord& record) {
    const uint32_t ordinal = admit(record.source, record.line, record.offset, record.seen, record.signature);
    if (!record.seen.problem.empty()) {
      context_.reject(sources_[record.source], record.line, record.offset, record.seen.problem, record.raw,
                      record.raw.size());
    } else if (spill_) {
      spill_->add(ordinal, record.kept);
    }
  });
}

void Deduplicator::decide() {
  near_.finish(clusters_);  // the comparisons left from spilling
  representative_.assign(records_.size(), kNone);
  for (uint32_t i = 0; i < records_.size(); ++i) {
    const RecordInfo& info = records_[i];
    if (info.rejected || info.eval_item != kNone) continue;
    uint32_t& kept = representative_[clusters_.find(i)];
    // First in input order, or the highest reward (ties: first in input order).
    if (kept == kNone || (options_.keep == KeepRule::best_reward && info.reward > records_[kept].reward)) kept = i;
  }
}

std::string Deduplicator::reference(uint32_t ordinal) const {
  const RecordInfo& info = records_[ordinal];
  std::string json = "{\"source\":";
  libstream::append_json_string(json, sources_[info.source]);
  json += ",\"line\":" + std::to_string(info.line) + ",\"id\":";
  if (info.has_id) {
    libstream::append_json_string(json, std::string_view(ids_).substr(info.id_begin, info.id_size));
  } else {
    json += "null";
  }
  json += '}';
  return json;
}

std::string Deduplicator::describe(uint32_t ordinal) const {
  const RecordInfo& info = records_[ordinal];
  std::string text = sources_[info.source] + ":" + std::to_string(info.line);
  if (info.has_id) text += " (" + std::string(std::string_view(ids_).substr(info.id_begin, info.id_size)) + ")";
  return text;
}

Verdict Deduplicator::verdict(uint32_t ordinal) {
  const RecordInfo& info = records_[ordinal];
  Verdict result;
  if (info.eval_item != kNone) {
    const EvalItem& item = eval_items_[info.eval_item];
    std::string overlap = "{\"source\":";
    libstream::append_json_string(overlap, sources_[item.source]);
    overlap += ",\"line\":" + std::to_string(item.line) + "}";
    result.members = "\"contaminated\":" + overlap;
    result.reason = "shares an n-gram of " + std::to_string(options_.ngram) + " words with eval item " +
                    sources_[item.source] + ":" + std::to_string(item.line);
    result.drop = true;
    ++contaminated_;
    return result;
  }
  const uint32_t root = clusters_.find(ordinal);
  if (clusters_.set_size(root) == 1) return result;
  const uint32_t kept = representative_[root];
  result.members = "\"cluster\":" + std::to_string(kept + 1);
  if (kept == ordinal) {
    result.members += ",\"representative\":true";
    ++clusters_found_;
    return result;
  }
  const bool exact = records_[kept].exact == info.exact;
  const double jaccard = exact ? 1.0 : near_.similarity(signed_as(ordinal), signed_as(kept));
  result.members += ",\"duplicate_of\":" + reference(kept) + ",\"match\":\"" + (exact ? "exact" : "near") +
                    "\",\"jaccard\":" + format_jaccard(jaccard);
  result.reason = std::string(exact ? "exact" : "near") + " duplicate of " + describe(kept) +
                  (exact ? "" : " (estimated Jaccard " + format_jaccard(jaccard) + ")");
  result.drop = true;
  ++(exact ? exact_dropped_ : near_dropped_);
  return result;
}

void emit(libstream::ToolContext& context, bool annotate, const Verdict& verdict, const std::string& source,
          uint64_t line, uint64_t offset, std::string_view bytes, std::string& scratch) {
  if (verdict.members.empty()) {
    context.write_line(bytes);
    return;
  }
  if (annotate) {
    // The annotation goes in as the last member: everything before it stays as read.
    size_t close = bytes.size();
    while (close > 0 && bytes[close - 1] != '}') --close;
    if (close == 0) {
      context.write_line(bytes);  // not reached: records are objects
      return;
    }
    size_t before = close - 1;
    while (before > 0 && (bytes[before - 1] == ' ' || bytes[before - 1] == '\t')) --before;
    scratch.assign(bytes.substr(0, close - 1));
    if (before > 0 && bytes[before - 1] != '{') scratch += ',';
    scratch += "\"dedup\":{" + verdict.members + "}}";
    scratch.append(bytes.substr(close));
    context.write_line(scratch);
    return;
  }
  if (!verdict.drop) {
    context.write_line(bytes);
    return;
  }
  context.keep_filtered(source, line, offset, verdict.reason, bytes, "," + verdict.members);
}

void Deduplicator::place(uint32_t ordinal, std::string_view bytes) {
  const RecordInfo& info = records_[ordinal];
  emit(context_, options_.annotate, verdict(ordinal), sources_[info.source], info.line, info.offset, bytes, annotated_);
}

void Deduplicator::second_pass() {
  if (spill_) {
    uint32_t next = 0;
    spill_->finish([&](std::string_view bytes) {
      while (records_[next].rejected) ++next;  // rejected records were not spilled
      place(next++, bytes);
      return true;
    });
    return;
  }
  // The same records in the same order, except inputs that failed in pass 1; each is matched
  // to its pass-1 record by input, line and offset.
  uint32_t next = 0;
  context_.reread_records(libstream::InputFormat::auto_detect,
                          [&](libstream::RecordSource& source, libstream::RawRecord& record) {
                            while (next < records_.size() &&
                                   (sources_[records_[next].source] != source.name() || records_[next].line != record.line ||
                                    records_[next].offset != record.offset)) {
                              ++next;
                            }
                            if (next == records_.size()) return;
                            const uint32_t ordinal = next++;
                            if (records_[ordinal].rejected) return;
                            place(ordinal, context_.record_bytes(source, record));
                          });
}

void Deduplicator::report() {
  // Only with --summary: a run that drops all but one record must still end quietly under | head.
  if (context_.counters().read == 0 || !context_.options().summary) return;
  std::string message = std::to_string(exact_dropped_) + " exact and " + std::to_string(near_dropped_) +
                        " near duplicates " + (options_.annotate ? "annotated" : "dropped") + " in " +
                        std::to_string(clusters_found_) + (clusters_found_ == 1 ? " cluster" : " clusters");
  if (!options_.eval.empty()) {
    message += "; " + std::to_string(contaminated_) + " records " + (options_.annotate ? "annotated" : "dropped") +
               " for sharing an n-gram with " + std::to_string(eval_count_) + " eval item" +
               (eval_count_ == 1 ? "" : "s");
    if (eval_without_field_ > 0) message += " (" + std::to_string(eval_without_field_) + " eval items without " + options_.eval_field + " skipped)";
  }
  if (no_words_ > 0) message += "; " + std::to_string(no_words_) + " records without words compared exactly only";
  message += "; " + std::to_string(text_bytes_) + " bytes of text compared";
  context_.info(message);
}

}  // namespace dedup

void check_dedup_options(const DedupOptions& options) {
  if (options.minhash.bands > options.minhash.permutations || options.minhash.permutations % options.minhash.bands != 0) {
    throw libstream::Error(libstream::ErrorKind::usage, "",
                           "--bands (" + std::to_string(options.minhash.bands) + ") must divide --permutations (" +
                               std::to_string(options.minhash.permutations) + ")");
  }
  const int phases = int{options.partial} + int{options.merge} + int{!options.decisions.empty()};
  if (phases > 1) {
    throw libstream::Error(libstream::ErrorKind::usage, "", "--partial, --merge and --decisions are steps of their own: give one");
  }
  if (options.part != 0 && options.decisions.empty()) {
    throw libstream::Error(libstream::ErrorKind::usage, "", "--part chooses a part of --decisions FILE");
  }
}

void add_dedup_options(CLI::App& app, DedupOptions& options) {
  const std::vector<std::pair<std::string, dedup::TextScope>> scopes{{"all", dedup::TextScope::all},
                                                                     {"assistant", dedup::TextScope::assistant}};
  app.add_option("--text", options.text.scope,
                 "Text compared: all message text, or assistant messages only (content, content parts' text, tool "
                 "call names and arguments)")
      ->transform(libstream::enum_choice(scopes))
      ->type_name("all|assistant")
      ->default_str("all");
  app.add_option("--field", options.text.field,
                 "Compare the strings at this dotted path instead of messages (e.g. prompt, metadata.task)");
  app.add_option("--shingle", options.minhash.shingle, "Words per shingle")->check(CLI::Range(1, 64))->capture_default_str();
  app.add_option("--permutations", options.minhash.permutations, "MinHash signature length")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--bands", options.minhash.bands, "LSH bands (must divide --permutations)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--threshold", options.threshold,
                 "Near duplicates: estimated Jaccard similarity of the shingle sets at least this")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  // A callback, not a "!" flag, which --help would show as "--exact-only{false}".
  app.add_flag_callback("--exact-only", [&options] { options.near = false; }, "Only exact duplicates (normalised text), no MinHash");
  const std::vector<std::pair<std::string, KeepRule>> rules{{"first", KeepRule::first},
                                                            {"best-reward", KeepRule::best_reward}};
  app.add_option("--keep", options.keep,
                 "Which record of a cluster is kept: the first in input order, or the highest reward (ties: the first)")
      ->transform(libstream::enum_choice(rules))
      ->type_name("first|best-reward")
      ->default_str("first");
  app.add_option("--reward-field", options.reward_field,
                 "Dotted path of the reward for --keep best-reward (default: reward, then metadata.total_reward)");
  app.add_option("--id-field", options.id_field,
                 "Dotted path naming a record in reports (default: session_id, then metadata.session_id)");
  app.add_flag("--annotate", options.annotate,
               "Write every record; add \"dedup\" (cluster, duplicate_of, contaminated) instead of dropping");
  app.add_option("--eval", options.eval, "Eval file (JSON lines, any shape): drop records sharing an n-gram with it")
      ->type_name("FILE");
  app.add_option("--eval-field", options.eval_field,
                 "Dotted path of an eval item's text (default: every string of the item)");
  app.add_option("--ngram", options.ngram, "Words in a decontamination n-gram")->check(CLI::Range(1, 64))->capture_default_str();
  app.add_option("--spill-budget", options.spill_budget,
                 "Standard input: memory for records kept for the second pass before they spill to temporary files")
      ->check(libstream::size_option())
      ->capture_default_str();
  app.add_option("--threads", options.threads,
                 "Worker threads parsing and signing records (0: the reading thread only); the output is the same for "
                 "every number")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  app.add_option("--memory-budget", options.memory_budget,
                 "Memory for signatures and LSH buckets; beyond it they spill to temporary files (same decisions)")
      ->check(libstream::size_option())
      ->capture_default_str();
  app.add_flag("--partial", options.partial,
               "Sharded run, step 1: write this shard's state (per record its key and signature) instead of records");
  app.add_flag("--merge", options.merge,
               "Sharded run, step 2: inputs are states, in shard order; write the decisions of one pass over them all");
  app.add_option("--decisions", options.decisions,
                 "Sharded run, step 3: write this shard's records as the decisions file (--merge) says")
      ->type_name("FILE");
  app.add_option("--part", options.part, "With --decisions: this shard's part, 1-based (default: the part naming the input)")
      ->check(CLI::Range(1, 1 << 30));
}

void run_dedup(const DedupOptions& options, libstream::ToolContext& context) {
  check_dedup_options(options);
  dedup::Deduplicator deduplicator(options, context);
  if (options.merge) {
    deduplicator.merge();  // the eval set was read by the shards' runs
  } else if (!options.decisions.empty()) {
    deduplicator.apply();
  } else if (options.partial) {
    deduplicator.load_eval();
    deduplicator.partial();
  } else {
    deduplicator.load_eval();
    deduplicator.first_pass();
    deduplicator.decide();
    deduplicator.second_pass();
    deduplicator.report();
  }
}

}  // namespace tracemill
