// trace-dedup: exact and near-duplicate removal (MinHash + LSH, union-find clusters) and
// eval-set decontamination for trace/v1 sessions and chat examples.
#pragma once

#include "minhash.hpp"
#include "text.hpp"

#include <libstream/cli.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tracemill {

enum class KeepRule { first, best_reward };

struct DedupOptions {
  dedup::TextSelection text;
  dedup::MinHashParams minhash;
  double threshold = 0.7;  ///< estimated Jaccard at or above which two records are near duplicates
  bool near = true;        ///< false: exact duplicates only
  KeepRule keep = KeepRule::first;
  std::string reward_field;  ///< --keep best-reward: dotted path; empty = reward, then metadata.total_reward
  std::string id_field;      ///< names a record in reports; empty = session_id, then metadata.session_id
  bool annotate = false;
  std::vector<std::string> eval;  ///< eval files (any JSON lines) for decontamination
  std::string eval_field;         ///< path of the eval text; empty = every string of the item
  size_t ngram = 13;              ///< words in a decontamination n-gram
  std::string spill_budget = "256M";  ///< standard input: records held in memory before spilling
  std::string memory_budget = "1G";   ///< signatures and LSH buckets held in memory before spilling
  unsigned threads = 2;  ///< worker threads observing and signing records (0: the reading thread)
  // Sharded runs (shards.cpp): a state per shard, merged into decisions, applied per shard.
  bool partial = false;   ///< write the shard's state instead of records
  bool merge = false;     ///< inputs are states; write the decisions of one pass over them all
  std::string decisions;  ///< write the records of a shard as these decisions say
  size_t part = 0;        ///< the shard's part in the decisions (1-based); 0 = found by input name
};

void add_dedup_options(CLI::App& app, DedupOptions& options);

/// Checks option combinations CLI11 cannot (bands dividing permutations); throws
/// libstream::Error(usage).
void check_dedup_options(const DedupOptions& options);

void run_dedup(const DedupOptions& options, libstream::ToolContext& context);

}  // namespace tracemill
