// Sorting more records than fit in memory: for shuffles and, later, regrouping rows.
#pragma once

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

}  // namespace libstream
