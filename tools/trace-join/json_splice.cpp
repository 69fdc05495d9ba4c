#include "json_splice.hpp"

#include <libstream/json.hpp>

#include <utility>

namespace tracemill {
namespace {

using Members = std::vector<std::pair<std::string_view, std::string_view>>;
using Steps = std::vector<std::string_view>;

const std::pair<std::string_view, std::string_view>* find(const Members& members, std::string_view key) {
  // The first of repeated keys: the one rapidjson's FindMember (and so every tool) reads.
  for (const auto& member : members) {
    if (member.first == key) return &member;
  }
  return nullptr;
}

// `{"b":{"c":value}}` for the steps from `first` on, written into `out`.
void nest(const Steps& steps, size_t first, std::string_view value, std::string& out) {
  if (first == steps.size()) {
    out += value;
    return;
  }
  out += '{';
  libstream::append_json_string(out, steps[first]);
  out += ':';
  nest(steps, first + 1, value, out);
  out += '}';
}

SpliceResult set_at(std::string_view json, const Steps& steps, size_t depth, std::string_view value, std::string& out) {
  Members members;
  if (!libstream::top_level_members(json, members)) return {false, "not a JSON object"};
  const std::string_view step = steps[depth];
  const auto* member = find(members, step);
  if (member != nullptr) {
    const size_t begin = static_cast<size_t>(member->second.data() - json.data());
    std::string inner;
    if (depth + 1 == steps.size()) {
      inner.assign(value);
    } else if (member->second == "null") {
      nest(steps, depth + 1, value, inner);
    } else {
      SpliceResult nested = set_at(member->second, steps, depth + 1, value, inner);
      if (!nested.ok) {
        nested.problem = nested.problem == "not a JSON object" ? std::string(step) + " is not an object"
                                                               : std::string(step) + "." + nested.problem;
        return nested;
      }
    }
    out.append(json.substr(0, begin));
    out.append(inner);
    out.append(json.substr(begin + member->second.size()));
    return {};
  }
  // A new last member, before the closing brace (anything after it kept).
  const size_t close = json.rfind('}');
  out.append(json.substr(0, close));
  if (!members.empty()) out += ',';
  libstream::append_json_string(out, step);
  out += ':';
  nest(steps, depth + 1, value, out);
  out.append(json.substr(close));
  return {};
}

}  // namespace

std::vector<std::string_view> path_steps(std::string_view path) {
  Steps steps;
  for (;;) {
    const size_t dot = path.find('.');
    steps.push_back(path.substr(0, dot));
    if (dot == std::string_view::npos) return steps;
    path.remove_prefix(dot + 1);
  }
}

std::optional<std::string_view> raw_member(std::string_view json, std::string_view path) {
  Members members;
  std::string_view current = json;
  for (const std::string_view step : path_steps(path)) {
    if (!libstream::top_level_members(current, members)) return std::nullopt;
    const auto* member = find(members, step);
    if (member == nullptr) return std::nullopt;
    current = member->second;
  }
  return current;
}

SpliceResult set_member(std::string_view json, const std::vector<std::string_view>& steps, std::string_view value,
                        std::string& out) {
  out.clear();
  if (steps.empty()) return {false, "an empty path"};
  return set_at(json, steps, 0, value, out);
}

SpliceResult set_member(std::string_view json, std::string_view path, std::string_view value, std::string& out) {
  return set_member(json, path_steps(path), value, out);
}

}  // namespace tracemill
