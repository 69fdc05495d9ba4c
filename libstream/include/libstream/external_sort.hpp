// Sorting more records than fit in memory: for shuffles and, later, regrouping rows.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace libstream {

/// Orders records by a 64-bit key, then by their bytes (so ties are deterministic too).
/// Holds up to `memory_budget` bytes of records; beyond, sorted runs spill to temporary files
/// in $TMPDIR (or /tmp), unlinked as soon as they are created so nothing is ever left behind,
/// and are merged at the end. Memory is bounded by the budget plus one record per run.
/// Grouping through the sorter (trace-pair --mode preference, trace-filter --best-of): a line
/// "KEY\tSCORE\t..." with KEY from group_key() and SCORE from descending_score_key(), added
/// under the key stable_hash(KEY), comes out with each group's lines together, best score first.

/// 16 hex digits whose text order is the descending order of `score` (-0.0 and 0.0 alike).
[[nodiscard]] std::string descending_score_key(double score);
/// The score back from descending_score_key()'s digits.
[[nodiscard]] double score_of_descending_key(std::string_view hex);
/// Sets `out` to the compact JSON array of the values at `paths` (find_path) in `root`, e.g.
/// ["crafter-3",7]: no raw tab or newline can occur in it. False when a value is missing or null.
[[nodiscard]] bool group_key(const rapidjson::Value& root, const std::vector<std::string>& paths, std::string& out);

class ExternalSorter {
 public:
  explicit ExternalSorter(size_t memory_budget);
  ~ExternalSorter();
  ExternalSorter(const ExternalSorter&) = delete;
  ExternalSorter& operator=(const ExternalSorter&) = delete;

  /// Adds one record (no newline inside). Throws Error(io) if a spill fails.
  void add(uint64_t key, std::string_view record);
  /// Hands every record to `emit` in order; `emit` returns false to stop early.
  void finish(const std::function<bool(std::string_view)>& emit);
  /// As finish(), handing each record's key too.
  void finish_keyed(const std::function<bool(uint64_t, std::string_view)>& emit);
  [[nodiscard]] size_t spilled_runs() const { return runs_.size(); }

 private:
  struct Item {
    uint64_t key;
    std::string record;
  };
  void spill();

  size_t budget_;
  size_t held_ = 0;
  std::vector<Item> items_;
  std::vector<int> runs_;  // descriptors of unlinked temporary files
};

/// Records of one fixed size in an unlinked temporary file in $TMPDIR (or /tmp), addressed by
/// index: what a tool keeps per record past its memory budget and reads back at random.
/// Indexes never written read back as zeros. Throws Error(io) when the disk fails.
class FixedRecordFile {
 public:
  explicit FixedRecordFile(size_t record_size);
  ~FixedRecordFile();
  FixedRecordFile(const FixedRecordFile&) = delete;
  FixedRecordFile& operator=(const FixedRecordFile&) = delete;

  void write(uint64_t index, const void* data);
  void read(uint64_t index, void* data) const;

 private:
  size_t size_;
  int fd_ = -1;
};

}  // namespace libstream
