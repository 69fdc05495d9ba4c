// trace-validate's command line and its pass over the records: each record checked against
// the profile (validate.cpp), the valid ones written unchanged, the counts reported at the end.
#include "validate.hpp"

#include <libstream/batched_records.hpp>
#include <libstream/document.hpp>
#include <libstream/tokenizer.hpp>

#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tracemill {

using rapidjson::Value;

namespace {

struct Distribution {
  std::vector<uint64_t> values;
  std::string describe() const {
    if (values.empty()) return "none";
    std::vector<uint64_t> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    double sum = 0;
    for (uint64_t v : sorted) sum += static_cast<double>(v);
    const size_t n = sorted.size();
    const double median = n % 2 == 1 ? static_cast<double>(sorted[n / 2])
                                     : (static_cast<double>(sorted[n / 2 - 1]) + static_cast<double>(sorted[n / 2])) / 2;
    const auto fixed1 = [](double v) {
      const auto tenths = static_cast<uint64_t>(v * 10 + 0.5);
      return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10);
    };
    return "min " + std::to_string(sorted.front()) + ", max " + std::to_string(sorted.back()) + ", mean " +
           fixed1(sum / static_cast<double>(n)) + ", median " + fixed1(median);
  }
};

/// What a worker thread found in one record.
struct Checked {
  bool parsed = false;
  std::string parse_error;
  RecordCheck check;
};

const char* profile_name(Profile profile) {
  switch (profile) {
    case Profile::json: return "json";
    case Profile::openai_chat: return "openai-chat";
    case Profile::trace: return "trace";
    case Profile::openai_preference: return "openai-preference";
    case Profile::trl_dpo: return "trl-dpo";
    case Profile::trl_kto: return "trl-kto";
  }
  return "?";
}

}  // namespace

void add_validate_options(CLI::App& app, ValidateOptions& options) {
  const std::vector<std::pair<std::string, Profile>> profiles{
      {"json", Profile::json}, {"openai-chat", Profile::openai_chat}, {"trace", Profile::trace},
      {"openai-preference", Profile::openai_preference}, {"trl-dpo", Profile::trl_dpo}, {"trl-kto", Profile::trl_kto}};
  app.add_option("-p,--profile", options.profile,
                 "What a valid record is: json (well-formed JSON, valid UTF-8), openai-chat (a fine-tuning "
                 "example), trace (a trace/v1 session record), openai-preference, trl-dpo, trl-kto (preference examples)")
      ->transform(libstream::enum_choice(profiles))
      ->type_name("json|openai-chat|trace|openai-preference|trl-dpo|trl-kto")
      ->default_str("json");
  app.add_flag("--strict", options.strict, "Exit 1 when any record is invalid (the valid ones are still written)");
  app.add_option("--max-tokens", options.max_tokens, "openai-chat: warn about examples of more tokens than this")
      ->capture_default_str();
  app.add_option("--min-examples", options.min_examples, "openai-chat: warn when there are fewer examples")
      ->capture_default_str();
  app.add_flag("--stats", options.stats,
               "openai-chat: print the distributions of messages and tokens per example, and the "
               "billable tokens and default epochs (keeps three numbers per example)");
  app.add_option("--threads", options.threads,
                 "Worker threads parsing and checking records (0: the reading thread only); the output is the same "
                 "for every number")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  libstream::add_tokenizer_options(app, options.tokenizer);
  app.add_flag("--token-estimate", options.token_estimate,
               "openai-chat: estimate tokens without the tokenizer's vocabulary instead of counting them");
}

