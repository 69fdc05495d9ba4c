#include "tokens.hpp"

#include <libstream/document.hpp>

#include <memory>

namespace tracemill {

void add_tokens_options(CLI::App& app, TokensOptions& options) {
  libstream::add_tokenizer_options(app, options.tokenizer);
  app.add_option("--member", options.member, "Top-level member receiving the counts (default tokens)")
      ->check([](const std::string& name) {
        for (const char c : name) {
          const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                             c == '-' || c == '.';
          if (!plain) return std::string("a member name of letters, digits, _ - . only");
        }
        return name.empty() ? std::string("an empty member name") : std::string();
      });
  app.add_flag("--totals", options.totals,
               "Print one JSON line of totals (records, messages, total, chat_total) instead of the records");
}

std::string counts_json(const std::string& encoding, const libstream::ChatTokens& counts) {
  std::string out = "{\"encoding\":\"" + encoding + "\",\"per_message\":[";
  for (size_t i = 0; i < counts.per_message.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(counts.per_message[i]);
  }
  out += "],\"total\":" + std::to_string(counts.text) + ",\"chat_total\":" + std::to_string(counts.chat) + "}";
  return out;
}

std::string with_member(std::string_view record, bool empty_object, const std::string& member,
                        const std::string& value) {
  while (!record.empty() && record.back() != '}') record.remove_suffix(1);
  if (!record.empty()) record.remove_suffix(1);
  std::string out(record);
  if (!empty_object) out += ',';
  out += "\"" + member + "\":" + value + "}";
  return out;
}

void run_tokens(const TokensOptions& options, libstream::ToolContext& context) {
  const std::string encoding = libstream::chosen_encoding(options.tokenizer);  // usage errors first
  std::shared_ptr<const libstream::Tokenizer> tokenizer;  // loaded at the first record
  libstream::DocumentParser parser;
  libstream::JsonError error;
  uint64_t records = 0, messages = 0, total = 0, chat_total = 0;
  context.for_each_record(libstream::InputFormat::auto_detect, [&](libstream::RecordSource& source,
                                                                   libstream::RawRecord& record) {
    const rapidjson::Value* root = parser.parse(record.data, record.size, &error);
    if (root == nullptr) {
      context.reject(source, record, error.describe());
      return true;
    }
    const rapidjson::Value* list = libstream::find_member(*root, "messages");
    if (list == nullptr || !list->IsArray()) {
      context.reject(source, record, list == nullptr ? "no messages array" : "messages is not an array");
      return true;
    }
    if (libstream::find_member(*root, options.member.c_str()) != nullptr) {
      context.reject(source, record, "already has a \"" + options.member + "\" member (--member names another)");
      return true;
    }
    if (!tokenizer) tokenizer = libstream::load_tokenizer(options.tokenizer);
    const libstream::ChatTokens counts =
        libstream::count_chat_tokens(*tokenizer, *list, libstream::find_member(*root, "tools"));
    ++records;
    messages += counts.per_message.size();
    total += counts.text;
    chat_total += counts.chat;
    if (options.totals) {
      ++context.counters().filtered;
      return true;
    }
    context.write_line(with_member(context.record_bytes(source, record), root->MemberCount() == 0, options.member,
                                   counts_json(encoding, counts)));
    return true;
  });
  if (options.totals) {
    const std::string line = "{\"encoding\":\"" + encoding + "\",\"records\":" + std::to_string(records) +
                             ",\"messages\":" + std::to_string(messages) + ",\"total\":" + std::to_string(total) +
                             ",\"chat_total\":" + std::to_string(chat_total) + "}\n";
    context.out().write(line.data(), line.size());
  }
}

}  // namespace tracemill
