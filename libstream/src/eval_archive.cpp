// Inspect AI `.eval` logs: ZIP archives (inspect_ai/log/_recorders/eval.py) holding
// header.json (the log without its samples), samples/<id>_epoch_<n>.json (one sample each),
// reductions.json (epoch-reduced scores) and copies of what those hold (summaries.json,
// _journal/: start.json and summaries written while the eval ran). Older archives have
// start.json + results.json at the root instead of header.json; a log still being written
// has only _journal/start.json. Each sample becomes one record shaped as a `.json` log
// holding that one sample, so one dialect reads both forms. Entries are read one at a time.
#include <libstream/document.hpp>
#include <libstream/error.hpp>
#include <libstream/json.hpp>
#include <libstream/stores.hpp>

#include "inspect_reductions.hpp"

#include <zip.h>

#include <cstring>
#include <optional>
#include <vector>

namespace libstream {
namespace {

bool ends_with(const std::string& text, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return text.size() >= n && text.compare(text.size() - n, n, suffix) == 0;
}

std::string zip_message(zip_error_t* error) {
  std::string message = zip_error_strerror(error);
  zip_error_fini(error);
  return message;
}

class EvalArchive final : public RecordSource {
 public:
  EvalArchive(std::string name, zip_t* archive, FramingOptions options)
      : name_(std::move(name)), archive_(archive), options_(options) {
    const zip_int64_t count = zip_get_num_entries(archive_, 0);
    std::optional<zip_uint64_t> header;
    std::optional<zip_uint64_t> start;
    std::optional<zip_uint64_t> results;
    std::optional<zip_uint64_t> reductions;
    for (zip_int64_t i = 0; i < count; ++i) {
      const char* entry = zip_get_name(archive_, static_cast<zip_uint64_t>(i), 0);
      if (entry == nullptr) continue;
      const std::string entry_name(entry);
      const auto index = static_cast<zip_uint64_t>(i);
      if (entry_name == "header.json") header = index;
      else if (entry_name == "_journal/start.json" || (entry_name == "start.json" && !start)) start = index;
      else if (entry_name == "results.json") results = index;
      else if (entry_name == "reductions.json") reductions = index;
      else if (entry_name.rfind("samples/", 0) == 0 && ends_with(entry_name, ".json")) samples_.push_back(index);
    }
    if (!header && !start) {
      throw Error(ErrorKind::data, name_,
                  samples_.empty() ? "a ZIP archive that is not an Inspect AI .eval log (no header.json, "
                                     "_journal/start.json or samples/)"
                                   : "an Inspect AI .eval log without header.json or _journal/start.json");
    }
    // The log's members but samples and reductions, compact, without the outer braces.
    std::vector<std::pair<std::string_view, std::string_view>> members;
    std::string reductions_text;
    for (std::optional<zip_uint64_t> part : {header ? header : start, header ? std::nullopt : results}) {
      if (!part) continue;
      const std::string compact = read_json(*part);
      if (!top_level_members(compact, members)) throw Error(ErrorKind::data, where(*part), "not a JSON object");
      for (const auto& [key, value] : members) {
        if (key == "reductions" && value != "null") reductions_text.assign(value);
        if (key == "samples" || key == "reductions") continue;
        if (!header_.empty()) header_ += ',';
        header_ += '"';
        header_.append(key);
        header_ += "\":";
        header_.append(value);
      }
    }
    if (reductions) reductions_text = read_json(*reductions);
    if (!reductions_text.empty() && reductions_text.front() == '[') reductions_ = std::move(reductions_text);
  }
  ~EvalArchive() override { zip_discard(archive_); }  // opened read-only: nothing to write back
  EvalArchive(const EvalArchive&) = delete;
  EvalArchive& operator=(const EvalArchive&) = delete;

  bool next(RawRecord& record) override {
    if (next_ >= samples_.size()) return false;
    const zip_uint64_t index = samples_[next_++];
    uint64_t full_size = 0;
    std::string problem;
    read_entry(index, entry_, full_size, problem);
    record_.clear();
    JsonError error;
    std::string id;
    bool found = false;
    if (problem.empty() && !checker_.check_capture(entry_.data(), entry_.size(), "id", id, found, &error)) {
      problem = error.describe();
    }
    if (!problem.empty()) {
      record_.assign(entry_, 0, std::min(entry_.size(), options_.kept_prefix));
      point_at(record, record_, next_);
      record.full_size = full_size;
      record.problem = where(index) + ": " + problem;
      return true;
    }
    record_ = "{" + header_;
    const std::string reductions = found && !reductions_.empty() ? reductions_scoring(reductions_, id) : std::string();
    if (!reductions.empty()) record_ += (header_.empty() ? "\"reductions\":" : ",\"reductions\":") + reductions;
    record_ += record_.size() > 1 ? ",\"samples\":[" : "\"samples\":[";
    record_ += entry_;
    record_ += "]}";
    point_at(record, record_, next_);
    return true;
  }
  const std::string& name() const override { return name_; }
  uint64_t position() const override { return next_; }
  uint64_t size_hint() const override { return 0; }
  bool framed_by_structure() const override { return true; }
  const std::string& note() const override { return note_; }

