#include "read.hpp"

#include <libstream/hash.hpp>
#include <libstream/json.hpp>

#include <stdexcept>
#include <string_view>

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
}

namespace {

void append_source(std::string& out, const std::string& file, uint64_t line) {
  out += "{\"_source\":{\"file\":";
  libstream::append_json_string(out, file);
  out += ",\"line\":" + std::to_string(line) + "}";
}

}  // namespace

void run_read(const ReadOptions& options, libstream::ToolContext& context) {
  uint64_t shard_index = 0;
  uint64_t shard_count = 1;
  if (!options.shard.empty()) parse_shard(options.shard, shard_index, shard_count);
  const bool sharding = shard_count > 1;

  libstream::JsonChecker checker;
  libstream::JsonError error;
  libstream::Counters& counters = context.counters();
  std::string key_value;
  std::string decorated;

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
