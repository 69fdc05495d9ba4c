// trace-dedup's first pass over the inputs: records read on this thread, gathered into
// batches, observed and signed by the worker threads (--threads; parsing, text, words and
// MinHash are nearly all of the work), and handed back in input order, so the clusters, the
// rejects and every message are the same with any number of threads.
#include "deduplicator.hpp"

#include <libstream/hash.hpp>
#include <libstream/ordered_workers.hpp>

namespace tracemill::dedup {

namespace {

// A batch closes at about 1 MiB of records or 1024 records (small chat examples: their
// signatures, 1 KiB each by default, are the larger part then).
constexpr size_t kBatchBytes = size_t{1} << 20;
constexpr size_t kBatchRecords = 1024;
// Batches in flight before the oldest is handed back: enough to keep two workers busy while
// this thread admits; fixed, so hand-backs fall at the same records with any thread count.
constexpr size_t kLookahead = 4;

struct Batch {
  struct Entry {
    size_t raw_end;   // in raw
    size_t kept_end;  // in kept
    uint64_t line;
    uint64_t offset;
    uint64_t raw_hash;
    uint32_t source;
    bool is_signed;
  };
  std::string raw;   // the records as read, one after another
  std::string kept;  // the records as written, when asked for
  std::vector<Entry> entries;
  std::vector<Observation> seen;
  std::vector<uint32_t> signatures;  // permutations values per entry

  void clear() {
    raw.clear();
    kept.clear();
    entries.clear();
  }
};

}  // namespace

void Deduplicator::observe_all(bool kept, bool hashed, const std::function<void(const ObservedRecord&)>& take) {
  const size_t permutations = options_.minhash.permutations;
  std::vector<std::unique_ptr<Observer>> observers;
  for (unsigned i = 0; i < std::max(options_.threads, 1u); ++i) {
    observers.push_back(std::make_unique<Observer>(options_, eval_index_));
  }
  const auto work = [&](Batch& batch, unsigned worker) {
    Observer& observer = *observers[worker];
    batch.seen.resize(batch.entries.size());
    batch.signatures.resize(batch.entries.size() * permutations);
    size_t begin = 0;
    for (size_t i = 0; i < batch.entries.size(); ++i) {
      Batch::Entry& entry = batch.entries[i];
      const char* data = batch.raw.data() + begin;
      const size_t size = entry.raw_end - begin;
      begin = entry.raw_end;
      if (hashed) entry.raw_hash = libstream::stable_hash(std::string_view(data, size));
      Observation& seen = batch.seen[i];
      observer.observe(data, size, seen);
      // Exact repeats are signed too (only the reading thread knows them): wasted work, the
      // same decisions.
      entry.is_signed = options_.near && seen.problem.empty() && seen.eval_item == kNone &&
                        observer.sign(&batch.signatures[i * permutations]);
    }
  };
  const auto done = [&](Batch& batch) {
    size_t raw_begin = 0, kept_begin = 0;
    for (size_t i = 0; i < batch.entries.size(); ++i) {
      const Batch::Entry& entry = batch.entries[i];
      const ObservedRecord record{entry.source,
                                  entry.line,
                                  entry.offset,
                                  std::string_view(batch.raw).substr(raw_begin, entry.raw_end - raw_begin),
                                  std::string_view(batch.kept).substr(kept_begin, entry.kept_end - kept_begin),
                                  entry.raw_hash,
                                  batch.seen[i],
                                  entry.is_signed ? &batch.signatures[i * permutations] : nullptr};
      raw_begin = entry.raw_end;
      kept_begin = entry.kept_end;
      take(record);
    }
  };
  libstream::OrderedWorkers<Batch> workers(options_.threads, kLookahead, work, done);
  Batch batch = workers.next_batch();
  batch.clear();
  context_.for_each_record(libstream::InputFormat::auto_detect,
                           [&](libstream::RecordSource& source, libstream::RawRecord& record) {
                             batch.raw.append(record.data, record.size);
                             if (kept) batch.kept.append(context_.record_bytes(source, record));
                             batch.entries.push_back({batch.raw.size(), batch.kept.size(), record.line, record.offset, 0,
                                                      source_index(source.name()), false});
                             if (batch.raw.size() >= kBatchBytes || batch.entries.size() >= kBatchRecords) {
                               workers.submit(std::move(batch));
                               batch = workers.next_batch();
                               batch.clear();
                             }
                             return true;
                           });
  if (!batch.entries.empty()) workers.submit(std::move(batch));
  workers.finish();
}

}  // namespace tracemill::dedup
