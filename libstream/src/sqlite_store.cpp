// SQLite stores: v3 trace stores (synth-ai tracing_v3) and experiment-queue databases,
// read with Debian's libsqlite3 and written out as one JSON record per unit.
#include <libstream/error.hpp>
#include <libstream/json.hpp>
#include <libstream/stores.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sqlite3.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>
#include <string_view>
#include <sys/stat.h>
#include <vector>

namespace libstream {

namespace {

// TEXT columns that hold JSON documents (docs/synth-ai-sources.md, "JSON text columns"): embedded as JSON, not as
// strings, when they parse. messages.content is not among them: synth-ai's own JSON export keeps it raw.
const std::set<std::string_view> kJsonColumns = {
    "metadata", "step_metadata", "system_state_before", "system_state_after", "event_metadata", "call_records",
    "reward_metadata", "annotation", "configuration", "config_overrides", "result", "status_json", "rewards"};

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql, const std::string& where) : where_(where) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement_, nullptr) != SQLITE_OK) {
      throw Error(ErrorKind::data, where_, std::string("SQLite: ") + sqlite3_errmsg(db) + " (in " + sql + ")");
    }
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind_text(int index, std::string_view text) {
    sqlite3_reset(statement_);
    sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  /// Next row; false when done. Throws on errors (a corrupt page, a locked file).
  bool step() {
    const int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw Error(ErrorKind::data, where_, std::string("SQLite: ") + sqlite3_errmsg(sqlite3_db_handle(statement_)));
  }
  sqlite3_stmt* get() const { return statement_; }

 private:
  sqlite3_stmt* statement_ = nullptr;
  std::string where_;
};

void append_double(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";  // JSON has no NaN or infinity; a column holding one has no usable value
    return;
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.Double(value);
  out.append(buffer.GetString(), buffer.GetSize());
}

/// Appends the current row as members `"name":value` (after `out`'s last byte), skipping
/// `skip` and vector embeddings. Returns the number of members written.
size_t append_columns(std::string& out, sqlite3_stmt* row, std::string_view skip, bool first) {
  size_t written = 0;
  const int columns = sqlite3_column_count(row);
  for (int i = 0; i < columns; ++i) {
    const std::string_view name = sqlite3_column_name(row, i);
    if (name == skip || name == "embedding") continue;
    if (!first || written > 0) out += ',';
    append_json_string(out, name);
    out += ':';
    ++written;
    switch (sqlite3_column_type(row, i)) {
      case SQLITE_NULL: out += "null"; break;
      case SQLITE_INTEGER: out += std::to_string(sqlite3_column_int64(row, i)); break;
      case SQLITE_FLOAT: append_double(out, sqlite3_column_double(row, i)); break;
      case SQLITE_TEXT: {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(row, i));
        const auto size = static_cast<size_t>(sqlite3_column_bytes(row, i));
        const size_t before = out.size();
        if (kJsonColumns.count(name) != 0 && size > 0 && append_compact_json(text, size, out, nullptr)) break;
        out.resize(before);
        append_json_string(out, std::string_view(text, size));
        break;
      }
      default: {  // BLOB: bytes are not text; keep them recoverable
        const auto* data = static_cast<const char*>(sqlite3_column_blob(row, i));
        out += "{\"base64\":\"";
        out += base64_encode(std::string_view(data, static_cast<size_t>(sqlite3_column_bytes(row, i))));
        out += "\"}";
      }
    }
  }
  return written;
}

/// The open database: closed when the source is destroyed, and also when the source's
/// constructor throws after opening it (its members are destroyed then, its destructor never
/// runs). Declared before the statements, so they are finalized first.
struct Connection {
  sqlite3* handle = nullptr;
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() { sqlite3_close(handle); }
};

