#include "read.hpp"

#include <libstream/error.hpp>
#include <libstream/external_sort.hpp>
#include <libstream/hash.hpp>
#include <libstream/stores.hpp>
#include <libstream/json.hpp>

#include <stdexcept>
#include <string_view>
#include <unordered_set>

namespace tracemill {

using libstream::InputFormat;

void parse_shard(const std::string& text, uint64_t& index, uint64_t& count) {
  const size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == text.size() ||
      text.find_first_not_of("0123456789/") != std::string::npos || text.find('/', slash + 1) != std::string::npos) {
    throw std::invalid_argument("takes I/N, e.g. 0/4");
  }
  index = std::stoull(text.substr(0, slash));
  count = std::stoull(text.substr(slash + 1));
  if (count == 0 || index >= count) throw std::invalid_argument("I/N needs 0 <= I < N");
}

void add_read_options(CLI::App& app, ReadOptions& options) {
  app.add_option("-f,--format", options.format,
                 "Container: auto (decide per file), ndjson, array (elements are records), concat "
                 "(values one after another, pretty-printed or not), document (exactly one value)")
      ->transform(libstream::enum_choice(libstream::kInputFormats))
      ->type_name("auto|ndjson|array|concat|document")
      ->default_str("auto");
  app.add_option("--shard", options.shard,
                 "Keep only shard I of N: records whose stable hash of --key is I modulo N")
      ->type_name("I/N")
      ->check([](const std::string& text) {
        try {
          uint64_t index = 0;
          uint64_t count = 0;
          parse_shard(text, index, count);
          return std::string();
        } catch (const std::exception& e) {
          return std::string(e.what());
        }
      });
  app.add_option("--key", options.key,
                 "Top-level member whose value is hashed for --shard (else the record's bytes)")
      ->capture_default_str();
  app.add_option("-n,--limit", options.limit, "Stop after writing N records")->check(CLI::PositiveNumber);
  app.add_flag("--with-source", options.with_source,
               "Add \"_source\":{\"file\",\"line\"} as the first member of each record");
  app.add_flag("--compact", options.compact, "Re-serialise every record compactly (NDJSON lines pass through as is)");
  app.add_option("--group-by", options.group_by,
                 "Flat rows (one message or event per line): gather the rows sharing this member's value into "
                 "one record {KEY: value, ROWS: [rows in input order]}; rows are sorted by key in bounded memory")
      ->type_name("KEY");
  app.add_option("--group-into", options.group_into, "Name of the member holding a group's rows")
      ->capture_default_str();
  app.add_flag("--contiguous", options.contiguous,
               "With --group-by: the rows of each session are adjacent, so stream them without sorting (a key seen "
               "again later is an error)");
  app.add_option("--group-memory", options.group_memory,
                 "With --group-by: memory for sorting rows before spilling sorted runs to temporary files")
      ->check(libstream::size_option())
      ->capture_default_str();
}

namespace {

void append_source(std::string& out, const std::string& file, uint64_t line) {
  out += "{\"_source\":{\"file\":";
  libstream::append_json_string(out, file);
  out += ",\"line\":" + std::to_string(line) + "}";
}

}  // namespace

namespace {

/// Gathers flat rows into one record per key value (docs: trace-read README, "Flat rows").
/// Sorted mode feeds an ExternalSorter with "KEY\tSEQUENCE\tROW" items ordered by the key's
/// hash, then its text, then the input sequence, so each group comes out whole, its rows in
/// input order, groups in a stable order whatever the input order.
class RowGrouper {
 public:
  RowGrouper(const ReadOptions& options, libstream::ToolContext& context, uint64_t shard_index, uint64_t shard_count)
      : options_(options), context_(context), shard_index_(shard_index), shard_count_(shard_count) {
    if (!options.contiguous) sorter_ = std::make_unique<libstream::ExternalSorter>(libstream::parse_size(options.group_memory));
  }

