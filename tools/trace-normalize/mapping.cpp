#include "mapping.hpp"

#include "session_builder.hpp"

#include <libstream/error.hpp>

#include <charconv>
#include <fstream>
#include <set>
#include <stdexcept>

namespace tracemill::normalize {

MapPath parse_map_path(std::string_view text) {
  MapPath path;
  path.text = std::string(text);
  size_t i = 0;
  while (true) {
    std::string segment;
    bool quoted = false;
    if (i < text.size() && text[i] == '"') {
      quoted = true;
      ++i;
      while (i < text.size() && text[i] != '"') {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;  // \" and \\ inside quotes
        segment += text[i++];
      }
      if (i == text.size()) throw std::invalid_argument("path '" + path.text + "': a quote is not closed");
      ++i;
      if (i < text.size() && text[i] != '.') throw std::invalid_argument("path '" + path.text + "': expected '.' after a quoted name");
    } else {
      while (i < text.size() && text[i] != '.') segment += text[i++];
      if (segment.empty()) throw std::invalid_argument("path '" + path.text + "': an empty segment");
    }
    path.segments.push_back(std::move(segment));
    path.quoted.push_back(quoted);
    if (i == text.size()) break;
    ++i;  // the dot
    if (i == text.size()) throw std::invalid_argument("path '" + path.text + "': ends with '.'");
  }
  return path;
}

namespace {

/// The index `segment` names in an array of `size`: digits, or -N counting from the end.
std::optional<rapidjson::SizeType> index_of(const std::string& segment, rapidjson::SizeType size) {
  const bool negative = !segment.empty() && segment.front() == '-';
  long long n = 0;
  const char* begin = segment.data() + (negative ? 1 : 0);
  const char* end = segment.data() + segment.size();
  const auto [rest, error] = std::from_chars(begin, end, n);
  if (error != std::errc() || rest != end || begin == end) return std::nullopt;
  if (negative) n = static_cast<long long>(size) - n;
  if (n < 0 || n >= static_cast<long long>(size)) return std::nullopt;
  return static_cast<rapidjson::SizeType>(n);
}

}  // namespace

const Value* resolve_map_path(const Value& root, const MapPath& path, Embedded& embedded, bool structure) {
  const Value* v = &root;
  for (size_t k = 0; k < path.segments.size() && v != nullptr; ++k) {
    v = embedded.resolve(v);  // "{\"a\":1}" walked into like {"a":1}
    const std::string& segment = path.segments[k];
    if (v->IsArray() && !path.quoted[k]) {
      const auto index = index_of(segment, v->Size());
      v = index ? &(*v)[*index] : nullptr;
    } else if (v->IsObject()) {
      v = find_member(*v, segment.c_str());
    } else {
      v = nullptr;
    }
  }
  if (v != nullptr && structure) v = embedded.resolve(v);
  return v;
}

namespace {

const std::set<std::string>& mappable_fields() {
  static const std::set<std::string> fields = {
      "session_id", "messages", "reward", "achievements", "model", "experiment_id", "split", "task_id", "seed", "env",
      "policy", "status", "created_at", "ended_at", "cost_usd", "phase", "trial_id", "job_id", "usage.input_tokens",
      "usage.output_tokens", "usage.total_tokens"};
  return fields;
}

/// Splits "a+b" on '+' outside double quotes.
std::vector<std::string> split_sources(std::string_view text) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' && quoted && i + 1 < text.size()) {
      out.back() += c;
      out.back() += text[++i];
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (c == '+' && !quoted) {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

bool role_target_of(std::string_view name, RoleTarget& target) {
  static const std::pair<std::string_view, RoleTarget> kTargets[] = {
      {"system", RoleTarget::system}, {"user", RoleTarget::user}, {"assistant", RoleTarget::assistant},
      {"tool", RoleTarget::tool}, {"tool_call", RoleTarget::tool_call}, {"env", RoleTarget::env}};
  for (const auto& [n, t] : kTargets) {
    if (n == name) {
      target = t;
      return true;
    }
  }
  return false;
}

}  // namespace

Mapping::Mapping(const std::vector<std::string>& pairs, const std::string& records, const std::vector<std::string>& roles) {
  for (const std::string& pair : pairs) {
    const size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size()) {
      throw std::invalid_argument("--map takes FIELD=PATH, not '" + pair + "'");
    }
    FieldMap field{pair.substr(0, eq), {}};
    if (mappable_fields().count(field.field) == 0) {
      throw std::invalid_argument("--map " + pair + ": '" + field.field + "' is not a trace/v1 field that can be mapped");
    }
    const std::vector<std::string> sources = split_sources(pair.substr(eq + 1));
    if (sources.size() > 1 && field.field != "messages") {
      throw std::invalid_argument("--map " + pair + ": only messages may join several sources with '+'");
    }
    try {
      for (const std::string& source : sources) field.sources.push_back(parse_map_path(source));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("--map " + pair + ": " + e.what());
    }
    fields_.push_back(std::move(field));
  }
  if (!records.empty()) {
    std::string text = records;
    if (text.size() >= 2 && text.compare(text.size() - 2, 2, "[]") == 0) text.resize(text.size() - 2);  // simulations[]
    try {
      records_ = parse_map_path(text);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("--records " + records + ": " + e.what());
    }
    records_.text = records;
    has_records_ = true;
  }
  for (const std::string& pair : roles) {
    const size_t eq = pair.find('=');
    RoleTarget target{};
    if (eq == std::string::npos || eq == 0 || !role_target_of(std::string_view(pair).substr(eq + 1), target)) {
      throw std::invalid_argument("--role takes SOURCE=ROLE with ROLE one of system, user, assistant, tool, tool_call, env; not '" +
                                  pair + "'");
    }
    roles_.emplace_back(pair.substr(0, eq), target);
  }
}

bool Mapping::role(std::string_view source, RoleTarget& target) const {
  for (const auto& [name, t] : roles_) {
    if (name == source) {
      target = t;
      return true;
    }
  }
  // Built in (README.md, "Roles"): chat-dataset and agent names for the four roles.
  static const std::pair<std::string_view, RoleTarget> kBuiltIn[] = {
      {"developer", RoleTarget::system},     {"agent", RoleTarget::assistant},     {"ai", RoleTarget::assistant},
      {"function", RoleTarget::tool},        {"observation", RoleTarget::tool},    {"ipython", RoleTarget::tool},
      {"function_call", RoleTarget::tool_call}, {"exit", RoleTarget::env}};
  for (const auto& [name, t] : kBuiltIn) {
    if (name == source) {
      target = t;
      return true;
    }
  }
  const std::string role = role_of_type(source);  // system, user, human, gpt, tool_result, ...
  return role_target_of(role, target) && !role.empty();
}

void Mapping::report(std::vector<std::string>& warnings, std::vector<std::string>& errors) const {
  const std::string of = " of " + std::to_string(records_mapped_) + (records_mapped_ == 1 ? " record" : " records");
  for (const FieldMap& field : fields_) {
    for (const MapPath& source : field.sources) {
      if (source.missed == 0) continue;
      const std::string what = "--map " + field.field + "=" + source.text;
      if (source.missed == records_mapped_) {
        std::string keys;
        for (const std::string& k : source.first_miss_keys) keys += (keys.empty() ? "" : ", ") + k;
        errors.push_back(what + " matched nothing in any record (" + std::to_string(records_mapped_) +
                         " read; the first has " + (keys.empty() ? "no members" : "members " + keys) + ")");
      } else {
        warnings.push_back(what + " matched nothing in " + std::to_string(source.missed) + of);
      }
    }
  }
  for (const auto& [what, count] : notes_) warnings.push_back(what + ": " + std::to_string(count));
}

MapFile read_map_file(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw libstream::Error(libstream::ErrorKind::usage, file, "cannot open the mapping file");
  MapFile out;
  std::string line;
  std::string table;  // "" before any table
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    line.erase(0, line.find_first_not_of(" \t"));
    if (line.empty() || line.front() == '#' || line.front() == '\r') continue;
    if (line.front() == '[') {
      const size_t close = line.find(']');
      table = close == std::string::npos ? "?" : line.substr(1, close - 1);
      continue;
    }
    if (table != "" && table != "map" && table != "roles") continue;
    // KEY = "value"  # comment; a KEY may itself be quoted ("a.b" = ... is not needed: values are paths)
    const size_t eq = line.find('=');
    const size_t open = eq == std::string::npos ? std::string::npos : line.find_first_not_of(" \t", eq + 1);
    // The value is a TOML basic string: \" and \\ escapes (a quoted path segment is "\"a.b\"").
    std::string value;
    size_t close = std::string::npos;
    if (open != std::string::npos && line[open] == '"') {
      for (size_t i = open + 1; i < line.size(); ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) {
          value += line[++i];
        } else if (line[i] == '"') {
          close = i;
          break;
        } else {
          value += line[i];
        }
      }
    } else if (open != std::string::npos && line[open] == '\'') {  // a TOML literal string: no escapes
      close = line.find('\'', open + 1);
      if (close != std::string::npos) value = line.substr(open + 1, close - open - 1);
    }
    std::string key = eq == std::string::npos ? "" : line.substr(0, eq);
    key.erase(key.find_last_not_of(" \t") + 1);
    std::string rest = close == std::string::npos ? "x" : line.substr(close + 1);
    rest.erase(0, rest.find_first_not_of(" \t\r"));
    if (key.empty() || close == std::string::npos || !(rest.empty() || rest.front() == '#') ||
        (table.empty() && key != "records")) {
      throw libstream::Error(libstream::ErrorKind::usage, file + ":" + std::to_string(number),
                             table.empty() ? "expected records = \"PATH\" or a [map] or [roles] table"
                                           : "expected KEY = \"value\" in the [" + table + "] table");
    }
    if (table.empty()) {
      out.records = value;
    } else if (table == "map") {
      out.maps.push_back(key + "=" + value);
    } else {
      out.roles.push_back(key + "=" + value);
    }
  }
  return out;
}

}  // namespace tracemill::normalize
