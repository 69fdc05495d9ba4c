// trace-dedup's engine, shared by the one-pass run (dedup.cpp) and the sharded phases
// (shards.cpp: --partial, --merge, --decisions): what is kept per record, how records join
// clusters, which record a cluster keeps, and what each record's fate is.
#pragma once

#include "dedup.hpp"
#include "observer.hpp"
#include "state.hpp"

#include <libstream/document.hpp>
#include <libstream/external_sort.hpp>

#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tracemill::dedup {

/// What the first pass (or a merged state) knows about one record; text and words are not kept.
struct RecordInfo {
  uint64_t line = 0;
  uint64_t offset = 0;
  uint64_t exact = 0;       // normalized_hash of the text
  uint64_t id_begin = 0;    // the record's id in the ids arena
  double reward = -std::numeric_limits<double>::infinity();
  uint32_t source = 0;      // index into the source names
  uint32_t id_size = 0;
  uint32_t eval_item = kNone;  // the eval item it overlaps
  bool rejected = false;
  bool has_id = false;
};

struct EvalItem {
  uint32_t source;
  uint64_t line;
};

/// A record's fate: written as read (members empty), or marked with `members` (the inside of
/// its "dedup" annotation, also the extra members of its rejects entry); `drop` records are
/// filtered with `reason` unless --annotate.
struct Verdict {
  std::string members;
  std::string reason;
  bool drop = false;
};

/// Writes one record as `verdict` says: as read, annotated, or kept in --rejects as filtered.
void emit(libstream::ToolContext& context, bool annotate, const Verdict& verdict, const std::string& source,
          uint64_t line, uint64_t offset, std::string_view bytes, std::string& scratch);

/// A record observed (on whichever thread), handed back in input order by observe_all().
struct ObservedRecord {
  uint32_t source;  // index into the source names
  uint64_t line;
  uint64_t offset;
  std::string_view raw;   // as read: what was parsed, what a reject keeps
  std::string_view kept;  // as written (record_bytes), when asked for
  uint64_t raw_hash;      // stable_hash of raw, when asked for
  const Observation& seen;
  const uint32_t* signature;  // null: not signed (rejected, contaminated, no words, --exact-only)
};

class Deduplicator {
 public:
  Deduplicator(const DedupOptions& options, libstream::ToolContext& context);

  // One pass (dedup.cpp).
  void load_eval();
  void first_pass();
  void decide();
  void second_pass();
  void report();

  // Sharded phases (shards.cpp).
  void partial();
  void merge();
  void apply();

 private:
  /// Reads every input record, observes and signs it on the worker threads (reading.cpp), and
  /// calls `take` with each on this thread, in input order. `kept`: also keep each record as
  /// written; `hashed`: also hash each record as read.
  void observe_all(bool kept, bool hashed, const std::function<void(const ObservedRecord&)>& take);
  /// Appends a record to records_ and the clusters: rejected, contaminated, an exact repeat of
  /// an earlier one, or compared by its signature (null: a text without words).
  uint32_t admit(uint32_t source, uint64_t line, uint64_t offset, const Observation& seen, const uint32_t* signature);
  void place(uint32_t ordinal, std::string_view bytes);
  [[nodiscard]] Verdict verdict(uint32_t ordinal);
  [[nodiscard]] std::string reference(uint32_t ordinal) const;
  /// The record holding the signature of `ordinal`'s text: itself, or the first exact copy.
  [[nodiscard]] uint32_t signed_as(uint32_t ordinal) const { return exact_first_.at(records_[ordinal].exact); }
  [[nodiscard]] std::string describe(uint32_t ordinal) const;
  [[nodiscard]] uint32_t source_index(const std::string& name);
  /// The options that shape decisions, as (name, value) pairs: what a state records and what
  /// --merge and --decisions compare.
  [[nodiscard]] OptionList decision_options() const;
  void check_options(const rapidjson::Value& header, const std::string& where, const char* what) const;

  const DedupOptions& options_;
  libstream::ToolContext& context_;
  NearIndex near_;
  NgramIndex eval_index_;
  std::vector<std::string> sources_;  // names of inputs and eval files
  std::vector<EvalItem> eval_items_;
  uint64_t eval_count_ = 0;  // eval items loaded (by this run, or by the shards' runs)
  uint64_t eval_without_field_ = 0;
  uint64_t eval_digest_ = 0;  // of the eval items' text: shards must all have used the same

  std::vector<RecordInfo> records_;
  std::string ids_;
  UnionFind clusters_;
  std::unordered_map<uint64_t, uint32_t> exact_first_;  // normalized hash -> first record with it
  std::vector<uint32_t> representative_;                // per cluster root: the record kept
  libstream::DocumentParser parser_;  // eval items, states, decisions
  std::string text_;
  std::unique_ptr<libstream::ExternalSorter> spill_;  // standard input: the records for pass 2
  std::string annotated_;

  uint64_t text_bytes_ = 0;  // of the text compared, for --summary (speed is measured per byte of text)
  uint64_t exact_dropped_ = 0, near_dropped_ = 0, contaminated_ = 0, clusters_found_ = 0, no_words_ = 0;
};

}  // namespace tracemill::dedup
