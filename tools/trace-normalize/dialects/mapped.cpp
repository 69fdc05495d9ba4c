// --map FIELD=PATH, --map-file, --records, --role: records of a format no dialect knows,
// mapped field by field as the user says (README.md, "Generic mapping"). Members not taken
// whole are kept under extra; every path that matched nothing and every value converted or
// made up is counted and reported at the end of the run (mapping.hpp).
#include "dialect.hpp"
#include "mapped_chat.hpp"

#include "../mapping.hpp"

#include <libstream/hash.hpp>
#include <libstream/time.hpp>

#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>

namespace tracemill::normalize {
namespace {

void missed(MapPath& path, const Value& record) {
  if (path.missed++ == 0 && record.IsObject()) {
    for (const auto& m : record.GetObject()) {
      if (path.first_miss_keys.size() == 8) {
        path.first_miss_keys.emplace_back("...");
        break;
      }
      path.first_miss_keys.emplace_back(string_of(m.name));
    }
  }
}

/// A reward from a number, a boolean (true 1.0, false 0.0), a string holding a number, or an
/// outcome word (README.md, "Rewards from outcomes"); empty when none of these.
std::string reward_json(const Value& v, bool& converted) {
  converted = false;
  if (v.IsNumber()) return json_of(v);
  converted = true;
  if (v.IsBool()) return v.IsTrue() ? "1.0" : "0.0";
  if (!v.IsString()) return {};
  std::string word(string_of(v));
  double n = 0;
  const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), n);
  if (error == std::errc() && end == word.data() + word.size() && !word.empty() && std::isfinite(n)) return number_json(n);
  std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* yes : {"true", "yes", "pass", "passed", "success", "succeeded", "successful", "resolved", "correct", "solved"}) {
    if (word == yes) return "1.0";
  }
  for (const char* no : {"false", "no", "fail", "failed", "failure", "unresolved", "incorrect", "unsolved", "error", "wrong"}) {
    if (word == no) return "0.0";
  }
  return {};
}

/// One session from `record` (a whole record, or one --records element) into `r`.
void map_one(const Value& record, const MapContext& context, Record& r) {
  Mapping& mapping = *context.mapping;
  mapping.count_record();
  Embedded embedded;
  std::set<std::string_view> used;  // top-level members taken whole
  Usage usage;
  bool has_usage = false;
  const auto take = [&](const MapPath& path) {
    if (path.segments.size() == 1) used.insert(path.segments.front());
  };
  for (FieldMap& field : mapping.fields()) {
    const std::string& name = field.field;
    if (name == "messages") {
      ChatMapper chat(mapping, embedded);
      for (size_t k = 0; k < field.sources.size(); ++k) {
        MapPath& source = field.sources[k];
        const Value* v = resolve_map_path(record, source, embedded, true);
        if (v == nullptr || v->IsNull()) {
          missed(source, record);
          continue;
        }
        chat.add_source(*v, source.text, k == 0);
        take(source);
      }
      chat.finish(r);
      continue;
    }
    MapPath& path = field.sources.front();
    const Value* v = resolve_map_path(record, path, embedded);
    if (v == nullptr || v->IsNull()) {
      missed(path, record);
      continue;
    }
    const std::string what = "--map " + name + "=" + path.text;
    bool usable = true;
    if (name == "created_at") {
      r.set_time("created_at", "original_created_at", v, context.warn);
    } else if (name == "ended_at") {
      std::optional<int64_t> instant;
      if (v->IsString()) instant = libstream::parse_instant(string_of(*v));
      if (v->IsNumber()) instant = libstream::parse_instant(number_json(v->GetDouble()));
      usable = instant.has_value();  // not a time: stays where it was
      if (usable) r.set_text("ended_at", libstream::format_instant(*instant));
    } else if (name == "achievements") {
      r.set("achievements", names_json(achievement_names(embedded.resolve(v))));
    } else if (name.rfind("usage.", 0) == 0) {
      const auto n = integer(v);
      usable = n && *n >= 0;
      if (name == "usage.input_tokens") usage.add(n, std::nullopt, std::nullopt);
      if (name == "usage.output_tokens") usage.add(std::nullopt, n, std::nullopt);
      if (name == "usage.total_tokens" && usable) usage.total = static_cast<uint64_t>(*n);
      has_usage = has_usage || usable;
    } else if (name == "reward") {
      bool converted = false;
      std::string reward = reward_json(*v, converted);
      if (!converted && path.segments.size() == 1) {
        if (auto raw = r.raw(path.segments.front())) reward.assign(raw->data(), raw->size());  // the number as written
      }
      usable = !reward.empty();
      if (usable) r.set("reward", reward);
      if (usable && converted) {
        r.set_text("reward_source", path.text);
        mapping.note(what + ": rewards converted from " + std::string(v->IsBool() ? "booleans" : "strings"));
      }
    } else if (name == "cost_usd") {
      usable = v->IsNumber() && v->GetDouble() >= 0;
      const auto raw = path.segments.size() == 1 ? r.raw(path.segments.front()) : std::nullopt;
      if (usable) r.set(name, raw ? std::string(*raw) : json_of(*v));  // the number as written when it can be
    } else if (name == "seed") {
      usable = v->IsInt64() || v->IsUint64() || v->IsString();
      if (usable) r.set(name, json_of(*v));
    } else {
      r.set_text(name, v->IsString() ? string_of(*v) : std::string_view(json_of(*v)));
      usable = !(v->IsString() && v->GetStringLength() == 0);
    }
    if (usable) {
      take(path);
    } else {
      mapping.note(what + ": values it cannot take (kept in extra)");
    }
  }
  if (has_usage && usage.known()) r.set("usage", usage.json());
  if (!r.has("session_id")) {
    r.set_text("session_id", content_id("record-", record));
    mapping.note("session ids made from a hash of the record (no --map session_id value)");
  }
  r.keep_rest(record, used);
}

