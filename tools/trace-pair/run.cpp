// trace-pair's run for the example modes (turn, trajectory, pairs, window): sessions parsed
// and made into examples on worker threads, each session's examples, metadata lines and
// failing examples kept beside it in its batch; they go out on the reading thread, in input
// order, so the output is the same for every thread count.
#include "pair.hpp"

#include <libstream/batched_records.hpp>
#include <libstream/document.hpp>
#include <libstream/sink.hpp>
#include <libstream/tokenizer.hpp>

#include <memory>

namespace tracemill {

using rapidjson::Value;

namespace {

/// What one session produced.
struct Paired {
  std::string refusal;   ///< not JSON or not a session: rejected with this reason
  PairResult result;     ///< result.problem: rejected with that reason
  std::string examples;  ///< its examples, one per line
  std::string metadata;  ///< its --metadata-out lines
  std::vector<std::pair<std::string, std::string>> invalid;  ///< examples failing the openai-chat rules, and why
};

/// One worker thread's Pairer, writing into the session it is given.
class PairingWorker {
 public:
  PairingWorker(const PairOptions& given, bool sidecar) : options_(given) {
    options_.metadata_sink = sidecar ? &metadata_sink_ : nullptr;
    pairer_ = std::make_unique<Pairer>(options_);
    pairer_->on_invalid = [this](std::string_view example, const std::string& reason) {
      session_->invalid.emplace_back(std::string(example), reason);
    };
  }

  void pair(std::string_view raw, Paired& session) {
    // A session's buffers are reused by the session that takes its place in a later batch;
    // one long session's examples must not stay allocated for the rest of the run.
    if (session.examples.capacity() > (size_t{4} << 20)) std::string().swap(session.examples);
    session.refusal.clear();
    session.examples.clear();
    session.metadata.clear();
    session.invalid.clear();
    session.result = PairResult();
    libstream::JsonError error;
    const Value* root = parser_.parse(raw.data(), raw.size(), &error);
    if (root == nullptr) {
      session.refusal = error.describe();
      return;
    }
    if (const char* refusal = libstream::ToolContext::not_a_session(*root)) {
      session.refusal = refusal;
      return;
    }
    session_ = &session;
    examples_->redirect(session.examples);
    metadata_->redirect(session.metadata);
    session.result = pairer_->pair(*root, examples_sink_);
    examples_sink_.flush();
    metadata_sink_.flush();
  }

 private:
  /// A sink appending to `text` (redirected per session), and a handle to it in `handle`.
  static std::unique_ptr<libstream::ByteSink> string_sink(std::string& text, libstream::StringSink*& handle) {
    auto sink = std::make_unique<libstream::StringSink>(text);
    handle = sink.get();
    return sink;
  }