void run_validate(const ValidateOptions& given, libstream::ToolContext& context) {
  ValidateOptions options = given;
  std::shared_ptr<const libstream::Tokenizer> tokenizer;
  if (options.profile == Profile::openai_chat && !options.token_estimate) {
    tokenizer = libstream::load_tokenizer(options.tokenizer);
    options.counter = tokenizer.get();
  }
  if (options.profile == Profile::openai_chat && !options.tokenizer.model.empty()) {
    options.model_limit = training_example_limit(options.tokenizer.model);
    if (options.model_limit == 0) {
      context.warning("", "--model " + options.tokenizer.model +
                              ": its tokens per training example are not in trace-validate's table; only --max-tokens is checked");
    }
  }
  const std::string measure = options.counter != nullptr ? "(" + tokenizer->encoding() + ")" : "(estimate)";
  std::map<std::string, uint64_t> errors;
  std::map<std::string, uint64_t> warnings;
  uint64_t valid = 0;
  uint64_t invalid = 0;
  Distribution messages, tokens, assistant_tokens;
  // A report asked for on a terminal is what the user wants to read: the records, written to
  // the same terminal, would bury it (a 200 MB dataset before three lines of statistics).
  const bool withhold_records = options.stats && context.options().output.path == "-" && ::isatty(1) == 1;

  // Parsing and checking run on the worker threads; counting, rejecting and writing here, in
  // input order.
  const libstream::BatchedReading how{options.threads, /*keep_written=*/true};
  std::vector<libstream::DocumentParser> parsers(how.workers());
  const auto check_batch = [&](const libstream::RecordBatch& batch, std::vector<Checked>& results, unsigned worker) {
    libstream::JsonError parse_error;
    for (size_t i = 0; i < batch.size(); ++i) {
      const std::string_view raw = batch.raw_record(i);
      Checked& result = results[i];
      result.check = RecordCheck();
      const Value* root = parsers[worker].parse(raw.data(), raw.size(), &parse_error, /*validate_utf8=*/true);
      result.parsed = root != nullptr;
      if (root == nullptr) {
        result.parse_error = parse_error.describe();
        continue;
      }
      RecordCheck& check = result.check;
      if (options.profile == Profile::openai_chat) check_openai_chat(*root, options, check);
      if (options.profile == Profile::trace) check_trace(*root, check);
      if (options.profile == Profile::openai_preference) check_openai_preference(*root, options, check);
      if (options.profile == Profile::trl_dpo || options.profile == Profile::trl_kto) {
        check_trl_preference(*root, options.profile == Profile::trl_kto, check);
      }
    }
  };
  const auto take_batch = [&](const libstream::RecordBatch& batch, std::vector<Checked>& results,
                              const std::vector<std::string>& names) {
    for (size_t i = 0; i < batch.size(); ++i) {
      const Checked& result = results[i];
      if (!result.parsed) {
        ++errors["invalid_json"];
        ++invalid;
        libstream::reject_batch_record(context, batch, i, names, result.parse_error);
        continue;
      }
      const RecordCheck& check = result.check;
      for (const Finding& f : check.warnings) ++warnings[f.code];
      if (options.stats && options.profile == Profile::openai_chat) {
        messages.values.push_back(check.messages);
        tokens.values.push_back(check.tokens);
        assistant_tokens.values.push_back(check.assistant_tokens);
      }
      if (!check.errors.empty()) {
        for (const Finding& f : check.errors) ++errors[f.code];
        ++invalid;
        libstream::reject_batch_record(context, batch, i, names, describe(check.errors));
        continue;
      }
      ++valid;
      if (withhold_records) {
        ++context.counters().filtered;  // a report on a terminal: the records are not shown
      } else {
        context.write_line(batch.kept_record(i));
      }
    }
  };
  libstream::for_each_record_batch<Checked>(context, how, check_batch, take_batch);
  if (withhold_records && valid > 0) {
    context.info(std::to_string(valid) + " valid record" + (valid == 1 ? "" : "s") +
                 " not written to the terminal (--stats: give -o FILE or a pipe to keep them)");
  }

  const uint64_t total = valid + invalid;
  if (total == 0) return;  // empty input: empty output, nothing to report (docs/distributed.md, R3)
  context.info(std::string(profile_name(options.profile)) + ": " + std::to_string(total) +
               (total == 1 ? " record, " : " records, ") +
               std::to_string(valid) + " valid, " + std::to_string(invalid) + " invalid");
  if (errors.empty()) context.info("No errors found");
  for (const auto& [code, count] : errors) context.info("error " + code + ": " + std::to_string(count));
  for (const auto& [code, count] : warnings) context.info("warning " + code + ": " + std::to_string(count));
  if (options.profile == Profile::openai_chat) {
    if (total < options.min_examples) {
      context.warning("", std::to_string(total) + (total == 1 ? " example" : " examples") + ": fewer than --min-examples " +
                              std::to_string(options.min_examples));
    }
    if (options.stats) {
      uint64_t billable = 0;
      for (uint64_t t : tokens.values) billable += std::min(t, options.max_tokens);
      // The cookbook's default epochs: 3, raised for small files, lowered for large ones.
      const uint64_t n = std::max<uint64_t>(total, 1);
      uint64_t epochs = 3;
      if (3 * n < 100) epochs = std::min<uint64_t>(25, 100 / n);
      if (3 * n > 25000) epochs = std::max<uint64_t>(1, 25000 / n);
      context.info("messages per example: " + messages.describe());
      context.info("tokens per example " + measure + ": " + tokens.describe());
      context.info("assistant tokens per example " + measure + ": " + assistant_tokens.describe());
      context.info("billable tokens " + measure + ": " + std::to_string(billable) + ", default epochs: " +
                   std::to_string(epochs) + ", charged tokens: " + std::to_string(billable * epochs));
    }
  }
  if (options.strict && invalid > 0) {
    context.error("", std::to_string(invalid) + " invalid record" + (invalid == 1 ? "" : "s") + " (--strict)");
  }
}

}  // namespace tracemill
