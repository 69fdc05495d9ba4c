// trace-read: records out of any container (NDJSON, JSON arrays, concatenated or
// pretty-printed documents; plain, zstd or gzip), one compact record per line.
#pragma once

#include <libstream/cli.hpp>
#include <libstream/record_reader.hpp>

#include <cstdint>
#include <string>

namespace tracemill {

struct ReadOptions {
  libstream::InputFormat format = libstream::InputFormat::auto_detect;
  std::string shard;  ///< "I/N", empty = all
  std::string key = "session_id";
  uint64_t limit = 0;  ///< 0 = no limit
  bool with_source = false;
  bool compact = false;
  std::string group_by;               ///< flat rows: member whose value names the session
  std::string group_into = "rows";    ///< member holding a group's rows
  bool contiguous = false;            ///< rows of a session are adjacent: stream, no sort
  std::string group_memory = "64M";   ///< sort budget before spilling to temporary files
};

void add_read_options(CLI::App& app, ReadOptions& options);

/// Parses "I/N" into index and count; throws std::invalid_argument with the reason.
void parse_shard(const std::string& text, uint64_t& index, uint64_t& count);

void run_read(const ReadOptions& options, libstream::ToolContext& context);

}  // namespace tracemill
