// Deterministic NDJSON for the micro-benchmarks: agent-session-like records of ~3 KB with
// escapes, unicode and nested tool calls (scripts/gen-traces makes the big dumps).
#pragma once

#include <cstdint>
#include <string>

namespace bench {

inline std::string make_ndjson(size_t target_bytes, uint64_t seed = 42) {
  static const char* const kWords[] = {"tree", "water", "stone", "wood", "caf\xC3\xA9", "\\\"quoted\\\"",
                                       "line\\nbreak", "\xE6\x97\xA5\xE6\x9C\xAC", "zombie", "pickaxe"};
  uint64_t state = seed;
  const auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  const auto text = [&](size_t words) {
    std::string out;
    for (size_t i = 0; i < words; ++i) out += std::string(i ? " " : "") + kWords[next() % 10];
    return out;
  };
  std::string out;
  for (uint64_t n = 0; out.size() < target_bytes; ++n) {
    out += "{\"session_id\":\"sess-" + std::to_string(n) + "\",\"model\":\"gpt-4.1-mini\",\"reward\":" +
           std::to_string(next() % 1000) + "." + std::to_string(next() % 100) + ",\"messages\":[";
    const size_t turns = 3 + next() % 8;
    for (size_t t = 0; t < turns; ++t) {
      out += std::string(t ? "," : "") + "{\"role\":\"user\",\"content\":\"" + text(20 + next() % 60) +
             "\"},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c" + std::to_string(t) +
             "\",\"type\":\"function\",\"function\":{\"name\":\"act\",\"arguments\":\"{\\\"a\\\":[1,2]}\"}}]}";
    }
    out += "],\"usage\":{\"input_tokens\":" + std::to_string(next() % 5000) + ",\"output_tokens\":" +
           std::to_string(next() % 900) + "}}\n";
  }
  return out;
}

}  // namespace bench