class SqliteSource final : public RecordSource {
 public:
  SqliteSource(const std::string& name, const std::string& file) : name_(name) {
    if (sqlite3_open_v2(file.c_str(), &connection_.handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
      const std::string message = connection_.handle != nullptr ? sqlite3_errmsg(connection_.handle) : "out of memory";
      throw Error(ErrorKind::data, name_, "cannot open the SQLite database: " + message);
    }
    sqlite3_busy_timeout(connection_.handle, 5000);  // a writer may hold the WAL briefly
    struct stat info {};
    if (::stat(file.c_str(), &info) == 0) size_ = static_cast<uint64_t>(info.st_size);
    {
      Statement tables(connection_.handle, "SELECT name FROM sqlite_master WHERE type IN ('table','view')", name_);
      while (tables.step()) tables_.insert(reinterpret_cast<const char*>(sqlite3_column_text(tables.get(), 0)));
    }
    if (has("session_traces")) {
      queue_ = false;
      units_ = count("session_traces");
      // julianday() reads both text formats of created_at (docs/synth-ai-sources.md, "created_at formats") as instants.
      outer_ = std::make_unique<Statement>(
          connection_.handle, "SELECT * FROM session_traces ORDER BY julianday(created_at), session_id", name_);
      for (const auto& [table, member] : kChildren) {
        if (has(table)) {
          children_.push_back({member, std::make_unique<Statement>(
                                           connection_.handle, std::string("SELECT * FROM ") + table + " WHERE session_id = ?1 ORDER BY id", name_)});
        }
      }
      if (has("experiments") && has_column("experiments", "experiment_id")) {
        experiment_ = std::make_unique<Statement>(connection_.handle, "SELECT * FROM experiments WHERE experiment_id = ?1", name_);
      }
    } else if (has("experiment_jobs") && has("experiments")) {
      queue_ = true;
      for (const auto& [table, kind, order] : kQueueTables) {
        if (has(table)) {
          units_ += count(table);
          queue_tables_.push_back({kind, std::string("SELECT * FROM ") + table + " ORDER BY " + order});
        }
      }
    } else {
      std::string names;
      for (const auto& t : tables_) names += (names.empty() ? "" : ", ") + t;
      throw Error(ErrorKind::data, name_,
                  "a SQLite database that is neither a v3 trace store (session_traces, messages, events) nor an "
                  "experiment queue (experiments, experiment_jobs, trials); its tables: " +
                      (names.empty() ? std::string("none") : names));
    }
  }

  bool next(RawRecord& record) override {
    record_.clear();
    const bool found = queue_ ? next_queue_row() : next_session();
    if (!found) return false;
    point_at(record, record_, ++emitted_);
    return true;
  }
  const std::string& name() const override { return name_; }
  uint64_t position() const override { return units_ == 0 ? size_ : size_ * emitted_ / units_; }
  uint64_t size_hint() const override { return size_; }
  bool framed_by_structure() const override { return false; }
  const std::string& note() const override { return note_; }

 private:
  struct Child {
    const char* member;
    std::unique_ptr<Statement> statement;
  };
  struct QueueTable {
    const char* kind;
    std::string sql;
  };
  static constexpr std::pair<const char*, const char*> kChildren[] = {
      {"session_timesteps", "session_time_steps"},
      {"events", "event_history"},
      {"messages", "markov_blanket_message_history"},
      {"event_rewards", "event_rewards"},
      {"outcome_rewards", "outcome_rewards"}};
  struct QueueSpec {
    const char* table;
    const char* kind;
    const char* order;
  };
  static constexpr QueueSpec kQueueTables[] = {{"experiments", "experiment", "created_at, experiment_id"},
                                               {"experiment_jobs", "job", "experiment_id, job_id"},
                                               {"trials", "trial", "experiment_id, job_id, trial_number, trial_id"}};

  bool has(const std::string& table) const { return tables_.count(table) != 0; }
  bool has_column(const std::string& table, const char* column) {
    Statement info(connection_.handle, "SELECT 1 FROM pragma_table_info('" + table + "') WHERE name = '" + column + "'", name_);
    return info.step();
  }
  uint64_t count(const std::string& table) {
    Statement rows(connection_.handle, "SELECT count(*) FROM " + table, name_);
    return rows.step() ? static_cast<uint64_t>(sqlite3_column_int64(rows.get(), 0)) : 0;
  }

  bool next_session() {
    if (!outer_->step()) return false;
    sqlite3_stmt* session = outer_->get();
    record_ += '{';
    append_columns(record_, session, "", true);
    std::string_view session_id;
    std::string_view experiment_id;
    for (int i = 0; i < sqlite3_column_count(session); ++i) {
      const std::string_view column = sqlite3_column_name(session, i);
      if (sqlite3_column_type(session, i) != SQLITE_TEXT) continue;
      const std::string_view value(reinterpret_cast<const char*>(sqlite3_column_text(session, i)),
                                   static_cast<size_t>(sqlite3_column_bytes(session, i)));
      if (column == "session_id") session_id = value;
      if (column == "experiment_id") experiment_id = value;
    }
    if (experiment_ && !experiment_id.empty()) {
      experiment_->bind_text(1, experiment_id);
      if (experiment_->step()) {
        record_ += ",\"experiment\":{";
        append_columns(record_, experiment_->get(), "", true);
        record_ += '}';
      }
    }
    for (Child& child : children_) {
      record_ += ",\"";
      record_ += child.member;
      record_ += "\":[";
      child.statement->bind_text(1, session_id);
      bool first = true;
      while (child.statement->step()) {
        record_ += first ? "{" : ",{";
        first = false;
        append_columns(record_, child.statement->get(), "session_id", true);
        record_ += '}';
      }
      record_ += ']';
    }
    record_ += '}';
    return true;
  }

  bool next_queue_row() {
    for (;;) {
      if (!queue_statement_) {
        if (queue_index_ >= queue_tables_.size()) return false;
        queue_statement_ = std::make_unique<Statement>(connection_.handle, queue_tables_[queue_index_].sql, name_);
      }
      if (queue_statement_->step()) {
        record_ += "{\"record_type\":\"";
        record_ += queue_tables_[queue_index_].kind;
        record_ += '"';
        append_columns(record_, queue_statement_->get(), "", false);
        record_ += '}';
        return true;
      }
      queue_statement_.reset();
      ++queue_index_;
    }
  }

  std::string name_;
  std::string note_;
  Connection connection_;
  std::set<std::string> tables_;
  bool queue_ = false;
  uint64_t size_ = 0;
  uint64_t units_ = 0;
  uint64_t emitted_ = 0;
  std::string record_;
  std::unique_ptr<Statement> outer_;
  std::vector<Child> children_;
  std::unique_ptr<Statement> experiment_;
  std::vector<QueueTable> queue_tables_;
  size_t queue_index_ = 0;
  std::unique_ptr<Statement> queue_statement_;
};

bool is_directory(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

/// The first `size` bytes of `path` (fewer when it is shorter), read only from a regular file:
/// databases and archives seek, and reading a pipe's first bytes here (`trace-read <(zcat
/// dump.gz)`) would take them from the records.
size_t read_file_header(const std::string& path, char* header, size_t size) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return 0;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return 0;
  const size_t n = std::fread(header, 1, size, file);
  std::fclose(file);
  return n;
}

}  // namespace

