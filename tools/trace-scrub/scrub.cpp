#include "scrub.hpp"

#include <libstream/batched_records.hpp>
#include <libstream/error.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace tracemill {

void add_scrub_options(CLI::App& app, ScrubOptions& options) {
  app.add_option("--rule", options.rules,
                 "Add a rule NAME=REGEX (RE2 syntax; group 1, when present, is what is replaced); added rules "
                 "win over the built-in ones where matches overlap (repeatable)")
      ->type_name("NAME=REGEX")
      ->allow_extra_args(false);
  app.add_option("--no-rule", options.no_rules, "Switch off the rule NAME (repeatable; names in the manual)")
      ->type_name("NAME")
      ->allow_extra_args(false);
  app.add_option("--min-entropy", options.min_entropy,
                 "Shannon entropy, in bits per character, that a value needs for the entropy-checked rules "
                 "(generic_secret, bearer_token)")
      ->check(CLI::Range(0.0, 8.0))
      ->capture_default_str();
  app.add_option("--hash-key-file", options.hash_key_file,
                 "Key the placeholders' HMAC with this file's bytes, so that a placeholder cannot be traced back "
                 "to a guessable value (an IP address) by whoever lacks the key")
      ->type_name("FILE");
  app.add_option("--threads", options.threads,
                 "Worker threads scrubbing records (0: the reading thread only); the output is the same for every "
                 "number")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  app.add_flag("--report", options.report, "Print how many findings each rule made, on stderr");
  app.add_flag("--check", options.check,
               "Write no records; report the findings and exit 1 if there are any (a gate for CI)");
}

std::vector<RuleSpec> selected_rules(const ScrubOptions& options) {
  std::vector<RuleSpec> all;
  for (const std::string& text : options.rules) all.push_back(parse_rule_option(text));
  for (const RuleSpec& rule : builtin_rules()) all.push_back(rule);
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (all[i].name == all[j].name) throw std::invalid_argument("--rule " + all[i].name + ": a rule of that name exists");
    }
  }
  for (const std::string& name : options.no_rules) {
    const auto known = std::find_if(all.begin(), all.end(), [&](const RuleSpec& r) { return r.name == name; });
    if (known == all.end()) throw std::invalid_argument("--no-rule " + name + ": no rule of that name");
  }
  std::vector<RuleSpec> kept;
  for (RuleSpec& rule : all) {
    if (std::find(options.no_rules.begin(), options.no_rules.end(), rule.name) == options.no_rules.end()) {
      kept.push_back(std::move(rule));
    }
  }
  return kept;
}

namespace {

// Records where each string lies. In situ, rapidjson decodes a string over its own raw
// bytes, starting right after the opening quote. The quote before and the byte after the
// decoded text (still inside the raw string) become newlines, which sets the strings apart
// for the rule scan.
struct SpanHandler : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, SpanHandler> {
  char* base = nullptr;
  std::vector<Scrubber::Span>* spans = nullptr;

  bool Default() { return true; }
  bool RawNumber(const char* /*text*/, rapidjson::SizeType /*length*/, bool /*copy*/) { return true; }
  bool String(const char* text, rapidjson::SizeType length, bool /*copy*/) { return add(text, length); }
  bool Key(const char* text, rapidjson::SizeType length, bool /*copy*/) { return add(text, length); }
  bool add(const char* text, rapidjson::SizeType length) {
    const size_t begin = static_cast<size_t>(text - base);
    spans->push_back({begin, length});
    base[begin - 1] = '\n';
    base[begin + length] = '\n';
    return true;
  }
};

// The closing quote of the valid JSON string whose content starts at json[begin].
size_t closing_quote(std::string_view json, size_t begin) {
  size_t at = begin;
  while (json[at] != '"') at += json[at] == '\\' ? size_t{2} : size_t{1};
  return at;
}

// Appends `text` as a JSON string, as rapidjson's Writer writes it (bytes from 0x80 kept as
// they are), except for a low surrogate, the three bytes ED B0..BF xx that rapidjson decodes a
// lone \udc00 escape to: written back as its escape, since raw it is not UTF-8. A high
// surrogate (ED A0..AF xx) is never an escape's decoding (rapidjson refuses a lone \ud800),
// only raw invalid bytes of the input, and stays raw: escaped, it would not parse.
void append_scrubbed_string(std::string& out, std::string_view text) {
  std::string piece;
  const auto append_piece = [&](std::string_view bytes) {
    piece.clear();
    if (!libstream::append_json_value(piece, rapidjson::Value(rapidjson::StringRef(bytes.data(), bytes.size())))) {
      throw std::logic_error("a string could not be re-encoded");
    }
    out.append(piece, 1, piece.size() - 2);  // without its quotes
  };
  out += '"';
  size_t at = 0;
  for (size_t i = 0; i + 2 < text.size(); ++i) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    if (byte(i) != 0xED || (byte(i + 1) & 0xF0) != 0xB0 || (byte(i + 2) & 0xC0) != 0x80) continue;
    append_piece(text.substr(at, i - at));
    const unsigned code = 0xD000U | ((byte(i + 1) & 0x3FU) << 6) | (byte(i + 2) & 0x3FU);
    static const char kHex[] = "0123456789abcdef";
    out += "\\u";
    for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(code >> shift) & 15];
    at = i + 3;
    i += 2;
  }
  append_piece(text.substr(at));
  out += '"';
}

