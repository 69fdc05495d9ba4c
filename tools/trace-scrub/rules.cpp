#include "rules.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

namespace tracemill {

namespace {

// Token formats follow the providers' documented prefixes and lengths, as public secret
// scanners (gitleaks, detect-secrets) encode them. Value-only rules capture the value in
// group 1 so that the name around it (password=, postgres://user:) stays readable.
const std::vector<RuleSpec> kBuiltinRules = {
    {"private_key", "SECRET",
     R"re(-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----)re", RuleCheck::pem_block, "PEM private key block (RSA, EC, OpenSSH, PGP...), to its END line or the end of its base64",
     R"re(PRIVATE KEY)re"},
    {"aws_access_key", "SECRET", R"re(\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b)re", RuleCheck::none,
     "AWS access key id (AKIA..., ASIA...)",
     R"re((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7])re"},
    {"aws_secret_key", "SECRET",
     R"re((?i)\baws[\w.-]{0,20}?(?:secret|private)[\w.-]{0,20}?["']?\s{0,3}(?:=|:|=>|:=)\s{0,3}["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$))re",
     RuleCheck::none, "AWS secret access key: 40 base64 characters assigned to a name with aws and secret",
     R"re((?i)aws[\w.-]{0,20}(?:secret|private))re"},
    {"gcp_api_key", "SECRET", R"re(\b(AIza[\w-]{35})(?:[^\w-]|$))re", RuleCheck::none, "Google Cloud API key (AIza...)",
     R"re(AIza)re"},
    {"azure_storage_key", "SECRET", R"re((?i)\bAccountKey=([A-Za-z0-9+/]{86}==))re", RuleCheck::none,
     "Azure storage account key in a connection string (AccountKey=...)",
     R"re((?i)AccountKey=)re"},
    {"azure_client_secret", "SECRET",
     R"re((?:^|[\\'"`\s>=:(,)])([a-zA-Z0-9_~.]{3}\dQ~[a-zA-Z0-9_~.-]{31,34})(?:$|[\\'"`\s<),]))re", RuleCheck::none,
     "Azure AD (Entra ID) client secret (xxx8Q~...)",
     R"re(\dQ~)re"},
    {"github_token", "SECRET", R"re(\b(?:gh[pousr]_[0-9A-Za-z]{36}|github_pat_[0-9A-Za-z_]{82})\b)re", RuleCheck::none,
     "GitHub token: personal (ghp_), OAuth (gho_), app (ghu_, ghs_), refresh (ghr_), fine-grained (github_pat_)",
     R"re(gh[pousr]_|github_pat_)re"},
    {"gitlab_token", "SECRET", R"re(\b(?:glpat|gldt|glptt|glrt|glsoat|glft|gloas|glcbt)-[0-9A-Za-z_-]{20,})re",
     RuleCheck::none, "GitLab token (glpat-, gldt-, glptt-, glrt-, ...)",
     R"re((?:glpat|gldt|glptt|glrt|glsoat|glft|gloas|glcbt)-)re"},
    {"slack_token", "SECRET", R"re(\b(?:xox[abeoprs]|xapp)-[0-9A-Za-z-]{10,250})re", RuleCheck::none,
     "Slack token (xoxb-, xoxp-, xoxa-, xapp-, ...)",
     R"re(xox[abeoprs]-|xapp-)re"},
    {"slack_webhook", "SECRET", R"re(https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{20,})re",
     RuleCheck::none, "Slack incoming webhook URL",
     R"re(hooks\.slack\.com/)re"},
    {"anthropic_key", "SECRET", R"re(\bsk-ant-(?:api|admin|oat|ort)\d\d-[A-Za-z0-9_-]{80,})re", RuleCheck::none,
     "Anthropic API key (sk-ant-api03-...)",
     R"re(sk-ant-)re"},
    {"openai_key", "SECRET",
     R"re(\bsk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}\b|[A-Za-z0-9]{48}\b))re",
     RuleCheck::none, "OpenAI API key (sk-proj-..., sk-svcacct-..., legacy sk-...)",
     R"re(\bsk-)re"},
    {"huggingface_token", "SECRET", R"re(\b(?:hf_|api_org_)[A-Za-z]{34}\b)re", RuleCheck::none,
     "Hugging Face token (hf_..., api_org_...)",
     R"re(\b(?:hf_|api_org_))re"},
    {"stripe_key", "SECRET", R"re(\b(?:sk|rk)_(?:test|live|prod)_[0-9A-Za-z]{10,99}\b)re", RuleCheck::none,
     "Stripe secret or restricted key (sk_live_..., rk_test_...)",
     R"re([sr]k_(?:test|live|prod)_)re"},
    {"jwt", "SECRET", R"re(\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.(?:[A-Za-z0-9_-]{8,}={0,2})?)re",
     RuleCheck::none, "JSON Web Token (eyJ...eyJ...signature)",
     R"re(\beyJ)re"},
    {"url_password", "SECRET",
     R"re(\b[A-Za-z][A-Za-z0-9+.-]{1,30}://[^\s:/?#@"'<>]{0,256}:([^\s/?#@"'<>]{1,256})@[^\s/?#@"'<>])re",
     RuleCheck::none, "password in a URL or connection string (postgres://user:PASSWORD@host)",
     R"re(://)re"},
    {"bearer_token", "SECRET", R"re((?i)\bbearer\s+([A-Za-z0-9._~+/-]{16,}=*))re", RuleCheck::entropy,
     "token after \"Bearer\" (an Authorization header), when its entropy is high",
     R"re((?i)bearer\s)re"},
    {"generic_secret", "SECRET",
     R"re((?i)(?:password|passwd|passphrase|pwd|secret|api[_-]?key|apikey|access[_-]?key|auth[_-]?token|access[_-]?token|refresh[_-]?token)[\w.-]{0,20}?["']?\s{0,3}(?:=|:|=>|:=)\s{0,3}["']?([^\s"'`,;<>(){}\[\]\\]{8,200}))re",
     RuleCheck::entropy, "value assigned to password=, api_key:, secret=, token= ... when its entropy is high",
     R"re((?i)password|passwd|passphrase|pwd|secret|api[_-]?key|apikey|access[_-]?key|auth[_-]?token|access[_-]?token|refresh[_-]?token)re"},
    {"email", "PII", R"re(\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b)re", RuleCheck::none,
     "e-mail address",
     R"re([A-Za-z0-9._%+-]@[A-Za-z0-9-])re"},
    {"ipv4", "PII",
     R"re(\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\b)re",
     RuleCheck::ipv4, "IPv4 address (not a piece of a longer dotted number)",
     R"re([0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9])re"},
    {"ipv6", "PII",
     R"re((?i)(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,7}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?|::[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})re",
     RuleCheck::ipv6, "IPv6 address (valid, two or more groups, standing alone)",
     R"re((?i)[0-9a-f]::|::[0-9a-f]|(?:[0-9a-f]{1,4}:){7}[0-9a-f])re"},
};

