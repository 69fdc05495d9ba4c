// trace-dedup's first pass over the inputs: records observed and signed on the worker threads
// (--threads; parsing, text, words and MinHash are nearly all of the work) and handed back in
// input order (libstream::for_each_record_batch), so the clusters, the rejects and every
// message are the same with any number of threads.
#include "deduplicator.hpp"

#include <libstream/batched_records.hpp>
#include <libstream/hash.hpp>

namespace tracemill::dedup {

namespace {

struct Observed {
  Observation seen;
  uint64_t raw_hash = 0;
  bool is_signed = false;
  std::vector<uint32_t> signature;
};

}  // namespace

void Deduplicator::observe_all(bool kept, bool hashed, const std::function<void(const ObservedRecord&)>& take) {
  const libstream::BatchedReading how{options_.threads, kept};
  std::vector<std::unique_ptr<Observer>> observers;
  for (unsigned i = 0; i < how.workers(); ++i) observers.push_back(std::make_unique<Observer>(options_, eval_index_));
  libstream::for_each_record_batch<Observed>(
      context_, how,
      [&](const libstream::RecordBatch& batch, std::vector<Observed>& results, unsigned worker) {
        Observer& observer = *observers[worker];
        for (size_t i = 0; i < batch.size(); ++i) {
          const std::string_view raw = batch.raw_record(i);
          Observed& result = results[i];
          if (hashed) result.raw_hash = libstream::stable_hash(raw);
          observer.observe(raw.data(), raw.size(), result.seen);
          // Exact repeats are signed too (only the reading thread knows them): wasted work,
          // the same decisions.
          result.signature.resize(options_.minhash.permutations);
          result.is_signed = options_.near && result.seen.problem.empty() && result.seen.eval_item == kNone &&
                             observer.sign(result.signature.data());
        }
      },
      [&](const libstream::RecordBatch& batch, std::vector<Observed>& results, const std::vector<std::string>& names) {
        for (size_t i = 0; i < batch.size(); ++i) {
          const libstream::RecordBatch::Entry& entry = batch.entries[i];
          const Observed& result = results[i];
          take(ObservedRecord{source_index(names[entry.source]), entry.line, entry.offset, batch.raw_record(i),
                              batch.kept_record(i), result.raw_hash, result.seen,
                              result.is_signed ? result.signature.data() : nullptr});
        }
      });
}

}  // namespace tracemill::dedup