  PairOptions options_;  // the Pairer keeps a reference: this worker's copy, with its own sidecar
  std::string unused_;   // where the sinks point before the first session
  libstream::StringSink* examples_ = nullptr;
  libstream::StringSink* metadata_ = nullptr;
  libstream::BufferedSink examples_sink_{string_sink(unused_, examples_)};
  libstream::BufferedSink metadata_sink_{string_sink(unused_, metadata_)};
  libstream::DocumentParser parser_;
  std::unique_ptr<Pairer> pairer_;
  Paired* session_ = nullptr;
};

std::string count(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

void run_pair(const PairOptions& given, libstream::ToolContext& context) {
  if (given.mode == PairMode::preference || given.mode == PairMode::kto) {
    run_preference(given, context);
    return;
  }
  PairOptions options = given;
  std::unique_ptr<libstream::BufferedSink> metadata_sink;
  if (!options.metadata_out.empty()) {
    metadata_sink = libstream::open_output(libstream::OutputOptions{options.metadata_out});
  }
  std::shared_ptr<const libstream::Tokenizer> tokenizer;
  if (options.max_tokens > 0 && !options.token_estimate) {
    tokenizer = libstream::load_tokenizer(options.tokenizer);
    options.counter = tokenizer.get();
  }
  // --dedup keeps one set of the examples written, in input order: one Pairer, on this thread.
  // Batches of 128 KiB: a session's examples repeat its history, nine times its bytes in
  // turn mode, and five batches are in flight.
  libstream::BatchedReading how{options.dedup ? 0U : options.threads};
  how.batch_bytes = size_t{128} << 10;
  std::vector<std::unique_ptr<PairingWorker>> workers;
  for (unsigned i = 0; i < how.workers(); ++i) workers.push_back(std::make_unique<PairingWorker>(options, metadata_sink != nullptr));
  const auto pair_batch = [&](const libstream::RecordBatch& batch, std::vector<Paired>& paired, unsigned worker) {
    for (size_t i = 0; i < batch.size(); ++i) workers[worker]->pair(batch.raw_record(i), paired[i]);
  };

  libstream::Counters& counters = context.counters();
  libstream::BufferedSink& out = context.out();
  PairResult total;
  const auto take_batch = [&](const libstream::RecordBatch& batch, std::vector<Paired>& paired,
                              const std::vector<std::string>& names) {
    for (size_t i = 0; i < batch.size(); ++i) {
      const Paired& session = paired[i];
      const libstream::RecordBatch::Entry& entry = batch.entries[i];
      if (!session.refusal.empty()) {
        libstream::reject_batch_record(context, batch, i, names, session.refusal);
        continue;
      }
      for (const auto& [example, reasons] : session.invalid) {
        // Kept in --rejects beside its session's place; the ledger counts sessions, so the
        // example is not counted as a filtered record.
        context.keep_filtered(names[entry.source], entry.line, entry.offset,
                              "an example that fails the openai-chat rules: " + reasons, example, "");
        --counters.filtered;
      }
      out.write(session.examples.data(), session.examples.size());
      if (metadata_sink) metadata_sink->write(session.metadata.data(), session.metadata.size());
      const PairResult& result = session.result;
      if (!result.problem.empty()) {
        libstream::reject_batch_record(context, batch, i, names, result.problem);
        continue;
      }
      total.examples += result.examples;
      total.unanswered += result.unanswered;
      total.duplicates += result.duplicates;
      total.trimmed += result.trimmed;
      total.over_budget += result.over_budget;
      total.windows += result.windows;
      total.no_turns += result.no_turns;
      total.recovered_ids += result.recovered_ids;
      total.unknown_results += result.unknown_results;
      total.invalid += result.invalid;
      // Sessions are what is read: one with examples counts as written, one without as filtered.
      if (result.examples > 0) {
        ++counters.written;
      } else {
        ++counters.filtered;
      }
    }
  };
  libstream::for_each_record_batch<Paired>(context, how, pair_batch, take_batch);
  if (metadata_sink) metadata_sink->commit();

  if (total.recovered_ids > 0) {
    context.warning("", count(total.recovered_ids, "tool message", "tool messages") +
                            " without a tool_call_id tied to the call they answer (by name, else the first call not answered)");
  }
  if (total.unknown_results > 0) {
    context.warning("", count(total.unknown_results, "tool result", "tool results") +
                            " whose call is unknown written with \"name\":null (--tool-format hf)");
  }
  if (total.invalid > 0) {
    context.warning("", count(total.invalid, "example", "examples") +
                            " failing the openai-chat rules not written (kept in --rejects with the reasons)");
  }
  if (counters.read > 0) {
    context.info(count(total.examples, "example", "examples") + " from " + count(counters.written, "session", "sessions") +
                 "; " +
                 (options.mode == PairMode::window
                      ? count(total.windows, "window", "windows") + " qualified; " +
                            count(total.no_turns, "session", "sessions") + " without per-turn data (turns, message turns) skipped"
                      : (options.mode == PairMode::pairs ? count(total.unanswered, "user turn", "user turns")
                                                         : count(total.unanswered, "session", "sessions")) +
                            " without an assistant reply skipped") +
                 (options.dedup ? "; " + count(total.duplicates, "duplicate example", "duplicate examples") + " dropped" : "") +
                 (options.max_tokens > 0 ? "; " + count(total.trimmed, "example", "examples") + " trimmed to --max-tokens, " +
                                               std::to_string(total.over_budget) + " still over it"
                                         : ""));
  }
}

}  // namespace tracemill