// The flags of libstream's checks: iterative (bounded stack), numbers kept as text.
constexpr unsigned kParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseInsituFlag;

}  // namespace

Scrubber::Scrubber(const RuleSet& rules, std::string hash_key)
    : rules_(rules), hash_key_(std::move(hash_key)), counts_(rules.size(), 0) {}

std::string Scrubber::placeholder(size_t rule, std::string_view value) const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  static const char kEmpty = 0;
  HMAC(EVP_sha256(), hash_key_.empty() ? &kEmpty : hash_key_.data(), static_cast<int>(hash_key_.size()),
       reinterpret_cast<const unsigned char*>(value.data()), value.size(), digest, &size);
  static const char kHex[] = "0123456789abcdef";
  std::string out = "<" + rules_.rule(rule).kind + ":" + rules_.rule(rule).name + ":";
  for (int i = 0; i < 4; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  out += '>';
  return out;
}

void Scrubber::replace_findings(std::string_view text) {
  text_.clear();
  size_t at = 0;
  for (const RuleMatch& finding : findings_) {
    text_.append(text, at, finding.begin - at);
    text_ += placeholder(finding.rule, text.substr(finding.begin, finding.end - finding.begin));
    at = finding.end;
    ++counts_[finding.rule];
  }
  text_.append(text, at, std::string_view::npos);
}

Scrubber::Outcome Scrubber::scrub(std::string_view json, std::string& out, libstream::JsonError& error) {
  scratch_.assign(json.data(), json.size());  // std::string keeps a NUL after the last byte
  spans_.clear();
  rapidjson::InsituStringStream stream(&scratch_[0]);
  SpanHandler handler;
  handler.base = &scratch_[0];
  handler.spans = &spans_;
  rapidjson::Reader reader;
  const rapidjson::ParseResult result = reader.Parse<kParseFlags>(stream, handler);
  if (result.IsError() || stream.Tell() != json.size()) {
    // A NUL byte reads as the end of input to rapidjson: name it as libstream's checks do.
    const size_t offset = result.IsError() ? result.Offset() : stream.Tell();
    if (offset < json.size() && json[offset] == '\0') {
      error = libstream::JsonError{"unexpected NUL byte", offset};
    } else {
      std::string message = rapidjson::GetParseError_En(result.Code());
      if (!message.empty() && message.back() == '.') message.pop_back();
      error = libstream::JsonError{std::move(message), offset};
    }
    return Outcome::invalid;
  }
  if (spans_.empty()) return Outcome::unchanged;
  // One pass of every rule over all the strings at once; most records stop here.
  rules_.candidates(scratch_, candidates_);
  if (candidates_.empty()) return Outcome::unchanged;

  out.clear();
  size_t copied = 0;  // bytes of `json` already in `out`
  bool found = false;
  for (const Span& span : spans_) {
    const std::string_view decoded(scratch_.data() + span.begin, span.decoded_size);
    rules_.find(decoded, candidates_, findings_);
    if (findings_.empty()) continue;
    found = true;
    replace_findings(decoded);
    // A match that yielded to an overlapping earlier one, or text brought together by a
    // replacement, can match once the first findings are placeholders: scan again until
    // nothing is found, so that a scrubbed string holds nothing the rules find (and a second
    // scrub changes nothing). Placeholders are never matched, so each pass shrinks the text
    // left to scan and this ends.
    for (;;) {
      rules_.candidates(text_, rescan_candidates_);
      if (rescan_candidates_.empty()) break;
      rules_.find(text_, rescan_candidates_, findings_);
      if (findings_.empty()) break;
      rescanned_.swap(text_);
      replace_findings(rescanned_);
    }
    out.append(json, copied, span.begin - 1 - copied);  // up to the opening quote
    append_scrubbed_string(out, text_);
    copied = closing_quote(json, span.begin) + 1;
  }
  if (!found) return Outcome::unchanged;
  out.append(json, copied, std::string_view::npos);
  ++records_with_findings_;
  return Outcome::scrubbed;
}