StoreKind detect_store(const std::string& path, std::string& resolved) {
  resolved = path;
  if (path == "-") return StoreKind::none;
  if (is_directory(path)) {
    const std::string sqld = path + "/dbs/default/data";
    if (exists(sqld)) {
      resolved = sqld;
      return StoreKind::sqlite;
    }
    for (const char* table : {"/session_traces.ndjson", "/session_traces.ndjson.zst", "/session_traces.json"}) {
      if (exists(path + table)) return StoreKind::table_export;
    }
    throw Error(ErrorKind::data, path,
                "a directory, but neither a sqld store (dbs/default/data) nor DuckDB table exports "
                "(session_traces.ndjson, ...); give its files instead");
  }
  char header[16] = {};
  const size_t n = read_file_header(path, header, sizeof header);
  if (n == sizeof header && std::memcmp(header, "SQLite format 3", 16) == 0) return StoreKind::sqlite;
  if (starts_like_zip(header, n)) return StoreKind::zip_archive;
  return StoreKind::none;
}

std::string session_id_from_file_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string base = path.substr(slash == std::string::npos ? 0 : slash + 1);
  for (const char* suffix : {".zst", ".gz", ".json", ".jsonl"}) {
    const std::string s(suffix);
    if (base.size() > s.size() && base.compare(base.size() - s.size(), s.size(), s) == 0) base.resize(base.size() - s.size());
  }
  if (base.rfind("session_", 0) == 0 && base.size() > 24) {
    const std::string tail = base.substr(base.size() - 16);
    if (tail[0] == '_' && tail[9] == '_' && tail.find_first_not_of("0123456789_") == std::string::npos) {
      return base.substr(8, base.size() - 24);
    }
  }
  return base;
}

std::unique_ptr<RecordSource> open_sqlite_store(const std::string& path, const std::string& file) {
  return std::make_unique<SqliteSource>(path, file);
}

}  // namespace libstream