bool is_word(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Bytes, not UTF-8 code points (Latin-1 mode): a smaller automaton, a little faster, and the
// same meaning for the one-pass set and the rule-by-rule search, so the first never misses
// what the second would find. find() widens a match that ends inside a UTF-8 sequence.
re2::RE2::Options rule_options() {
  re2::RE2::Options options;
  options.set_log_errors(false);  // errors are reported by the tool, in its own format
  options.set_max_mem(int64_t{64} << 20);
  options.set_encoding(re2::RE2::Options::EncodingLatin1);
  return options;
}

// A backslash too: a key inside JSON text that is itself a string (a tool's output holding a
// JSON document) has its line breaks as the two characters \n, which must not end the block.
bool is_base64_or_space(char c) {
  return (is_word(c) && c != '_') || c == '+' || c == '/' || c == '=' || c == ' ' || c == '\n' || c == '\r' ||
         c == '\t' || c == '\\';
}

// Where the PEM block whose BEGIN line ends at `from` ends. In code rather than in the
// pattern: a lazy "anything up to END" would keep RE2 scanning to the end of the text for
// every BEGIN line, quadratic on text holding many of them; this walk stops at the next
// "-----", so the walks of all blocks together cover the text at most once.
size_t pem_block_end(std::string_view text, size_t from) {
  size_t at = from;
  while (at < text.size() && text.compare(at, 5, "-----") != 0 &&
         (is_base64_or_space(text[at]) || text[at] == ':' || text[at] == ',' || text[at] == '.' || text[at] == '-')) {
    ++at;  // base64, and header lines such as "Proc-Type: 4,ENCRYPTED"
  }
  if (text.compare(at, 8, "-----END") == 0) {
    const size_t close = text.find("-----", at + 8);
    if (close != std::string_view::npos && close - at <= 130 &&
        text.substr(at, close - at).find("PRIVATE KEY") != std::string_view::npos) {
      return close + 5;
    }
  }
  size_t end = from;  // no END line (a truncated key): as far as its base64 goes
  while (end < text.size() && is_base64_or_space(text[end])) ++end;
  return end;
}

// The rule of a placeholder found in the text (RuleSet::find).
constexpr size_t kNoRule = static_cast<size_t>(-1);

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::string multi_line(const std::string& pattern) { return "(?m:" + pattern + ")"; }

}  // namespace