  void add(const std::string& key, std::string_view row, const std::string& where) {
    if (sorter_) {
      item_.clear();
      libstream::append_json_string(item_, key);
      char sequence[24];
      std::snprintf(sequence, sizeof sequence, "\t%016llx\t", static_cast<unsigned long long>(sequence_++));
      item_ += sequence;
      item_.append(row);
      sorter_->add(libstream::stable_hash(key), item_);
      return;
    }
    if (has_group_ && key != key_) flush();
    if (!has_group_) {
      if (!finished_.insert(libstream::stable_hash(key)).second) {
        throw libstream::Error(libstream::ErrorKind::data, where,
                               "rows of \"" + key + "\" are not contiguous (seen before): drop --contiguous to sort them");
      }
      key_ = key;
      has_group_ = true;
    }
    rows_.emplace_back(row);
  }

  /// Writes what is left; false when --limit was reached.
  void finish() {
    if (sorter_) {
      sorter_->finish([&](std::string_view item) {
        // The key is a JSON string: its closing quote is followed by the tab.
        const size_t tab = item.find("\"\t") + 1;
        const std::string key_json(item.substr(0, tab));
        const std::string_view row = item.substr(tab + 18);
        if (has_group_ && key_json != key_json_) flush();
        if (!has_group_) {
          key_json_ = key_json;
          has_group_ = true;
        }
        rows_.emplace_back(row);
        return !stopped_;
      });
    }
    if (has_group_) flush();
  }

  [[nodiscard]] bool stopped() const { return stopped_; }

 private:
  void flush() {
    const uint64_t rows = rows_.size();
    std::string key_json = sorter_ ? key_json_ : std::string();
    if (!sorter_) libstream::append_json_string(key_json, key_);
    bool keep = true;
    if (shard_count_ > 1) {
      // The hash of the key's text, as when sharding ungrouped records by the same key.
      std::string key_text;
      rapidjson_free_key(key_json, key_text);
      keep = libstream::in_shard(libstream::stable_hash(key_text), shard_index_, shard_count_);
    }
    if (keep && !stopped_) {
      record_.assign("{");
      libstream::append_json_string(record_, options_.group_by);
      record_ += ':';
      record_ += key_json;
      record_ += ',';
      libstream::append_json_string(record_, options_.group_into);
      record_ += ":[";
      for (size_t i = 0; i < rows_.size(); ++i) {
        if (i > 0) record_ += ',';
        record_ += rows_[i];
      }
      record_ += "]}";
      context_.write_line(record_);
      context_.counters().written += rows - 1;  // every row was written, inside its group
      ++groups_;
      if (options_.limit != 0 && groups_ >= options_.limit) stopped_ = true;
    } else {
      context_.counters().filtered += rows;
    }
    rows_.clear();
    has_group_ = false;
  }

  static void rapidjson_free_key(const std::string& json, std::string& text) {
    // Undo append_json_string for the hash: parse the string literal back.
    text.clear();
    for (size_t i = 1; i + 1 < json.size(); ++i) {
      if (json[i] == '\\' && i + 2 < json.size()) {
        const char c = json[++i];
        switch (c) {
          case 'n': text += '\n'; break;
          case 't': text += '\t'; break;
          case 'r': text += '\r'; break;
          case 'b': text += '\b'; break;
          case 'f': text += '\f'; break;
          case 'u': {
            const unsigned code = static_cast<unsigned>(std::stoul(json.substr(i + 1, 4), nullptr, 16));
            text += static_cast<char>(code);  // control characters only: append_json_string escapes no others
            i += 4;
            break;
          }
          default: text += c;
        }
      } else {
        text += json[i];
      }
    }
  }

  const ReadOptions& options_;
  libstream::ToolContext& context_;
  uint64_t shard_index_;
  uint64_t shard_count_;
  std::unique_ptr<libstream::ExternalSorter> sorter_;
  std::string item_;
  uint64_t sequence_ = 0;
  bool has_group_ = false;
  std::string key_;
  std::string key_json_;
  std::vector<std::string> rows_;
  std::unordered_set<uint64_t> finished_;
  std::string record_;
  uint64_t groups_ = 0;
  bool stopped_ = false;
};

}  // namespace