/// `value` without the member at `path` (from segment `depth` on): the rest of a --records
/// document, kept with each of its sessions.
std::string json_without(const Value& value, const MapPath& path, size_t depth) {
  if (!value.IsObject() || depth >= path.segments.size()) return json_of(value);
  std::string out = "{";
  for (const auto& m : value.GetObject()) {
    const bool on_path = string_of(m.name) == path.segments[depth];
    if (on_path && depth + 1 == path.segments.size()) continue;
    out += (out.size() > 1 ? "," : "") + quote(string_of(m.name)) + ":" +
           (on_path ? json_without(m.value, path, depth + 1) : json_of(m.value));
  }
  return out + "}";
}

void map_sessions(const Value& record, const MapContext& context, std::vector<std::string>& sessions) {
  const MapPath* records = context.mapping->records();
  std::string line;
  if (records == nullptr) {
    Record r;
    r.reset(&record, context.raw);
    map_one(record, context, r);
    r.finish(line);
    sessions.push_back(std::move(line));
    return;
  }
  Embedded embedded;
  const Value* list = resolve_map_path(record, *records, embedded, true);
  if (list == nullptr || !list->IsArray()) {
    throw MappingError{"--records " + records->text + ": " + (list == nullptr ? std::string("absent") : "not an array")};
  }
  const std::string rest = json_without(record, *records, 0);
  const bool has_rest = rest != "{}";
  for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
    const Value* element = embedded.resolve(&(*list)[i]);
    if (!element->IsObject()) {
      throw MappingError{"--records " + records->text + ": element " + std::to_string(i) + " is not an object"};
    }
    Record r;
    r.reset(nullptr, {});
    map_one(*element, context, r);
    if (has_rest) r.extra("record", rest);
    r.finish(line);
    sessions.push_back(line);
  }
  if (sessions.empty()) context.warn("--records " + records->text + ": an empty array, no session");
}

}  // namespace

// Never detected: chosen for every record (but trace/v1) by --map/--map-file, or by --dialect mapped.
extern const DialectSpec kMapped{"mapped", "chosen by --map or --map-file", "Generic mapping", nullptr, nullptr,
                                 nullptr, map_sessions};

}  // namespace tracemill::normalize