const std::vector<RuleSpec>& builtin_rules() { return kBuiltinRules; }

double shannon_entropy(std::string_view text) {
  if (text.empty()) return 0.0;
  std::array<size_t, 256> counts{};
  for (const char c : text) ++counts[static_cast<unsigned char>(c)];
  double bits = 0.0;
  const double n = static_cast<double>(text.size());
  for (const size_t count : counts) {
    if (count == 0) continue;
    const double p = static_cast<double>(count) / n;
    bits -= p * std::log2(p);
  }
  return bits;
}

RuleSpec parse_rule_option(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    throw std::invalid_argument("--rule takes NAME=REGEX, not '" + text + "'");
  }
  const std::string name = text.substr(0, eq);
  for (const char c : name) {
    if (!is_word(c)) throw std::invalid_argument("--rule " + name + ": a name is letters, digits and _");
  }
  return {name, "SECRET", text.substr(eq + 1), RuleCheck::none, "--rule " + name};
}

RuleSet::RuleSet(std::vector<RuleSpec> rules, double min_entropy)
    : rules_(std::move(rules)),
      set_(std::make_unique<re2::RE2::Set>(rule_options(), re2::RE2::UNANCHORED)),
      min_entropy_(min_entropy) {
  for (const RuleSpec& rule : rules_) {
    auto compiled = std::make_unique<re2::RE2>(multi_line(rule.pattern), rule_options());
    if (!compiled->ok()) {
      const re2::RE2 alone(rule.pattern, rule_options());  // its error names the rule's own text
      throw std::invalid_argument("rule " + rule.name + ": " + (alone.ok() ? compiled->error() : alone.error()));
    }
    compiled_.push_back(std::move(compiled));
    std::string error;
    const std::string& first_test = rule.trigger.empty() ? rule.pattern : rule.trigger;
    if (set_->Add(multi_line(first_test), &error) < 0) throw std::invalid_argument("rule " + rule.name + ": " + error);
  }
  if (!set_->Compile()) throw std::invalid_argument("the rules do not fit in RE2's memory budget");
}

RuleSet::~RuleSet() = default;

void RuleSet::candidates(std::string_view text, std::vector<size_t>& rules) const {
  rules.clear();
  std::vector<int> matched;
  re2::RE2::Set::ErrorInfo error{};
  if (set_->Match(re2::StringPiece(text.data(), text.size()), &matched, &error)) {
    std::sort(matched.begin(), matched.end());
    for (const int index : matched) rules.push_back(static_cast<size_t>(index));
    return;
  }
  if (error.kind == re2::RE2::Set::kNoError) return;
  // The set's automaton ran out of memory on this text: never guess, try every rule.
  for (size_t i = 0; i < rules_.size(); ++i) rules.push_back(i);
}