 private:
  std::string where(zip_uint64_t index) const {
    const char* entry = zip_get_name(archive_, index, 0);
    return name_ + ":" + (entry != nullptr ? entry : "?");
  }

  /// The entry's bytes into `out`; `problem` set when it cannot be read or is too long.
  void read_entry(zip_uint64_t index, std::string& out, uint64_t& full_size, std::string& problem) {
    out.clear();
    zip_file_t* file = zip_fopen_index(archive_, index, 0);
    if (file == nullptr) {
      problem = std::string("cannot open the entry: ") + zip_strerror(archive_);
      return;
    }
    char chunk[1 << 16];
    for (;;) {
      const zip_int64_t n = zip_fread(file, chunk, sizeof chunk);
      if (n < 0) {
        problem = std::string("cannot read the entry: ") + zip_file_strerror(file);
        break;
      }
      if (n == 0) break;
      full_size += static_cast<uint64_t>(n);
      if (full_size > options_.max_record_size) {
        // A zip bomb or a huge sample: measured, never held.
        if (out.size() < options_.kept_prefix) out.append(chunk, std::min<size_t>(static_cast<size_t>(n), options_.kept_prefix));
        problem = "record of " + std::to_string(full_size) + "+ bytes is longer than the maximum record size (" +
                  std::to_string(options_.max_record_size) + " bytes; see --max-record-size)";
        break;
      }
      out.append(chunk, static_cast<size_t>(n));
    }
    zip_fclose(file);
  }

  /// A header entry's compact JSON; an unreadable one ends the archive.
  std::string read_json(zip_uint64_t index) {
    std::string bytes;
    uint64_t size = 0;
    std::string problem;
    read_entry(index, bytes, size, problem);
    std::string compact;
    JsonError error;
    if (problem.empty() && !append_compact_json(bytes.data(), bytes.size(), compact, &error)) problem = error.describe();
    if (!problem.empty()) throw Error(ErrorKind::data, where(index), problem);
    return compact;
  }

  std::string name_;
  zip_t* archive_;
  FramingOptions options_;
  std::string header_;
  std::string reductions_;  // compact text of the reductions array, if any
  std::vector<zip_uint64_t> samples_;
  size_t next_ = 0;
  std::string entry_;
  std::string record_;
  JsonChecker checker_;
  std::string note_;
};

std::unique_ptr<RecordSource> open_zip(zip_source_t* source, const std::string& name, FramingOptions options) {
  zip_error_t error;
  zip_error_init(&error);
  zip_t* archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (archive == nullptr) {
    zip_source_free(source);
    throw Error(ErrorKind::data, name, "not a readable ZIP archive: " + zip_message(&error));
  }
  zip_error_fini(&error);
  try {
    return std::make_unique<EvalArchive>(name, archive, options);
  } catch (...) {
    zip_discard(archive);
    throw;
  }
}

}  // namespace

bool starts_like_zip(const char* bytes, size_t size) {
  return size >= 4 && bytes[0] == 'P' && bytes[1] == 'K' &&
         ((bytes[2] == 3 && bytes[3] == 4) || (bytes[2] == 5 && bytes[3] == 6));
}

std::unique_ptr<RecordSource> open_eval_archive(const std::string& path, FramingOptions options) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_file_create(path.c_str(), 0, -1, &error);
  if (source == nullptr) throw Error(ErrorKind::io, path, zip_message(&error));
  zip_error_fini(&error);
  return open_zip(source, path, options);
}

std::unique_ptr<RecordSource> open_eval_archive_bytes(const std::string& bytes, const std::string& name, FramingOptions options) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (source == nullptr) throw Error(ErrorKind::data, name, zip_message(&error));
  zip_error_fini(&error);
  return open_zip(source, name, options);
}

}  // namespace libstream