void run_scrub(const ScrubOptions& options, libstream::ToolContext& context) {
  std::vector<RuleSpec> specs;
  try {
    specs = selected_rules(options);
  } catch (const std::invalid_argument& e) {
    throw libstream::Error(libstream::ErrorKind::usage, "", e.what());
  }
  std::string hash_key;
  if (!options.hash_key_file.empty()) {
    std::ifstream in(options.hash_key_file, std::ios::binary);
    if (!in) throw libstream::Error(libstream::ErrorKind::usage, options.hash_key_file, "cannot open the hash key file");
    hash_key.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (hash_key.empty()) throw libstream::Error(libstream::ErrorKind::usage, options.hash_key_file, "the hash key file is empty");
  }
  std::unique_ptr<RuleSet> rules;
  try {
    rules = std::make_unique<RuleSet>(std::move(specs), options.min_entropy);
  } catch (const std::invalid_argument& e) {
    throw libstream::Error(libstream::ErrorKind::usage, "", e.what());
  }
  // Records are scrubbed on the worker threads, each with its own Scrubber (its counts summed
  // at the end); rejected and written here, in input order.
  const libstream::BatchedReading how{options.threads, /*keep_written=*/true};
  std::vector<std::unique_ptr<Scrubber>> scrubbers;
  for (unsigned i = 0; i < how.workers(); ++i) scrubbers.push_back(std::make_unique<Scrubber>(*rules, hash_key));
  struct Scrubbed {
    Scrubber::Outcome outcome = Scrubber::Outcome::unchanged;
    std::string text;
    libstream::JsonError error;
  };
  libstream::Counters& counters = context.counters();
  libstream::for_each_record_batch<Scrubbed>(
      context, how,
      [&](const libstream::RecordBatch& batch, std::vector<Scrubbed>& results, unsigned worker) {
        for (size_t i = 0; i < batch.size(); ++i) {
          Scrubbed& result = results[i];
          result.outcome = scrubbers[worker]->scrub(batch.kept_record(i), result.text, result.error);
          // Offsets count from the record's first byte, as in every tool's rejects.
          if (result.outcome == Scrubber::Outcome::invalid) result.error.offset += batch.kept_offset_in_raw(i);
        }
      },
      [&](const libstream::RecordBatch& batch, std::vector<Scrubbed>& results, const std::vector<std::string>& names) {
        for (size_t i = 0; i < batch.size(); ++i) {
          const Scrubbed& result = results[i];
          if (result.outcome == Scrubber::Outcome::invalid) {
            libstream::reject_batch_record(context, batch, i, names, result.error.describe());
          } else if (options.check) {
            ++counters.filtered;  // a check writes nothing
          } else {
            context.write_line(result.outcome == Scrubber::Outcome::scrubbed ? std::string_view(result.text)
                                                                              : batch.kept_record(i));
          }
        }
      });
  std::vector<uint64_t> counts(rules->size(), 0);
  uint64_t records_with_findings = 0;
  for (const auto& scrubber : scrubbers) {
    for (size_t i = 0; i < counts.size(); ++i) counts[i] += scrubber->counts()[i];
    records_with_findings += scrubber->records_with_findings();
  }

  uint64_t total = 0;
  for (const uint64_t count : counts) total += count;
  if (options.report || options.check || context.options().summary) {
    context.info(std::to_string(total) + " finding" + (total == 1 ? "" : "s") + " in " +
                 std::to_string(records_with_findings) + " of " +
                 std::to_string(counters.read - counters.rejected) + (counters.read - counters.rejected == 1 ? " record" : " records"));
    for (size_t i = 0; i < rules->size(); ++i) {
      if (counts[i] > 0) context.info(rules->rule(i).name + ": " + std::to_string(counts[i]));
    }
  }
  if (options.check && total > 0) context.error("", "--check: secrets or personal data found");
}

}  // namespace tracemill