bool RuleSet::passes(const RuleSpec& rule, std::string_view text, size_t begin, size_t end) const {
  const std::string_view found = text.substr(begin, end - begin);
  switch (rule.check) {
    case RuleCheck::none:
    case RuleCheck::pem_block:
      return true;
    case RuleCheck::entropy:
      return shannon_entropy(found) >= min_entropy_;
    case RuleCheck::ipv4: {
      // 1.2.3.4.5 or 10.1.2.3.4 is a version or an OID, not an address
      const bool dotted_before = begin >= 2 && text[begin - 1] == '.' && is_digit(text[begin - 2]);
      const bool dotted_after = end + 1 < text.size() && text[end] == '.' && is_digit(text[end + 1]);
      return !dotted_before && !dotted_after;
    }
    case RuleCheck::ipv6: {
      if (begin > 0 && (is_word(text[begin - 1]) || text[begin - 1] == ':' || text[begin - 1] == '.')) return false;
      if (end < text.size() && (is_word(text[end]) || text[end] == ':')) return false;
      const std::string address(found);
      in6_addr parsed{};
      if (inet_pton(AF_INET6, address.c_str(), &parsed) != 1) return false;
      size_t groups = 0;
      bool digit = false;
      for (size_t i = 0; i < address.size(); ++i) {
        if (is_hex(address[i]) && (i == 0 || address[i - 1] == ':')) ++groups;
        digit = digit || is_digit(address[i]);
      }
      return groups >= 2 && digit;  // std::a or dead::beef is code, not an address
    }
  }
  return false;
}

void RuleSet::find(std::string_view text, const std::vector<size_t>& rules, std::vector<RuleMatch>& findings) const {
  findings.clear();
  const re2::StringPiece input(text.data(), text.size());
  re2::StringPiece groups[2];
  // Placeholders already in the text are left alone, so that scrubbing scrubbed text changes
  // nothing (generic_secret would otherwise read "SECRET:github_token:1a2b3c4d" as a value
  // assigned to "secret"): they enter as findings of no rule, which overlapping matches yield to.
  if (text.find("<SECRET:") != std::string_view::npos || text.find("<PII:") != std::string_view::npos) {
    static const re2::RE2 kPlaceholder(R"re(<(?:SECRET|PII):\w+:[0-9a-f]{8}>)re", rule_options());
    size_t pos = 0;
    while (pos < text.size() && kPlaceholder.Match(input, pos, text.size(), re2::RE2::UNANCHORED, groups, 1)) {
      const size_t begin = static_cast<size_t>(groups[0].data() - text.data());
      pos = begin + groups[0].size();
      findings.push_back({kNoRule, begin, pos});
    }
  }
  for (const size_t index : rules) {
    const re2::RE2& re = *compiled_[index];
    const int wanted = std::min(2, re.NumberOfCapturingGroups() + 1);
    size_t pos = 0;
    while (pos <= text.size() && re.Match(input, pos, text.size(), re2::RE2::UNANCHORED, groups, wanted)) {
      const size_t match_begin = static_cast<size_t>(groups[0].data() - text.data());
      const size_t match_end = match_begin + groups[0].size();
      pos = match_end > match_begin ? match_end : match_begin + 1;
      const re2::StringPiece& target = (wanted == 2 && groups[1].data() != nullptr) ? groups[1] : groups[0];
      size_t begin = static_cast<size_t>(target.data() - text.data());
      size_t end = begin + target.size();
      while (begin > 0 && is_continuation(text[begin])) --begin;  // whole characters only
      while (end < text.size() && is_continuation(text[end])) ++end;
      if (rules_[index].check == RuleCheck::pem_block) {
        end = pem_block_end(text, end);
        pos = std::max(pos, end);
      }
      if (end == begin || !passes(rules_[index], text, begin, end)) continue;
      // An earlier rule (or an earlier match of this one) keeps what it found.
      const bool overlaps = std::any_of(findings.begin(), findings.end(),
                                        [&](const RuleMatch& f) { return begin < f.end && f.begin < end; });
      if (!overlaps) findings.push_back({index, begin, end});
    }
  }
  findings.erase(std::remove_if(findings.begin(), findings.end(), [](const RuleMatch& f) { return f.rule == kNoRule; }),
                 findings.end());
  std::sort(findings.begin(), findings.end(), [](const RuleMatch& a, const RuleMatch& b) { return a.begin < b.begin; });
}

}  // namespace tracemill
