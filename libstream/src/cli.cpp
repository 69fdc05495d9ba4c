#include <libstream/cli.hpp>
#include <libstream/completion.hpp>
#include <libstream/error.hpp>
#include <libstream/json.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <sstream>
#include <stdexcept>

#ifndef TRACE_VERSION
#error "TRACE_VERSION must be defined by the build"
#endif

namespace libstream {
namespace {

constexpr uint64_t kMaxReportedRejects = 100;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string with_commas(uint64_t value) {
  std::string digits = std::to_string(value);
  for (size_t i = digits.size(); i > 3; i -= 3) digits.insert(i - 3, ",");
  return digits;
}

std::string human_bytes(double bytes) {
  static const char* const kUnits[] = {"B", "KB", "MB", "GB", "TB"};
  size_t unit = 0;
  while (bytes >= 1000.0 && unit < 4) {
    bytes /= 1000.0;
    ++unit;
  }
  const auto tenths = static_cast<uint64_t>(bytes * 10.0 + 0.5);
  std::string text = std::to_string(tenths / 10);
  if (unit > 0) text += "." + std::to_string(tenths % 10);
  return text + " " + kUnits[unit];
}

void write_fd(int fd, const std::string& text) {
  FdSink sink(fd, fd == 1 ? "<stdout>" : "<stderr>");
  try {
    sink.write(text.data(), text.size());
  } catch (const Error&) {
    // Nowhere left to report a failure to write a diagnostic.
  }
}

}  // namespace

const char* version() { return TRACE_VERSION; }

const std::vector<std::pair<std::string, InputFormat>> kInputFormats{{"auto", InputFormat::auto_detect},
                                                                     {"ndjson", InputFormat::ndjson},
                                                                     {"array", InputFormat::array},
                                                                     {"concat", InputFormat::concat},
                                                                     {"document", InputFormat::document}};
const std::vector<std::pair<std::string, OnError>> kErrorPolicies{{"skip", OnError::skip}, {"fail", OnError::fail}};

uint64_t parse_size(const std::string& text) {
  size_t end = 0;
  const unsigned long long number = std::stoull(text, &end);
  uint64_t scale = 1;
  if (end < text.size()) {
    const std::string suffix = text.substr(end);
    if (suffix == "K" || suffix == "k" || suffix == "KiB") {
      scale = uint64_t{1} << 10;
    } else if (suffix == "M" || suffix == "m" || suffix == "MiB") {
      scale = uint64_t{1} << 20;
    } else if (suffix == "G" || suffix == "g" || suffix == "GiB") {
      scale = uint64_t{1} << 30;
    } else {
      throw std::invalid_argument("unknown size suffix '" + suffix + "' (use K, M or G)");
    }
  }
  if (number == 0) throw std::invalid_argument("a size must be positive");
  return number * scale;
}

CLI::Validator size_option() {
  return CLI::Validator(
      [](std::string& text) {
        try {
          (void)parse_size(text);
          return std::string();
        } catch (const std::exception& e) {
          return std::string("invalid size '") + text + "': " + e.what();
        }
      },
      "SIZE");
}

void add_io_options(CLI::App& app, IoOptions& options) {
  app.add_option("files", options.inputs, "Inputs, read in order; - is standard input (the default)")
      ->type_name("FILE");
  const char* group = "Input/output";
  app.add_option("-o,--output", options.output.path,
                 "Write to FILE (atomically: a temporary renamed on success) instead of standard output")
      ->type_name("FILE")
      ->group(group);
  app.add_flag("-z,--zstd", options.output.zstd, "Compress the output with zstd (implied by -o NAME.zst)")->group(group);
  app.add_option("--zstd-level", options.output.zstd_level, "zstd compression level")
      ->check(CLI::Range(1, 19))
      ->capture_default_str()
      ->group(group);
  app.add_option("--rejects", options.rejects,
                 "Keep every rejected record in FILE as NDJSON {tool, source, line, offset, error, raw}")
      ->type_name("FILE")
      ->group(group);
  app.add_option("--on-error", options.on_error,
                 "On a bad record: skip (reject it and go on) or fail (stop at the first)")
      ->transform(enum_choice(kErrorPolicies))
      ->type_name("skip|fail")
      ->default_str("skip")
      ->group(group);
  app.add_option("--max-errors", options.max_errors,
                 "Exit 1 at the end if more records than this were rejected (a count, or a fraction such as 0.01)")
      ->type_name("N|FRACTION")
      ->group(group);
  app.add_option("--max-record-size", options.max_record_size,
                 "Reject records larger than this (suffix K, M or G)")
      ->capture_default_str()
      ->check(size_option())
      ->group(group);
  app.add_flag("-q,--quiet", options.quiet, "Do not print warnings or per-record messages")->group(group);
  app.add_flag("--summary", options.summary, "Print the counts (read, written, filtered, rejected, blank) on stderr")
      ->group(group);
  app.add_option("--summary-file", options.summary_file, "Write the counts as JSON to FILE")
      ->type_name("FILE")
      ->group(group);
  app.add_flag("--progress", options.progress, "Show progress on stderr when it is a terminal")->group(group);
  app.add_flag("--hadoop-counters", options.hadoop_counters, "Report counts as Hadoop Streaming counters on stderr")
      ->group(group);
}

// ---------------------------------------------------------------------------------------

ToolContext::ToolContext(std::string tool, const IoOptions& options)
    : tool_(std::move(tool)), options_(options), stderr_(std::make_unique<FdSink>(2, "<stderr>")) {
  framing_.max_record_size = parse_size(options_.max_record_size);
  out_ = open_output(options_.output);
  if (!options_.rejects.empty()) {
    OutputOptions rejects;
    rejects.path = options_.rejects;
    rejects_ = open_output(rejects);
  }
  show_progress_ = options_.progress && ::isatty(2) == 1;
  progress_start_ns_ = progress_last_ns_ = now_ns();
}

ToolContext::~ToolContext() = default;

void ToolContext::write_diagnostic(const std::string& line) {
  if (options_.output.path == "-") {
    try {
      out_->flush();  // stdout first, so the two streams interleave in order on a terminal
    } catch (const Error&) {
      // the write error surfaces again at the next write or at commit
    }
  }
  // A progress line on screen is cleared first, so the message starts a line of its own.
  write_fd(2, (progress_on_screen_ ? "\r\033[K" : "") + line + "\n");
  progress_on_screen_ = false;
}

void ToolContext::warning(const std::string& where, const std::string& message) {
  if (options_.quiet) return;
  write_diagnostic(tool_ + ": " + (where.empty() ? "" : where + ": ") + "warning: " + message);
}

void ToolContext::clear_progress() {
  if (progress_on_screen_) write_fd(2, "\r\033[K");
  progress_on_screen_ = false;
}

void ToolContext::info(const std::string& message) {
  if (!options_.quiet) write_diagnostic(tool_ + ": " + message);
}

const rapidjson::Value* ToolContext::parse_session(DocumentParser& parser, const RecordSource& source,
                                                  const RawRecord& record) {
  JsonError error;
  return checked_session(parser.parse(record.data, record.size, &error), error, source, record);
}

const rapidjson::Value* ToolContext::parse_session(ProjectingParser& parser, const RecordSource& source,
                                                  const RawRecord& record) {
  JsonError error;
  return checked_session(parser.parse(record.data, record.size, &error), error, source, record);
}

const rapidjson::Value* ToolContext::checked_session(const rapidjson::Value* root, const JsonError& error,
                                                    const RecordSource& source, const RawRecord& record) {
  if (root == nullptr) {
    reject(source, record, error.describe());
    return nullptr;
  }
  if (const char* refusal = not_a_session(*root)) {
    reject(source, record, refusal);
    return nullptr;
  }
  return root;
}

const char* ToolContext::not_a_session(const rapidjson::Value& root) {
  const rapidjson::Value* id = find_present(root, "session_id");
  if (id != nullptr && id->IsString()) return nullptr;
  return "not a session record: no string session_id (normalise it to trace/v1 first)";
}

std::string_view ToolContext::record_bytes(const RecordSource& source, const RawRecord& record, bool compact) {
  const char* begin = record.data;
  const char* end = record.data + record.size;
  while (begin < end && (*begin == ' ' || *begin == '\t')) ++begin;
  while (end > begin && (end[-1] == ' ' || end[-1] == '\t')) --end;
  std::string_view bytes(begin, static_cast<size_t>(end - begin));
  if (compact || source.framed_by_structure() || std::memchr(bytes.data(), '\t', bytes.size()) != nullptr) {
    compacted_.clear();
    if (append_compact_json(bytes.data(), bytes.size(), compacted_, nullptr)) bytes = compacted_;
  }
  return bytes;
}

void ToolContext::error(const std::string& where, const std::string& message) {
  failed_ = true;
  if (message.empty()) return;
  write_diagnostic(tool_ + ": " + (where.empty() ? "" : where + ": ") + message);
}

void ToolContext::write_reject_entry(const std::string& source, uint64_t line, uint64_t offset,
                                     const std::string& reason, std::string_view raw, uint64_t full_size,
                                     std::string_view extra_members) {
  std::string entry = "{\"tool\":";
  append_json_string(entry, tool_);
  entry += ",\"source\":";
  append_json_string(entry, source);
  entry += ",\"line\":" + std::to_string(line) + ",\"offset\":" + std::to_string(offset) + ",\"error\":";
  append_json_string(entry, reason);
  entry += ",\"raw\":";
  append_json_string(entry, raw);
  if (!is_valid_utf8(raw)) {
    entry += ",\"raw_base64\":\"" + base64_encode(raw) + "\"";  // the exact bytes
  }
  if (full_size > raw.size()) {
    entry += ",\"raw_truncated\":true,\"size\":" + std::to_string(full_size);
  }
  entry += extra_members;
  entry += "}\n";
  rejects_->write(entry.data(), entry.size());
}

void ToolContext::keep_filtered(const std::string& source, uint64_t line, uint64_t offset, const std::string& reason,
                                std::string_view raw, std::string_view extra_members) {
  ++counters_.filtered;
  if (!rejects_) return;
  std::string extra(extra_members);
  extra += ",\"filtered\":true";
  write_reject_entry(source, line, offset, reason, raw, raw.size(), extra);
}

void ToolContext::reject(const std::string& source, uint64_t line, uint64_t offset, const std::string& reason,
                         std::string_view raw, uint64_t full_size) {
  ++counters_.rejected;
  if (rejects_) write_reject_entry(source, line, offset, reason, raw, full_size, {});
  if (!options_.quiet) {
    if (reports_shown_ < kMaxReportedRejects) {
      write_diagnostic(tool_ + ": " + source + ":" + std::to_string(line) + ": " + reason);
    } else if (reports_shown_ == kMaxReportedRejects) {
      write_diagnostic(tool_ + ": further rejected records are not shown" +
                       std::string(rejects_ ? " (all are in " + options_.rejects + ")" : ""));
    }
    ++reports_shown_;
  }
  if (options_.on_error == OnError::fail) throw StopRun{"stopped at the first rejected record (--on-error fail)"};
}

bool ToolContext::inputs_can_be_reread() const {
  for (const std::string& path : options_.inputs) {
    struct stat info {};
    if (path == "-" || ::stat(path.c_str(), &info) != 0 || !(S_ISREG(info.st_mode) || S_ISDIR(info.st_mode))) return false;
  }
  return true;
}

void ToolContext::reread_records(InputFormat format, const std::function<void(RecordSource&, RawRecord&)>& on_record) {
  for (const std::string& path : options_.inputs) {
    if (std::find(failed_inputs_.begin(), failed_inputs_.end(), path) != failed_inputs_.end()) continue;  // reported once
    std::unique_ptr<RecordSource> reader = open_record_source(path, format, framing_);
    RawRecord record;
    while (reader->next(record)) {
      if (record.problem.empty()) on_record(*reader, record);
    }
  }
}

void ToolContext::for_each_record(InputFormat format,
                                  const std::function<bool(RecordSource&, RawRecord&)>& on_record) {
  // Errors of the input end that input only; errors of the output (thrown by on_record)
  // propagate and end the run.
  const std::string* current = nullptr;
  const auto input_failed = [&](const Error& e) {
    if (current != nullptr) failed_inputs_.push_back(*current);
    error(e.where(), e.what());
    if (options_.on_error == OnError::fail) throw StopRun{""};  // the error said it all
  };
  for (const std::string& path : options_.inputs) {
    current = &path;
    std::unique_ptr<RecordSource> reader;
    try {
      reader = open_record_source(path, format, framing_);
    } catch (const Error& e) {
      input_failed(e);
      continue;
    }
    if (!reader->note().empty()) warning(reader->name(), reader->note());
    RawRecord record;
    bool stop = false;
    for (;;) {
      bool more = false;
      try {
        more = reader->next(record);
      } catch (const Error& e) {
        input_failed(e);
        break;
      }
      if (!more) break;
      ++counters_.read;
      if (show_progress_ && (counters_.read & 1023) == 0) show_progress(*reader);
      if (!record.problem.empty()) {
        reject(*reader, record, record.problem);
        continue;
      }
      if (!on_record(*reader, record)) {
        stop = true;
        break;
      }
    }
    counters_.blank += reader->blank_lines();
    progress_done_bytes_ += reader->position();
    progress_bytes_ = progress_done_bytes_;
    if (stop) break;
  }
}

std::string ToolContext::progress_line() const {
  const double bytes = static_cast<double>(progress_bytes_);
  const double seconds = static_cast<double>(now_ns() - progress_start_ns_) / 1e9;
  return tool_ + ": " + human_bytes(bytes) + " read, " + with_commas(counters_.read) + " records, " +
         human_bytes(seconds > 0 ? bytes / seconds : 0) + "/s";
}

void ToolContext::show_progress(const RecordSource& reader) {
  const int64_t now = now_ns();
  if (now - progress_last_ns_ < 250'000'000) return;
  progress_last_ns_ = now;
  progress_bytes_ = progress_done_bytes_ + reader.position();
  std::string line = "\r\033[K" + progress_line();
  if (reader.size_hint() > 0) {
    line += ", " + std::to_string(reader.position() * 100 / reader.size_hint()) + "% of " + reader.name();
  }
  write_fd(2, line);
  progress_on_screen_ = true;
}

int ToolContext::finish() {
  if (show_progress_) write_fd(2, "\r\033[K" + progress_line() + "\n");  // the last figures stay
  if (!failed_) {
    out_->commit();
  } else {
    out_->flush();  // what was written to a pipe stays; a named file is not put in place
  }
  if (rejects_) rejects_->commit();
  const Counters& c = counters_;
  if (c.rejected > 0 && !options_.quiet) {
    write_diagnostic(tool_ + ": " + with_commas(c.rejected) + " of " + with_commas(c.read) + " records rejected" +
                     (rejects_ ? " (kept in " + options_.rejects + ")" : " (keep them with --rejects FILE)"));
  }
  if (options_.summary) {
    write_diagnostic(tool_ + ": summary: read " + std::to_string(c.read) + ", written " + std::to_string(c.written) +
                     ", filtered " + std::to_string(c.filtered) + ", rejected " + std::to_string(c.rejected) +
                     ", blank lines " + std::to_string(c.blank));
  }
  if (!options_.summary_file.empty()) {
    OutputOptions summary;
    summary.path = options_.summary_file;
    auto sink = open_output(summary);
    std::string json = "{\"tool\":";
    append_json_string(json, tool_);
    json += ",\"read\":" + std::to_string(c.read) + ",\"written\":" + std::to_string(c.written) +
            ",\"filtered\":" + std::to_string(c.filtered) + ",\"rejected\":" + std::to_string(c.rejected) +
            ",\"blank\":" + std::to_string(c.blank) + ",\"failed\":" + (failed_ ? "true" : "false") + "}\n";
    sink->write(json.data(), json.size());
    sink->commit();
  }
  if (options_.hadoop_counters) {
    write_fd(2, "reporter:counter:trace,records_in," + std::to_string(c.read) + "\n" +
                    "reporter:counter:trace,records_out," + std::to_string(c.written) + "\n" +
                    "reporter:counter:trace,records_filtered," + std::to_string(c.filtered) + "\n" +
                    "reporter:counter:trace,records_rejected," + std::to_string(c.rejected) + "\n");
  }
  if (!options_.max_errors.empty()) {
    const bool fraction = options_.max_errors.find('.') != std::string::npos;
    const double limit = std::stod(options_.max_errors);
    const double allowed = fraction ? limit * static_cast<double>(c.read) : limit;
    if (static_cast<double>(c.rejected) > allowed) {
      error("", "too many rejected records: " + std::to_string(c.rejected) + " (--max-errors " +
                    options_.max_errors + ")");
    }
  }
  return failed_ ? 1 : 0;
}

// ---------------------------------------------------------------------------------------

int run_tool(const std::string& name, const std::string& description, int argc, char** argv, IoOptions& io,
             const std::function<void(CLI::App&)>& setup, const std::function<void(ToolContext&)>& run) {
  CLI::App app{description, name};
  app.set_version_flag("--version", name + " (tracemill) " + version());
  app.set_config("--config", "", "Read options from a TOML file (options on the command line win)");
  // A key the tool does not know is an error, never silently ignored (a typo would change nothing).
  app.allow_config_extras(CLI::config_extras_mode::error);
  add_io_options(app, io);
  setup(app);
  if (argc == 2 && std::string_view(argv[1]) == kOptionTableArgument) {  // for the build's completions
    write_fd(1, option_table(app));
    return 0;
  }
  try {
    app.parse(argc, argv);
    if (!io.max_errors.empty()) (void)std::stod(io.max_errors);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {  // --help, --version
      std::ostringstream out;
      std::ostringstream err;
      (void)app.exit(e, out, err);
      write_fd(1, out.str());
      return 0;
    }
    write_fd(2, name + ": " + e.what() + "\nRun '" + name + " --help' for usage.\n");
    return 2;
  } catch (const std::exception&) {
    write_fd(2, name + ": --max-errors takes a count or a fraction, not '" + io.max_errors + "'\n");
    return 2;
  }
  if (std::find(io.inputs.begin(), io.inputs.end(), "-") != io.inputs.end() && ::isatty(0) == 1) {
    write_fd(2, name + ": no input: name FILEs or pipe records to standard input\nUsage: " + name +
                    " [OPTIONS] [FILE...]\nRun '" + name + " --help' for more.\n");
    return 2;
  }

  std::unique_ptr<ToolContext> context;
  try {
    context = std::make_unique<ToolContext>(name, io);
    try {
      run(*context);
    } catch (const StopRun& stop) {
      context->error("", stop.reason);
    }
    return context->finish();
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::broken_pipe) return 141;  // the reader left (| head): quiet, like SIGPIPE
    const std::string where = e.where().empty() ? "" : e.where() + ": ";
    write_fd(2, name + ": " + where + e.what() + "\n");
    return e.kind() == ErrorKind::usage ? 2 : 1;
  } catch (const std::bad_alloc&) {
    write_fd(2, name + ": out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    write_fd(2, name + ": " + e.what() + "\n");
    return 1;
  }
}

}  // namespace libstream