void run_read(const ReadOptions& options, libstream::ToolContext& context) {
  if (!options.group_by.empty()) {
    uint64_t shard_index = 0;
    uint64_t shard_count = 1;
    if (!options.shard.empty()) parse_shard(options.shard, shard_index, shard_count);
    RowGrouper grouper(options, context, shard_index, shard_count);
    libstream::JsonChecker checker;
    libstream::JsonError error;
    std::string key;
    context.for_each_record(options.format, [&](libstream::RecordSource& reader, libstream::RawRecord& record) {
      bool found = false;
      if (!checker.check_capture(record.data, record.size, options.group_by, key, found, &error)) {
        context.reject(reader, record, error.describe());
        return true;
      }
      if (!found) {
        context.reject(reader, record, "no string or number member \"" + options.group_by + "\" to group by");
        return true;
      }
      grouper.add(key, context.record_bytes(reader, record, true), reader.name() + ":" + std::to_string(record.line));
      return !grouper.stopped();
    });
    grouper.finish();
    return;
  }
  uint64_t shard_index = 0;
  uint64_t shard_count = 1;
  if (!options.shard.empty()) parse_shard(options.shard, shard_index, shard_count);
  const bool sharding = shard_count > 1;

  libstream::JsonChecker checker;
  libstream::JsonError error;
  libstream::Counters& counters = context.counters();
  std::string key_value;
  std::string decorated;
  std::string with_id;
  std::vector<std::pair<std::string_view, std::string_view>> members;
  const auto has_member = [](const auto& list, std::string_view name) {
    for (const auto& m : list) {
      if (m.first == name) return true;
    }
    return false;
  };

  context.for_each_record(options.format, [&](libstream::RecordSource& reader, libstream::RawRecord& record) {
    bool key_found = false;
    const bool valid = sharding ? checker.check_capture(record.data, record.size, options.key, key_value, key_found,
                                                        &error)
                                : checker.check(record.data, record.size, &error);
    if (!valid) {
      context.reject(reader, record, error.describe());
      return true;
    }
    std::string_view bytes = context.record_bytes(reader, record, options.compact);
    if (reader.framed_by_structure() && reader.name() != "<stdin>" && bytes.front() == '{') {
      // A v2 JSON trace file without session_id (W12): its name carries the id.
      if (libstream::top_level_members(bytes, members) && !has_member(members, "session_id") &&
          (has_member(members, "event_history") || has_member(members, "message_history"))) {
        const std::string id = libstream::session_id_from_file_name(reader.name());
        context.warning(reader.name() + ":" + std::to_string(record.line),
                        "a v2 trace without session_id: \"" + id + "\" taken from the file name (W12)");
        with_id.assign("{\"session_id\":");
        libstream::append_json_string(with_id, id);
        with_id += bytes.size() > 2 ? "," : "";
        with_id.append(bytes.substr(1));
        bytes = with_id;
        if (options.key == "session_id") {
          key_value = id;
          key_found = true;
        }
      }
    }
    if (sharding) {
      const uint64_t hash = libstream::stable_hash(key_found ? std::string_view(key_value) : bytes);
      if (!libstream::in_shard(hash, shard_index, shard_count)) {
        ++counters.filtered;
        return true;
      }
    }
    if (options.with_source) {
      decorated.clear();
      append_source(decorated, reader.name(), record.line);
      if (bytes.front() == '{') {
        std::string_view rest = bytes.substr(1);
        while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
        if (rest.front() != '}') decorated += ',';
        decorated.append(rest);
      } else {
        decorated += ",\"value\":";
        decorated.append(bytes);
        decorated += '}';
      }
      bytes = decorated;
    }
    context.write_line(bytes);
    return options.limit == 0 || counters.written < options.limit;
  });
}

}  // namespace tracemill
