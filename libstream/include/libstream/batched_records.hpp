// Records read on the calling thread, gathered into batches, worked on by worker threads and
// handed back in input order: how a tool whose per-record work (parsing, checking, hashing)
// dominates uses more than one core and still writes the same bytes, rejects and messages in
// the same order with any number of threads (see ordered_workers.hpp for why the order holds).
#pragma once

#include <libstream/cli.hpp>
#include <libstream/ordered_workers.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace libstream {

/// Records as read, one after another, with where each came from.
struct RecordBatch {
  struct Entry {
    size_t raw_end;     // in raw
    size_t kept_begin;  // in raw when kept_in_raw, else in kept
    size_t kept_end;
    uint64_t line;
    uint64_t offset;
    uint32_t source;   // index into the source names handed to `take`
    bool kept_in_raw;  // written as framed, or trimmed of blanks: a part of raw, not copied
    bool framed_by_structure;  // RecordSource::framed_by_structure() of its input
  };
  std::string raw;   // the records as framed: what a tool parses and a reject keeps
  std::string kept;  // the records as written (ToolContext::record_bytes), when asked for
  std::vector<Entry> entries;
  // The names of the inputs its records come from (the batch's own copy, for the workers):
  // entry.source - first_source indexes it.
  std::vector<std::string> source_names;
  uint32_t first_source = 0;

  /// The name of the input record `i` was read from.
  [[nodiscard]] const std::string& source_name(size_t i) const { return source_names[entries[i].source - first_source]; }

  [[nodiscard]] size_t size() const { return entries.size(); }
  [[nodiscard]] std::string_view raw_record(size_t i) const {
    const size_t begin = i == 0 ? 0 : entries[i - 1].raw_end;
    return std::string_view(raw).substr(begin, entries[i].raw_end - begin);
  }
  [[nodiscard]] std::string_view kept_record(size_t i) const {
    const Entry& entry = entries[i];
    return std::string_view(entry.kept_in_raw ? raw : kept).substr(entry.kept_begin, entry.kept_end - entry.kept_begin);
  }
  /// Where the record as written starts in the record as read (0 when it was rewritten).
  [[nodiscard]] size_t kept_offset_in_raw(size_t i) const {
    const size_t raw_begin = i == 0 ? 0 : entries[i - 1].raw_end;
    return entries[i].kept_in_raw ? entries[i].kept_begin - raw_begin : 0;
  }
};

struct BatchedReading {
  unsigned threads = 2;       ///< worker threads; 0: the work runs on the reading thread
  bool keep_written = false;  ///< also keep each record as written (RecordBatch::kept)
  InputFormat format = InputFormat::auto_detect;
  /// A batch's records, about (a batch ends with the record that reaches it). Smaller for a
  /// tool whose results outweigh its input (trace-pair's examples): five batches are in
  /// flight at a time.
  size_t batch_bytes = size_t{1} << 20;

  /// How many sets of per-thread state `work` needs (one when it runs on the reading thread).
  [[nodiscard]] unsigned workers() const { return threads > 0 ? threads : 1; }
};

/// Rejects record `i` of `batch` as ToolContext::reject would have while reading it.
inline void reject_batch_record(ToolContext& context, const RecordBatch& batch, size_t i,
                                const std::vector<std::string>& names, const std::string& reason) {
  const RecordBatch::Entry& entry = batch.entries[i];
  const std::string_view raw = batch.raw_record(i);
  context.reject(names[entry.source], entry.line, entry.offset, reason, raw, raw.size());
}

