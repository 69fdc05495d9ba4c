#include "dataset_info.hpp"

#include <libstream/document.hpp>
#include <libstream/error.hpp>

#include <fstream>
#include <sstream>
#include <string_view>

namespace tracemill::normalize {
namespace {

using libstream::ErrorKind;
using rapidjson::Value;

// LLaMA-Factory's column keys and the member each dialect reads them from (its defaults).
constexpr std::pair<const char*, const char*> kAlpacaColumns[] = {
    {"prompt", "instruction"}, {"query", "input"}, {"response", "output"}, {"history", "history"},
    {"system", "system"},      {"tools", "tools"}, {"chosen", "chosen"},   {"rejected", "rejected"},
    {"kto_tag", "kto_tag"}};
constexpr std::pair<const char*, const char*> kSharegptColumns[] = {
    {"messages", "conversations"}, {"system", "system"},     {"tools", "tools"},
    {"chosen", "chosen"},          {"rejected", "rejected"}, {"kto_tag", "kto_tag"}};
// Role tags and the role names the sharegpt dialect reads.
constexpr std::pair<const char*, const char*> kRoleTags[] = {{"user_tag", "user"},
                                                             {"assistant_tag", "assistant"},
                                                             {"observation_tag", "observation"},
                                                             {"function_tag", "function_call"},
                                                             {"system_tag", "system"}};

[[noreturn]] void fail(const std::string& where, const std::string& message) {
  throw libstream::Error(ErrorKind::usage, where, message);
}

const char* lookup(const std::vector<std::pair<std::string, std::string>>& names, std::string_view name) {
  for (const auto& [from, to] : names) {
    if (from == name) return to.c_str();
  }
  return nullptr;
}

}  // namespace

DatasetInfo::DatasetInfo(const std::string& file, const std::string& dataset) {
  std::ifstream in(file);
  if (!in) fail(file, "cannot open the dataset_info file");
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document info;
  if (!libstream::parse_embedded_json(text.str(), info) || !info.IsObject()) fail(file, "not a JSON object");
  const Value* entry = libstream::find_member(info, dataset.c_str());
  if (entry == nullptr || !entry->IsObject()) fail(file, "no dataset named '" + dataset + "'");
  const Value* formatting = libstream::find_member(*entry, "formatting");
  dialect_ = formatting != nullptr && formatting->IsString() ? std::string(libstream::string_of(*formatting)) : "alpaca";
  if (dialect_ != "alpaca" && dialect_ != "sharegpt") fail(file, dataset + ": formatting '" + dialect_ + "' is neither alpaca nor sharegpt");
  if (const Value* columns = libstream::find_member(*entry, "columns"); columns != nullptr && columns->IsObject()) {
    for (const auto& column : columns->GetObject()) {
      if (!column.value.IsString()) fail(file, dataset + ": column names must be strings");
      const std::string_view key = libstream::string_of(column.name);
      const char* target = nullptr;
      for (const auto& [k, member] : dialect_ == "alpaca" ? std::vector(std::begin(kAlpacaColumns), std::end(kAlpacaColumns))
                                                          : std::vector(std::begin(kSharegptColumns), std::end(kSharegptColumns))) {
        if (key == k) target = member;
      }
      // Columns the dialect has no member for (images, videos, audios) keep their names: extra.
      if (target != nullptr && libstream::string_of(column.value) != target) {
        columns_.emplace_back(std::string(libstream::string_of(column.value)), target);
      }
    }
  }
  if (const Value* tags = libstream::find_member(*entry, "tags"); tags != nullptr && tags->IsObject()) {
    for (const auto& tag : tags->GetObject()) {
      if (!tag.value.IsString()) fail(file, dataset + ": tags must be strings");
      const std::string_view key = libstream::string_of(tag.name);
      const std::string value(libstream::string_of(tag.value));
      if (key == "role_tag") role_tag_ = value;
      if (key == "content_tag") content_tag_ = value;
      for (const auto& [k, role] : kRoleTags) {
        if (key == k && value != role) roles_.emplace_back(value, role);
      }
    }
  }
}

void DatasetInfo::rename(const Value& record, rapidjson::Document& out) const {
  out.SetObject();
  auto& allocator = out.GetAllocator();
  const auto rename_message = [&](Value& message) {
    if (!message.IsObject()) return;
    for (auto m = message.MemberBegin(); m != message.MemberEnd(); ++m) {
      const std::string_view key = libstream::string_of(m->name);
      if (key == content_tag_ && content_tag_ != "value") m->name.SetString("value", allocator);
      if (key != role_tag_) continue;
      if (role_tag_ != "from") m->name.SetString("from", allocator);
      if (!m->value.IsString()) continue;
      if (const char* role = lookup(roles_, libstream::string_of(m->value))) m->value.SetString(role, allocator);
    }
  };
  if (!record.IsObject()) return;
  for (const auto& m : record.GetObject()) {
    const char* target = lookup(columns_, libstream::string_of(m.name));
    const std::string_view name = target != nullptr ? std::string_view(target) : libstream::string_of(m.name);
    Value value(m.value, allocator);
    if (dialect_ == "sharegpt" && (name == "conversations" || name == "chosen" || name == "rejected")) {
      if (value.IsArray()) {
        for (Value& message : value.GetArray()) rename_message(message);
      } else {
        rename_message(value);
      }
    }
    out.AddMember(Value(name.data(), static_cast<rapidjson::SizeType>(name.size()), allocator), value, allocator);
  }
}

}  // namespace tracemill::normalize
