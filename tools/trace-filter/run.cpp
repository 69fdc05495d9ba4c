// trace-filter's run: sessions parsed and decided on worker threads, then counted, paged,
// sorted (--shuffle, --best-of) and written on the reading thread, in input order.
#include "filter.hpp"

#include <libstream/batched_records.hpp>
#include <libstream/document.hpp>
#include <libstream/error.hpp>
#include <libstream/external_sort.hpp>
#include <libstream/hash.hpp>

#include <map>
#include <memory>
#include <stdexcept>

namespace tracemill {

using rapidjson::Value;

namespace {

Selection compile(const FilterOptions& options) {
  try {
    return Selection(options);
  } catch (const std::invalid_argument& e) {
    throw libstream::Error(libstream::ErrorKind::usage, "", e.what());  // exit 2
  }
}

/// One record's fate, decided on a worker thread.
struct Decision {
  std::string refusal;  ///< not JSON or not a session: rejected with this reason
  std::string dropped;  ///< the criterion that drops it ("" = selected)
  bool missing = false;  ///< decided on a missing or non-numeric value
  uint64_t sort_hash = 0;  ///< --shuffle, --best-of: the external sort's key
  std::string sort_head;   ///< --best-of: "KEY\tSCORE\tSESSION_ID\t", the record follows
};

}  // namespace

void run_filter(const FilterOptions& options, libstream::ToolContext& context) {
  for (const std::string& note : options.config_notes) context.warning("", note);
  const Selection selection = compile(options);
  const auto usage = [](const std::string& message) { throw libstream::Error(libstream::ErrorKind::usage, "", message); };
  if (options.best_of > 0 && options.group_by.empty()) usage("--best-of needs --group-by (the paths that name a task)");
  if (options.best_of > 0 && options.shuffle) usage("--best-of and --shuffle each order the output: use one");
  if (options.best_of == 0 && !options.group_by.empty()) usage("--group-by groups sessions for --best-of");
  // decide() reads a few members; kept records are written as read.
  const auto projection = [&] {
    libstream::Projection kept = selection.projection();
    for (const std::string& path : options.group_by) kept.keep(path);
    if (options.best_of > 0) kept.keep(options.rank_by);
    return kept;
  };
  std::map<std::string, uint64_t> dropped;
  uint64_t selected = 0;
  uint64_t missing_values = 0;
  libstream::Counters& counters = context.counters();
  std::unique_ptr<libstream::ExternalSorter> sorter;
  if (options.shuffle || options.best_of > 0) {
    sorter = std::make_unique<libstream::ExternalSorter>(libstream::parse_size(options.shuffle_memory));
  }
  // One selected session, in output order: --offset, --limit, then written (or counted).
  // False once --limit is reached.
  const auto take = [&](std::string_view bytes) {
    ++selected;
    if (selected <= options.offset) {
      ++dropped["--offset"];
      ++counters.filtered;
      return true;
    }
    if (options.dry_run) {
      ++counters.filtered;  // selected, but a dry run writes nothing
    } else {
      context.write_line(bytes);
    }
    const uint64_t kept = selected - options.offset;
    return options.limit == 0 || kept < options.limit;
  };

  // Parsing and deciding run on the worker threads, each with its own parser.
  const libstream::BatchedReading how{options.threads, /*keep_written=*/true};
  std::vector<std::unique_ptr<libstream::ProjectingParser>> parsers;
  for (unsigned i = 0; i < how.workers(); ++i) parsers.push_back(std::make_unique<libstream::ProjectingParser>(projection()));
  struct Scratch {
    std::string group_key, id;
  };
  std::vector<Scratch> scratch(how.workers());
  const auto decide_batch = [&](const libstream::RecordBatch& batch, std::vector<Decision>& decisions, unsigned worker) {
    libstream::JsonError error;
    Scratch& mine = scratch[worker];
    for (size_t i = 0; i < batch.size(); ++i) {
      Decision& decision = decisions[i];
      decision.refusal.clear();
      decision.sort_head.clear();
      const std::string_view raw = batch.raw_record(i);
      const Value* root = parsers[worker]->parse(raw.data(), raw.size(), &error);
      if (root == nullptr) {
        decision.refusal = error.describe();
        continue;
      }
      if (const char* refusal = libstream::ToolContext::not_a_session(*root)) {
        decision.refusal = refusal;
        continue;
      }
      decision.dropped = selection.decide(*root, decision.missing);
      if (!decision.dropped.empty()) continue;
      const Value* id = libstream::find_present(*root, "session_id");
      if (options.best_of > 0) {  // "KEY\tSCORE\tSESSION_ID\t": each group together, best first
        const Value* score = libstream::find_path(*root, options.rank_by);
        if (score == nullptr || !score->IsNumber()) {
          decision.dropped = "--best-of (no number at --rank-by)";
        } else if (!libstream::group_key(*root, options.group_by, mine.group_key)) {
          decision.dropped = "--best-of (no --group-by value)";
        } else {
          decision.sort_hash = libstream::stable_hash(mine.group_key);
          decision.sort_head = mine.group_key;
          decision.sort_head += '\t';
          decision.sort_head += libstream::descending_score_key(score->GetDouble());
          decision.sort_head += '\t';
          static_cast<void>(libstream::append_json_value(decision.sort_head, *id));
          decision.sort_head += '\t';
        }
      } else if (sorter) {  // --shuffle: the order of the seed's hash of the session id
        mine.id = options.seed;
        mine.id += ':';
        mine.id += libstream::string_of(*id);
        decision.sort_hash = libstream::stable_hash(mine.id);
      }
    }
  };
  std::string line;
  const auto take_batch = [&](const libstream::RecordBatch& batch, std::vector<Decision>& decisions,
                              const std::vector<std::string>& names) -> size_t {
    for (size_t i = 0; i < batch.size(); ++i) {
      const Decision& decision = decisions[i];
      if (!decision.refusal.empty()) {
        libstream::reject_batch_record(context, batch, i, names, decision.refusal);
        continue;
      }
      missing_values += decision.missing;
      if (!decision.dropped.empty()) {
        ++dropped[decision.dropped];
        ++counters.filtered;
        continue;
      }
      const std::string_view bytes = batch.kept_record(i);  // never a raw tab or newline
      if (options.best_of > 0) {
        line.assign(decision.sort_head);
        line += bytes;
        sorter->add(decision.sort_hash, line);
      } else if (sorter) {  // offset and limit apply to the shuffled order, at the end
        sorter->add(decision.sort_hash, bytes);
      } else if (!take(bytes)) {
        return i + 1;  // --limit reached: reading stops
      }
    }
    return batch.size();
  };
  libstream::for_each_record_batch_until<Decision>(context, how, decide_batch, take_batch);
  if (sorter && options.best_of > 0) {
    std::string current;
    uint64_t rank = 0;
    sorter->finish([&](std::string_view sorted) {
      const size_t key_end = sorted.find('\t');
      const std::string_view key = sorted.substr(0, key_end);
      rank = key == current ? rank + 1 : 0;
      if (rank == 0) current.assign(key);
      if (rank >= options.best_of) {
        ++dropped["--best-of"];
        ++counters.filtered;
        return true;
      }
      size_t start = key_end + 18;  // past "\tSCORE\t"; the session_id's JSON holds no raw tab
      start = sorted.find('\t', start) + 1;
      return take(sorted.substr(start));
    });
    const uint64_t untaken = counters.read - counters.rejected - counters.filtered - counters.written;
    counters.filtered += untaken;
    if (untaken > 0) dropped["--limit"] += untaken;
  } else if (sorter) {
    // Everything was read; the sessions not taken below are counted as filtered.
    sorter->finish([&](std::string_view bytes) { return take(bytes); });
    const uint64_t untaken = counters.read - counters.rejected - counters.filtered - counters.written;
    counters.filtered += untaken;
    if (untaken > 0) dropped["--limit"] += untaken;
  }

  const uint64_t kept = selected > options.offset ? selected - options.offset : 0;
  if (options.dry_run || context.options().summary) {
    const uint64_t considered = counters.read - counters.rejected;
    const uint64_t percent_tenths = considered == 0 ? 0 : (kept * 1000 + considered / 2) / considered;
    context.info("kept " + std::to_string(kept) + " of " + std::to_string(considered) + (considered == 1 ? " session (" : " sessions (") +
                 std::to_string(percent_tenths / 10) + "." + std::to_string(percent_tenths % 10) + "%)" +
                 (options.dry_run ? ", dry run: nothing written" : ""));
    for (const auto& [criterion, count] : dropped) context.info("dropped by " + criterion + ": " + std::to_string(count));
  }
  if (missing_values > 0 && !context.options().quiet) {
    context.warning("", std::to_string(missing_values) + " session" + (missing_values == 1 ? "" : "s") +
                            " had a missing or non-numeric value under a bound (" +
                            (options.missing == MissingPolicy::fail ? "dropped; --missing pass keeps them" : "kept: --missing pass") + ")");
  }
}

}  // namespace tracemill