/// Reads every input record (ToolContext::for_each_record: framing failures are rejected as
/// they are read), gathers them into batches of about `how.batch_bytes` (at most 1,024 records), runs
/// `work(batch, results, worker)` on the worker threads (results sized to the batch; worker
/// 0..threads-1 indexes per-thread state) and `take(batch, results, source_names)` on this
/// thread, batch after batch in input order, four batches behind the one being filled.
///
/// `take` returns how many of the batch's records it took; fewer than all stops the reading
/// (a tool's --limit). Records read ahead of that point and never taken are then uncounted
/// from the ledger's `read`, as if reading had stopped right there: a stop falls at the same
/// record for every thread count, so the counts are the same for every count too. (A framing
/// failure read ahead is already rejected and stays counted.)
template <class Result>
void for_each_record_batch_until(
    ToolContext& context, const BatchedReading& how,
    const std::function<void(const RecordBatch&, std::vector<Result>&, unsigned)>& work,
    const std::function<size_t(const RecordBatch&, std::vector<Result>&, const std::vector<std::string>&)>& take) {
  const size_t batch_bytes = how.batch_bytes;
  constexpr size_t kBatchRecords = 1024;
  // Fixed, not a function of the thread count: hand-backs then fall between the same records
  // for every count, and with them the rejects for_each_record writes as it reads.
  constexpr size_t kLookahead = 4;
  struct Batch {
    RecordBatch records;
    std::vector<Result> results;
  };
  std::vector<std::string> names;
  bool stopped = false;
  uint64_t untaken = 0;  // read ahead of a stop
  OrderedWorkers<Batch> workers(
      how.threads, kLookahead,
      [&work](Batch& batch, unsigned worker) {
        batch.results.resize(batch.records.size());
        work(batch.records, batch.results, worker);
      },
      [&](Batch& batch) {
        const size_t taken = stopped ? 0 : take(batch.records, batch.results, names);
        if (taken < batch.records.size()) stopped = true;
        untaken += batch.records.size() - std::min(taken, batch.records.size());
      });
  const auto fresh = [&workers, batch_bytes] {
    Batch batch = workers.next_batch();
    // Room for a whole batch at once: growing by doubling would copy each batch's records
    // about twice more (a fresh batch's storage is only reused after the first five).
    batch.records.raw.reserve(batch_bytes + (batch_bytes >> 3));
    batch.records.raw.clear();
    batch.records.kept.clear();
    batch.records.entries.clear();
    batch.records.source_names.clear();
    return batch;
  };
  Batch batch = fresh();
  context.for_each_record(how.format, [&](RecordSource& source, RawRecord& record) {
    if (names.empty() || names.back() != source.name()) names.push_back(source.name());
    RecordBatch& records = batch.records;
    const auto source_index = static_cast<uint32_t>(names.size() - 1);
    if (records.source_names.empty()) records.first_source = source_index;
    if (records.first_source + records.source_names.size() <= source_index) records.source_names.push_back(names.back());
    const size_t raw_begin = records.raw.size();
    records.raw.append(record.data, record.size);
    RecordBatch::Entry entry{records.raw.size(), raw_begin, records.raw.size(), record.line, record.offset,
                             source_index, true, source.framed_by_structure()};
    if (how.keep_written) {
      const std::string_view written = context.record_bytes(source, record);
      if (written.data() >= record.data && written.data() + written.size() <= record.data + record.size) {
        entry.kept_begin = raw_begin + static_cast<size_t>(written.data() - record.data);
        entry.kept_end = entry.kept_begin + written.size();
      } else {
        entry.kept_in_raw = false;
        entry.kept_begin = records.kept.size();
        records.kept.append(written);
        entry.kept_end = records.kept.size();
      }
    }
    records.entries.push_back(entry);
    if (records.raw.size() >= batch_bytes || records.entries.size() >= kBatchRecords) {
      workers.submit(std::move(batch));
      batch = fresh();
    }
    return !stopped;
  });
  if (!batch.records.entries.empty()) {
    if (stopped) {
      untaken += batch.records.entries.size();
    } else {
      workers.submit(std::move(batch));
    }
  }
  workers.finish();
  context.counters().read -= untaken;
}

/// As above, for a tool that takes every record.
template <class Result>
void for_each_record_batch(
    ToolContext& context, const BatchedReading& how,
    const std::function<void(const RecordBatch&, std::vector<Result>&, unsigned)>& work,
    const std::function<void(const RecordBatch&, std::vector<Result>&, const std::vector<std::string>&)>& take) {
  for_each_record_batch_until<Result>(
      context, how, work,
      [&take](const RecordBatch& batch, std::vector<Result>& results, const std::vector<std::string>& names) {
        take(batch, results, names);
        return batch.size();
      });
}

}  // namespace libstream
