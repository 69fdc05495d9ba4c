#include "tokens.hpp"

#include <libstream/batched_records.hpp>
#include <libstream/document.hpp>

#include <memory>
#include <mutex>

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
  app.add_option("--threads", options.threads,
                 "Worker threads counting records (0: the reading thread only); the output is the same for every number")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
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
  // Loaded when a record first needs it (an input without one needs no vocabulary), by
  // whichever worker gets there first; a load that fails is retried by the next record and
  // its error ends the run when that record's batch comes back.
  std::shared_ptr<const libstream::Tokenizer> tokenizer;
  std::once_flag tokenizer_loaded;
  uint64_t records = 0, messages = 0, total = 0, chat_total = 0;
  struct Counted {
    std::string problem;  // non-empty: rejected
    libstream::ChatTokens counts;
    std::string line;  // the record with its counts (unless --totals)
  };
  const libstream::BatchedReading how{options.threads, /*keep_written=*/!options.totals};
  std::vector<libstream::DocumentParser> parsers(how.workers());
  libstream::for_each_record_batch<Counted>(
      context, how,
      [&](const libstream::RecordBatch& batch, std::vector<Counted>& results, unsigned worker) {
        libstream::JsonError error;
        for (size_t i = 0; i < batch.size(); ++i) {
          Counted& result = results[i];
          result.problem.clear();
          const std::string_view raw = batch.raw_record(i);
          const rapidjson::Value* root = parsers[worker].parse(raw.data(), raw.size(), &error);
          if (root == nullptr) {
            result.problem = error.describe();
            continue;
          }
          const rapidjson::Value* list = libstream::find_member(*root, "messages");
          if (list == nullptr || !list->IsArray()) {
            result.problem = list == nullptr ? "no messages array" : "messages is not an array";
            continue;
          }
          if (libstream::find_member(*root, options.member.c_str()) != nullptr) {
            result.problem = "already has a \"" + options.member + "\" member (--member names another)";
            continue;
          }
          std::call_once(tokenizer_loaded, [&] { tokenizer = libstream::load_tokenizer(options.tokenizer); });
          result.counts = libstream::count_chat_tokens(*tokenizer, *list, libstream::find_member(*root, "tools"));
          if (!options.totals) {
            result.line = with_member(batch.kept_record(i), root->MemberCount() == 0, options.member,
                                      counts_json(encoding, result.counts));
          }
        }
      },
      [&](const libstream::RecordBatch& batch, std::vector<Counted>& results, const std::vector<std::string>& names) {
        for (size_t i = 0; i < batch.size(); ++i) {
          const Counted& result = results[i];
          if (!result.problem.empty()) {
            libstream::reject_batch_record(context, batch, i, names, result.problem);
            continue;
          }
          ++records;
          messages += result.counts.per_message.size();
          total += result.counts.text;
          chat_total += result.counts.chat;
          if (options.totals) {
            ++context.counters().filtered;
          } else {
            context.write_line(result.line);
          }
        }
      });
  if (options.totals) {
    const std::string line = "{\"encoding\":\"" + encoding + "\",\"records\":" + std::to_string(records) +
                             ",\"messages\":" + std::to_string(messages) + ",\"total\":" + std::to_string(total) +
                             ",\"chat_total\":" + std::to_string(chat_total) + "}\n";
    context.out().write(line.data(), line.size());
  }
}

}  // namespace tracemill
