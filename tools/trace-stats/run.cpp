// trace-stats: the run. Reads sessions (in worker threads for a plain summary) or states,
// then writes the state, the report and the HTML page.
#include "accumulator.hpp"
#include "outliers.hpp"
#include "prompt_learning.hpp"
#include "report_model.hpp"
#include "stats.hpp"

#include <libstream/document.hpp>
#include <libstream/error.hpp>
#include <libstream/projection.hpp>
#include <libstream/sink.hpp>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include <sys/ioctl.h>
#include <unistd.h>

namespace tracemill {

using libstream::find_member;
using libstream::find_present;
using libstream::string_of;
using rapidjson::Value;
using stats::Accumulator;
using stats::PromptLearning;

namespace {

/// Columns of the text report: --width, else $COLUMNS, else the terminal's width when the
/// report goes to one, else 80 (files and pipes get the same report on every machine).
size_t report_width(const StatsOptions& options, libstream::ToolContext& context) {
  if (options.width > 0) return options.width;
  if (const char* columns = std::getenv("COLUMNS"); columns != nullptr) {
    char* end = nullptr;
    const unsigned long n = std::strtoul(columns, &end, 10);
    if (end != columns && *end == '\0' && n >= 40 && n <= 10000) return n;
  }
  const int fd = options.tee ? 2 : context.options().output.path == "-" ? 1 : -1;
  winsize size{};
  if (fd >= 0 && isatty(fd) && ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col >= 40) return size.ws_col;
  return 80;
}

/// Now in UTC (ISO 8601), or $SOURCE_DATE_EPOCH's time when set: reproducible reports.
std::string report_time() {
  std::time_t t = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch != nullptr && *epoch != '\0') {
    char* end = nullptr;
    const long long e = std::strtoll(epoch, &end, 10);
    if (*end == '\0') t = static_cast<std::time_t>(e);
  }
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

}  // namespace

void run_stats(const StatsOptions& given, libstream::ToolContext& context) {
  StatsOptions options = given;
  std::shared_ptr<const libstream::Tokenizer> tokenizer;
  if (options.chat_tokens) {
    tokenizer = libstream::load_tokenizer(options.tokenizer);
    options.counter = tokenizer.get();
  }
  Accumulator acc(options);
  if (!options.compare.empty() && acc.metric_index(options.compare) == SIZE_MAX) {
    throw libstream::Error(libstream::ErrorKind::usage, "", "--compare " + options.compare + ": not a metric (add it with --field)");
  }
  if (acc.metric_index(options.outlier_metric) == SIZE_MAX) {
    throw libstream::Error(libstream::ErrorKind::usage, "", "--outlier-metric " + options.outlier_metric + ": not a metric (add it with --field)");
  }
  if (!options.outliers_out.empty()) {
    if (options.outliers.empty()) throw libstream::Error(libstream::ErrorKind::usage, "", "--outliers-out needs --outliers iqr|z|mad");
    if (options.merge) throw libstream::Error(libstream::ErrorKind::usage, "", "--outliers-out writes sessions, and states (--merge) hold none");
    if (!context.inputs_can_be_reread()) {
      throw libstream::Error(libstream::ErrorKind::usage, "",
                             "--outliers-out reads the input a second time: give files, not standard input or a pipe");
    }
  }
  if (options.partial && options.tee) {
    throw libstream::Error(libstream::ErrorKind::usage, "", "--partial writes the state where --tee writes records: use --state-out FILE with --tee");
  }
  PromptLearning learning;
  uint64_t ordinal = 0;  // of records on this thread (prompt-learning records keep input order by it)
  // Sessions one at a time on this thread, or, for a plain summary (no --tee, no --merge), in
  // batches parsed by worker threads: batch k goes to worker k mod N and each worker keeps its
  // own accumulator, merged in worker order at the end, so the result does not depend on
  // scheduling. Memory: at most kQueued batches of kBatchBytes per worker, waiting.
  // --unique-sessions keeps the first session of an id in input order: one thread.
  const unsigned workers = options.merge || options.tee || options.unique_sessions ? 0 : options.threads;
  struct Reject {
    uint64_t batch;
    std::string source;
    uint64_t line, offset, size;
    std::string reason, raw;
  };
  struct Batch {
    std::string bytes;
    std::vector<size_t> ends;  // end offset of each record in bytes
    std::vector<uint64_t> lines, offsets;
    std::string source;
    uint64_t index = 0;
  };
  struct Worker {
    explicit Worker(const StatsOptions& o) : acc(o) {}
    Accumulator acc;
    PromptLearning learning;
    std::vector<Reject> rejects;
    std::deque<Batch> queue;
    std::mutex mutex;
    std::condition_variable ready, room;
    bool done = false;
    std::thread thread;
  };
  constexpr size_t kBatchBytes = size_t{1} << 20;
  constexpr size_t kQueued = 2;
  std::vector<std::unique_ptr<Worker>> pool;
  // Batches done with come back for the next records: their buffers stay allocated and
  // paged in, instead of a fresh megabyte (and its page faults) per batch.
  std::vector<Batch> spent;
  std::mutex spent_mutex;
  const auto work = [&spent, &spent_mutex](Worker& w) {
    libstream::ProjectingParser parser(w.acc.projection());
    for (;;) {
      Batch batch;
      {
        std::unique_lock<std::mutex> lock(w.mutex);
        w.ready.wait(lock, [&] { return !w.queue.empty() || w.done; });
        if (w.queue.empty()) {
          w.acc.sort_values();  // here, in parallel, rather than on the merging thread
          return;
        }
        batch = std::move(w.queue.front());
        w.queue.pop_front();
      }
      w.room.notify_one();
      size_t begin = 0;
      for (size_t i = 0; i < batch.ends.size(); ++i) {
        const char* data = batch.bytes.data() + begin;
        const size_t size = batch.ends[i] - begin;
        begin = batch.ends[i];
        libstream::JsonError error;
        const Value* root = parser.parse(data, size, &error);
        if (root != nullptr && PromptLearning::claims(*root)) root = parser.parse_whole(data, size, &error);
        std::string reason;
        if (root == nullptr) {
          reason = error.describe();
        } else if (!w.learning.add(*root, (batch.index << 32 | i) + 1)) {
          const Value* id = find_present(*root, "session_id");
          if (id == nullptr || !id->IsString()) {
            reason = "not a session record: no string session_id (normalise it to trace/v1 first)";
          } else {
            static_cast<void>(w.acc.repeated_session(string_of(*id)));  // counted (--unique-sessions runs on one thread)
            w.acc.count_record();
            w.acc.add(*root);
          }
        }
        if (!reason.empty()) w.rejects.push_back({batch.index, batch.source, batch.lines[i], batch.offsets[i], size, reason, std::string(data, size)});
      }
      batch.bytes.clear();
      batch.ends.clear();
      batch.lines.clear();
      batch.offsets.clear();
      std::lock_guard<std::mutex> lock(spent_mutex);
      spent.push_back(std::move(batch));
    }
  };
  for (unsigned i = 0; i < workers; ++i) {
    pool.push_back(std::make_unique<Worker>(options));
    pool.back()->thread = std::thread(work, std::ref(*pool.back()));
  }
  Batch batch;
  uint64_t batches = 0;
  const auto hand_over = [&] {
    if (batch.ends.empty()) return;
    batch.index = batches;
    Worker& w = *pool[batches++ % pool.size()];
    {
      std::unique_lock<std::mutex> lock(w.mutex);
      w.room.wait(lock, [&] { return w.queue.size() < kQueued; });
      w.queue.push_back(std::move(batch));
    }
    w.ready.notify_one();
    batch = Batch();
    std::lock_guard<std::mutex> lock(spent_mutex);
    if (!spent.empty()) {
      batch = std::move(spent.back());
      spent.pop_back();
    }
  };
  const auto stop_workers = [&] {
    for (auto& w : pool) {
      {
        std::lock_guard<std::mutex> lock(w->mutex);
        w->done = true;
      }
      w->ready.notify_one();
      if (w->thread.joinable()) w->thread.join();
    }
  };
  libstream::DocumentParser parser;  // states (--merge)
  libstream::ProjectingParser session_parser(acc.projection());
  try {
    context.for_each_record(libstream::InputFormat::auto_detect, [&](libstream::RecordSource& source, libstream::RawRecord& record) {
      if (!pool.empty()) {
        if (!record.problem.empty()) {
          context.reject(source, record, record.problem);
          return true;
        }
        if (batch.source != source.name()) {
          hand_over();
          batch.source = source.name();
        }
        batch.bytes.append(record.data, record.size);  // as read: what the one-thread path parses and rejects
        batch.ends.push_back(batch.bytes.size());
        batch.lines.push_back(record.line);
        batch.offsets.push_back(record.offset);
        ++context.counters().written;  // summarised (a record found unusable is moved to rejected below)
        if (batch.bytes.size() >= kBatchBytes) hand_over();
        return true;
      }
      if (options.merge) {
        libstream::JsonError error;
        const Value* root = parser.parse(record.data, record.size, &error);
        if (root == nullptr) {
          context.reject(source, record, error.describe());
          return true;
        }
        acc.merge_state(*root, source.name() + ":" + std::to_string(record.line));
        if (const Value* state = find_member(*root, "prompt_learning")) learning.merge_state(*state);
        ++context.counters().written;
        return true;
      }
      libstream::JsonError error;
      const Value* root = session_parser.parse(record.data, record.size, &error);
      if (root != nullptr && PromptLearning::claims(*root)) root = session_parser.parse_whole(record.data, record.size, &error);
      if (root == nullptr) {
        context.reject(source, record, error.describe());
        return true;
      }
      const bool taken = learning.add(*root, ++ordinal);  // queue and prompt-learning records: their own summary
      if (!taken) {
        const Value* id = find_present(*root, "session_id");
        if (id == nullptr || !id->IsString()) {
          context.reject(source, record, "not a session record: no string session_id (normalise it to trace/v1 first)");
          return true;
        }
        if (acc.repeated_session(string_of(*id)) && options.unique_sessions) {
          ++context.counters().filtered;  // a repeat: the first session with this id was kept
          return true;
        }
        acc.count_record();
        acc.add(*root);
      }
      if (options.tee) {
        context.write_line(context.record_bytes(source, record));
      } else {
        ++context.counters().written;  // summarised
      }
      return true;
    });
    hand_over();
  } catch (...) {
    stop_workers();
    throw;
  }
  stop_workers();
  std::vector<Reject> rejects;
  for (auto& w : pool) {
    acc.merge(w->acc);
    learning.merge(w->learning);
    rejects.insert(rejects.end(), w->rejects.begin(), w->rejects.end());
  }
  std::stable_sort(rejects.begin(), rejects.end(), [](const Reject& a, const Reject& b) {
    return a.batch != b.batch ? a.batch < b.batch : a.line < b.line;
  });
  for (const Reject& r : rejects) {
    --context.counters().written;
    context.reject(r.source, r.line, r.offset, r.reason, r.raw, r.size);
  }
  // After the report, so that a reader closing the pipe early (head) sees no message.
  const auto warn_about_repeats = [&] {
    if (acc.repeated_sessions() > 0) {
      context.warning("", std::to_string(acc.repeated_sessions()) + " session" + (acc.repeated_sessions() == 1 ? " repeats a session_id" : "s repeat session_ids") +
                              " seen before in the input" +
                              (options.unique_sessions ? ": not counted (--unique-sessions kept the first of each)"
                                                       : ", each counted again (--unique-sessions keeps only the first)"));
    }
    if (acc.untracked_ids() > 0) {
      context.warning("", std::to_string(acc.untracked_ids()) + " session ids were not checked for repeats: more than " +
                              std::to_string(stats::Accumulator::kMaxTrackedIds) + " distinct ids");
    }
  };
  // A report without one of its inputs would be read as the report of them all: none is
  // written (the input's error is reported, and the exit status is 1).
  if (context.some_input_failed()) return;
  stats::ReportModel report = stats::build_report(options, acc, learning, stats::find_outliers(options, acc, context));
  report.inputs = context.options().inputs;
  report.version = libstream::version();
  report.generated = report_time();
  if (!options.state_out.empty()) {
    libstream::AtomicFileSink sink(options.state_out);
    const std::string state = acc.state(learning.state()) + "\n";
    sink.write(state.data(), state.size());
    sink.commit();
  }
  if (!options.report.empty()) {
    libstream::AtomicFileSink sink(options.report);
    const std::string html = stats::render(report, "html");
    sink.write(html.data(), html.size());
    sink.commit();
  }
  if (options.partial) {
    const std::string state = acc.state(learning.state());
    context.out().write(state.data(), state.size());
    context.out().put('\n');
    warn_about_repeats();
    return;
  }
  std::string format = options.format;
  if (format == "auto") {
    const std::string& out = context.options().output.path;
    format = out.size() > 3 && out.compare(out.size() - 3, 3, ".md") == 0 ? "markdown" : "text";
  }
  const std::string text = stats::render(report, format, report_width(options, context));
  if (options.tee) {
    if (!options.state_out.empty() && options.format == "auto") {  // a map step in a pipeline: the state is the output
      warn_about_repeats();
      return;
    }
    context.clear_progress();
    libstream::FdSink err(2, "<stderr>");
    err.write(text.data(), text.size());
  } else if (!options.state_out.empty() && context.options().output.path == "-" && options.format == "auto") {
    // With --state-out alone (a map step) the report is not wanted on stdout.
  } else {
    context.out().write(text.data(), text.size());
  }
  warn_about_repeats();
}

}  // namespace tracemill
