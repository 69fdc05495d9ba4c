// trace-scrub's rules: what a secret or a piece of personal data looks like, as RE2 patterns
// (linear time, no backtracking, so hostile text cannot stall a run) with an optional check in
// code for what a regular expression cannot say (entropy, a valid address).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>
#include <re2/set.h>

namespace tracemill {

/// What a match must also pass, beyond its pattern.
enum class RuleCheck {
  none,
  entropy,  ///< the replaced text's Shannon entropy (bits per byte) reaches the minimum
  ipv4,     ///< not one piece of a longer dotted number (a version such as 1.2.3.4.5)
  ipv6,     ///< a valid address (inet_pton), standing alone, with two or more groups
  pem_block,  ///< the match is a BEGIN line: the finding runs to the END line (or the base64's end)
};

struct RuleSpec {
  std::string name;     ///< placeholder type and --no-rule name: github_token
  std::string kind;     ///< SECRET or PII: the placeholder's first word
  std::string pattern;  ///< RE2 syntax; capture group 1, when present, is what is replaced
  RuleCheck check = RuleCheck::none;
  std::string what;     ///< one line for the manual
  /// A looser pattern that every match of `pattern` contains (empty: `pattern` itself). The
  /// one-pass set runs the triggers: small automata scan faster than the full patterns.
  std::string trigger;
};

/// The built-in rules, most specific first: on overlapping matches the earlier rule wins.
[[nodiscard]] const std::vector<RuleSpec>& builtin_rules();

/// One accepted match: rule index and the replaced byte range of the scanned text.
struct RuleMatch {
  size_t rule = 0;
  size_t begin = 0;
  size_t end = 0;
};

/// Compiled rules. Patterns are matched in multi-line mode (^ and $ also match at line
/// breaks) so that a scan of many strings joined by newlines finds whatever a scan of each finds.
class RuleSet {
 public:
  /// Throws std::invalid_argument naming the rule when a pattern does not compile.
  RuleSet(std::vector<RuleSpec> rules, double min_entropy);
  ~RuleSet();
  RuleSet(const RuleSet&) = delete;
  RuleSet& operator=(const RuleSet&) = delete;

  [[nodiscard]] size_t size() const { return rules_.size(); }
  [[nodiscard]] const RuleSpec& rule(size_t index) const { return rules_[index]; }

  /// The rules whose trigger matches somewhere in `text` (one pass for all of them), in
  /// rule order: every rule that can match is among them. A cheap first test before find().
  void candidates(std::string_view text, std::vector<size_t>& rules) const;
  /// Every match of the given rules in `text` that passes its check, overlaps resolved
  /// (earlier rule first, then leftmost), sorted by position. Clears `findings` first.
  void find(std::string_view text, const std::vector<size_t>& rules, std::vector<RuleMatch>& findings) const;

 private:
  bool passes(const RuleSpec& rule, std::string_view text, size_t begin, size_t end) const;

  std::vector<RuleSpec> rules_;
  std::vector<std::unique_ptr<re2::RE2>> compiled_;
  std::unique_ptr<re2::RE2::Set> set_;
  double min_entropy_;
};

/// Shannon entropy of `text` in bits per byte (0 for empty text).
[[nodiscard]] double shannon_entropy(std::string_view text);

/// "NAME=REGEX" -> a SECRET rule; throws std::invalid_argument on a bad name.
[[nodiscard]] RuleSpec parse_rule_option(const std::string& text);

}  // namespace tracemill
