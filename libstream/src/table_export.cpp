// v2 DuckDB stores, read through table exports (scripts/export-duckdb writes one NDJSON file
// per table, ordered by session_id): a merge join that assembles one session at a time.
#include <libstream/error.hpp>
#include <libstream/json.hpp>
#include <libstream/stores.hpp>

#include <map>
#include <sys/stat.h>
#include <vector>

namespace libstream {

namespace {

bool file_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

/// The export of `table` in `directory`: TABLE.ndjson, .ndjson.zst or .json; empty if none.
std::string table_file(const std::string& directory, const std::string& table) {
  for (const char* suffix : {".ndjson", ".ndjson.zst", ".json", ".jsonl"}) {
    const std::string path = directory + "/" + table + suffix;
    if (file_exists(path)) return path;
  }
  return {};
}

/// One table's rows, read ahead by one so the merge can see the next session_id.
class TableCursor {
 public:
  TableCursor(const char* member, const std::string& path, FramingOptions options)
      : member_(member), reader_(open_record_source(path, InputFormat::ndjson, options)) {
    advance();
  }
  [[nodiscard]] const char* member() const { return member_; }
  [[nodiscard]] bool has_row() const { return has_row_; }
  [[nodiscard]] const std::string& key() const { return key_; }
  [[nodiscard]] const std::string& row() const { return row_; }
  [[nodiscard]] const RecordSource& reader() const { return *reader_; }

  void advance() {
    RawRecord record;
    has_row_ = reader_->next(record);
    if (!has_row_) return;
    const std::string where = reader_->name() + ":" + std::to_string(record.line);
    if (!record.problem.empty()) throw Error(ErrorKind::data, where, record.problem);
    JsonError error;
    bool found = false;
    std::string key;
    if (!checker_.check_capture(record.data, record.size, "session_id", key, found, &error)) {
      throw Error(ErrorKind::data, where, "not a JSON row: " + error.describe());
    }
    if (!found) throw Error(ErrorKind::data, where, "a row without a string session_id");
    if (seen_ && key < key_) {
      throw Error(ErrorKind::data, where,
                  "rows are not ordered by session_id (\"" + key + "\" after \"" + key_ +
                      "\"): export the tables with scripts/export-duckdb, which orders them");
    }
    seen_ = true;
    key_ = std::move(key);
    row_.assign(record.data, record.size);
  }

 private:
  const char* member_;
  std::unique_ptr<RecordSource> reader_;
  JsonChecker checker_;
  bool has_row_ = false;
  bool seen_ = false;
  std::string key_;
  std::string row_;
};

class TableExportSource final : public RecordSource {
 public:
  TableExportSource(const std::string& directory, FramingOptions options) : name_(directory) {
    const std::string sessions = table_file(directory, "session_traces");
    if (sessions.empty()) throw Error(ErrorKind::data, directory, "no session_traces.ndjson in this folder");
    for (const auto& [table, member] : {std::pair<const char*, const char*>{"session_traces", "session"},
                                        {"session_timesteps", "timesteps"},
                                        {"events", "events"},
                                        {"messages", "messages"}}) {
      const std::string path = table_file(directory, table);
      if (!path.empty()) cursors_.push_back(std::make_unique<TableCursor>(member, path, options));
    }
    // Experiments are few: held in memory, joined by id.
    const std::string experiments = table_file(directory, "experiments");
    if (!experiments.empty()) {
      auto reader = open_record_source(experiments, InputFormat::ndjson, options);
      RawRecord record;
      JsonChecker checker;
      while (reader->next(record)) {
        std::string id;
        bool found = false;
        JsonError error;
        if (!checker.check_capture(record.data, record.size, "id", id, found, &error)) {
          throw Error(ErrorKind::data, reader->name() + ":" + std::to_string(record.line), "not a JSON row: " + error.describe());
        }
        if (found) experiments_[id].assign(record.data, record.size);
      }
    }
  }

  bool next(RawRecord& record) override {
    const std::string* key = nullptr;
    for (const auto& cursor : cursors_) {
      if (cursor->has_row() && (key == nullptr || cursor->key() < *key)) key = &cursor->key();
    }
    if (key == nullptr) return false;
    const std::string session_id = *key;
    record_.assign("{\"store\":\"duckdb-v2\",\"session_id\":");
    append_json_string(record_, session_id);
    std::string experiment_id;
    for (const auto& cursor : cursors_) {
      const bool single = std::string_view(cursor->member()) == "session";
      record_ += ",\"";
      record_ += cursor->member();
      record_ += single ? "\":" : "\":[";
      size_t rows = 0;
      while (cursor->has_row() && cursor->key() == session_id) {
        if (single && rows > 0) {
          throw Error(ErrorKind::data, cursor->reader().name(), "two session_traces rows for session \"" + session_id + "\"");
        }
        if (rows > 0) record_ += ',';
        record_ += cursor->row();
        if (single) {
          bool found = false;
          (void)checker_.check_capture(cursor->row().data(), cursor->row().size(), "experiment_id", experiment_id, found, nullptr);
        }
        ++rows;
        cursor->advance();
      }
      if (single && rows == 0) record_ += "null";  // rows of a session whose session_traces row is missing
      if (!single) record_ += ']';
    }
    if (const auto it = experiments_.find(experiment_id); !experiment_id.empty() && it != experiments_.end()) {
      record_ += ",\"experiment\":";
      record_ += it->second;
    }
    record_ += '}';
    point_at(record, record_, ++emitted_);
    return true;
  }
  const std::string& name() const override { return name_; }
  uint64_t position() const override {
    uint64_t sum = 0;
    for (const auto& cursor : cursors_) sum += cursor->reader().position();
    return sum;
  }
  uint64_t size_hint() const override {
    uint64_t sum = 0;
    for (const auto& cursor : cursors_) sum += cursor->reader().size_hint();
    return sum;
  }
  bool framed_by_structure() const override { return false; }
  const std::string& note() const override { return note_; }

 private:
  std::string name_;
  std::string note_;
  std::vector<std::unique_ptr<TableCursor>> cursors_;
  std::map<std::string, std::string> experiments_;
  JsonChecker checker_;
  std::string record_;
  uint64_t emitted_ = 0;
};

}  // namespace

std::unique_ptr<RecordSource> open_table_export(const std::string& directory, FramingOptions options) {
  return std::make_unique<TableExportSource>(directory, options);
}

}  // namespace libstream
