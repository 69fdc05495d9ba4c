// trace-scrub: every built-in rule on positives and negatives (the project's own fixtures,
// shaped like the examples of public secret-scanner rule suites; no real secret anywhere),
// and the record-level scrub: structure, escapes, keys, placeholders, pass-through.
#include "scrub.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using tracemill::builtin_rules;
using tracemill::RuleMatch;
using tracemill::RuleSet;
using tracemill::Scrubber;

// `n` characters cycling through `alphabet`: fake key material of a given length.
std::string fake(const std::string& alphabet, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += alphabet[(i * 7 + i / alphabet.size()) % alphabet.size()];
  return out;
}
const std::string kAlnum = "aZ3bY4cX5dW6eV7fU8gT9hS0iR1jQ2kPlOmNnMoLpKqJrIsHtGuFvEwDxCyBzA";
const std::string kUpper27 = "QWERTYUIOPASDFGHJKLZXCVBNM234567";
const std::string kLetters = "qWeRtYuIoPaSdFgHjKlZxCvBnMmNbVcXzL";

struct Case {
  std::string rule;   // the rule that must fire ("" for a negative)
  std::string text;   // the string scanned
  std::string found;  // what it must replace (positives)
};

std::vector<Case> positives() {
  const std::string pem_body = fake(kAlnum + "+/", 64) + "\n" + fake(kAlnum, 40) + "==\n";
  return {
      {"private_key", "key file:\n-----BEGIN RSA PRIVATE KEY-----\n" + pem_body + "-----END RSA PRIVATE KEY-----\nbye",
       "-----BEGIN RSA PRIVATE KEY-----\n" + pem_body + "-----END RSA PRIVATE KEY-----"},
      {"private_key", "-----BEGIN OPENSSH PRIVATE KEY-----\n" + pem_body + "(truncated)",
       "-----BEGIN OPENSSH PRIVATE KEY-----\n" + pem_body},
      {"private_key",
       "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0A1B2C3D\n\n" + pem_body +
           "-----END RSA PRIVATE KEY----- and more",
       "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0A1B2C3D\n\n" + pem_body +
           "-----END RSA PRIVATE KEY-----"},
      {"aws_access_key", "export AWS_ACCESS_KEY_ID=AKIA" + fake(kUpper27, 16) + ";", "AKIA" + fake(kUpper27, 16)},
      {"aws_access_key", "ASIA" + fake(kUpper27, 16), "ASIA" + fake(kUpper27, 16)},
      {"aws_secret_key", "aws_secret_access_key = \"" + fake(kAlnum + "/+", 40) + "\"", fake(kAlnum + "/+", 40)},
      {"aws_secret_key", "AWS_SECRET_ACCESS_KEY: " + fake(kAlnum, 40), fake(kAlnum, 40)},
      {"gcp_api_key", "key=AIza" + fake(kAlnum + "_-", 35) + "&q=1", "AIza" + fake(kAlnum + "_-", 35)},
      {"azure_storage_key", "DefaultEndpointsProtocol=https;AccountName=demo;AccountKey=" + fake(kAlnum + "+/", 86) + "==;EndpointSuffix=core.windows.net",
       fake(kAlnum + "+/", 86) + "=="},
      {"azure_client_secret", "value '" + std::string("Ab3") + "8Q~" + fake(kAlnum + "_~.-", 34) + "'",
       "Ab38Q~" + fake(kAlnum + "_~.-", 34)},
      {"github_token", "token ghp_" + fake(kAlnum, 36) + " here", "ghp_" + fake(kAlnum, 36)},
      {"github_token", "gho_" + fake(kAlnum, 36), "gho_" + fake(kAlnum, 36)},
      {"github_token", "github_pat_" + fake(kAlnum + "_", 82), "github_pat_" + fake(kAlnum + "_", 82)},
      {"gitlab_token", "PRIVATE-TOKEN: glpat-" + fake(kAlnum + "-_", 20), "glpat-" + fake(kAlnum + "-_", 20)},
      {"slack_token", "xoxb-1234567890-1234567890123-" + fake(kAlnum, 24), "xoxb-1234567890-1234567890123-" + fake(kAlnum, 24)},
      {"slack_webhook", "post to https://hooks.slack.com/services/T00000000/B00000000/" + fake(kAlnum, 24) + " ok",
       "https://hooks.slack.com/services/T00000000/B00000000/" + fake(kAlnum, 24)},
      {"anthropic_key", "ANTHROPIC_API_KEY=sk-ant-api03-" + fake(kAlnum + "_-", 93) + "AA",
       "sk-ant-api03-" + fake(kAlnum + "_-", 93) + "AA"},
      {"openai_key", "OPENAI_API_KEY=sk-proj-" + fake(kAlnum + "_-", 60), "sk-proj-" + fake(kAlnum + "_-", 60)},
      {"openai_key", "sk-" + fake(kAlnum, 20) + "T3BlbkFJ" + fake(kAlnum, 20), "sk-" + fake(kAlnum, 20) + "T3BlbkFJ" + fake(kAlnum, 20)},
      {"huggingface_token", "HF_TOKEN=hf_" + fake(kLetters, 34), "hf_" + fake(kLetters, 34)},
      {"stripe_key", "stripe.api_key = sk_live_" + fake(kAlnum, 24), "sk_live_" + fake(kAlnum, 24)},
      {"stripe_key", "rk_test_" + fake(kAlnum, 24), "rk_test_" + fake(kAlnum, 24)},
      {"jwt", "Cookie: session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmYWtlIn0.Zm9vYmFyYmF6cXV4LWZha2U; Path=/",
       "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJmYWtlIn0.Zm9vYmFyYmF6cXV4LWZha2U"},
      {"url_password", "DATABASE_URL=postgres://app:Hx7pQ2kzR9@db.internal:5432/prod", "Hx7pQ2kzR9"},
      {"url_password", "redis://:Wq8sLd3Nv@cache:6379/0", "Wq8sLd3Nv"},
      {"bearer_token", "Authorization: Bearer " + fake(kAlnum, 32), fake(kAlnum, 32)},
      {"generic_secret", "password=Xk9#mQ2$vL7p", "Xk9#mQ2$vL7p"},
      {"generic_secret", "DB_PASSWORD: 'Tq4!zR8w#Pm2'", "Tq4!zR8w#Pm2"},
      {"generic_secret", "{\"api_key\": \"" + fake(kAlnum, 24) + "\"}", fake(kAlnum, 24)},
      {"email", "write to jane.doe+tag@mail.example.co.uk today", "jane.doe+tag@mail.example.co.uk"},
      {"ipv4", "connected to 10.0.12.34:8080", "10.0.12.34"},
      {"ipv4", "255.255.255.255", "255.255.255.255"},
      {"ipv6", "listening on [2001:db8:85a3::8a2e:370:7334]:443", "2001:db8:85a3::8a2e:370:7334"},
      {"ipv6", "link fe80::1 up", "fe80::1"},
      {"ipv6", "2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:0db8:0000:0000:0000:ff00:0042:8329"},
  };
}

std::vector<std::string> negatives() {
  return {
      "the agent sees a tree to the north and water to the east",
      "-----BEGIN PUBLIC KEY-----\n" + fake(kAlnum, 64) + "\n-----END PUBLIC KEY-----",
      "-----BEGIN CERTIFICATE-----\n" + fake(kAlnum, 64) + "\n-----END CERTIFICATE-----",
      "AKIA" + fake(kUpper27, 15),                        // too short
      "XAKIA" + fake(kUpper27, 16),                       // inside a word
      "akia" + fake("qwertyuiopasdfgh", 16),              // lower case
      "aws_region = \"us-east-1\"",
      "checksum " + fake(kAlnum, 40),                     // 40 characters without aws ... secret
      "AIza" + fake(kAlnum, 30),
      "AccountKey=short",
      "ghp_" + fake(kAlnum, 35),
      "ghx_" + fake(kAlnum, 36),
      "glpat-short",
      "xoxz-1234567890-" + fake(kAlnum, 24),
      "https://hooks.slack.com/",
      "sk-ant-api03-short",
      "the task-list and sk-learn",
      "hf_" + fake(kLetters, 33),
      "hf_" + fake(kAlnum, 34) + "0",                     // digits are not in HF tokens
      "pk_live_" + fake(kAlnum, 24),                      // publishable, not secret
      "sk_live_short",
      "eyJhbGciOiJIUzI1NiJ9",
      "https://example.com/@handle/posts",
      "see https://example.com/a:b@c",
      "Authorization: Bearer aaaaaaaaaaaaaaaaaaaaaaaa",  // low entropy
      "the bearer of bad news",
      "password=changeme",                               // low entropy
      "password: ********",
      "password=${DB_PASSWORD}",
      "the secret is out",
      "@handle",
      "user@localhost",
      "version 1.2.3.4.5",
      "256.1.1.1",
      "1.2.3",
      "std::vector<int> v; a::b",
      "12:30:45",
      "dead::beef",
      "00:1a:2b:3c:4d:5e",
  };
}

std::vector<std::pair<std::string, std::string>> scan(const RuleSet& rules, const std::string& text) {
  std::vector<size_t> candidates;
  std::vector<RuleMatch> findings;
  rules.candidates(text, candidates);
  rules.find(text, candidates, findings);
  std::vector<std::pair<std::string, std::string>> out;
  for (const RuleMatch& f : findings) out.emplace_back(rules.rule(f.rule).name, text.substr(f.begin, f.end - f.begin));
  return out;
}

size_t index_of(const std::string& name) {
  for (size_t i = 0; i < builtin_rules().size(); ++i) {
    if (builtin_rules()[i].name == name) return i;
  }
  ADD_FAILURE() << "no rule " << name;
  return 0;
}

const RuleSet& builtins() {
  static const RuleSet rules(builtin_rules(), 3.0);
  return rules;
}

TEST(ScrubRules, EveryBuiltinRuleHasPositives) {
  for (const auto& rule : builtin_rules()) {
    bool covered = false;
    for (const Case& c : positives()) covered = covered || c.rule == rule.name;
    EXPECT_TRUE(covered) << rule.name << " has no positive fixture";
  }
}

TEST(ScrubRules, PositivesAreFoundExactly) {
  for (const Case& c : positives()) {
    SCOPED_TRACE(c.rule + ": " + c.text);
    const auto found = scan(builtins(), c.text);
    ASSERT_EQ(found.size(), 1U) << c.rule << ": " << c.text;
    EXPECT_EQ(found[0].first, c.rule) << c.text;
    EXPECT_EQ(found[0].second, c.found) << c.rule;
  }
}

TEST(ScrubRules, NegativesAreLeftAlone) {
  for (const std::string& text : negatives()) {
    SCOPED_TRACE(text);
    const auto found = scan(builtins(), text);
    EXPECT_TRUE(found.empty()) << text << " -> " << (found.empty() ? "" : found[0].first + ": " + found[0].second);
  }
}

TEST(ScrubRules, SwitchedOffRuleFindsNothing) {
  std::vector<tracemill::RuleSpec> specs;
  for (const auto& rule : builtin_rules()) {
    if (rule.name != "email") specs.push_back(rule);
  }
  const RuleSet rules(specs, 3.0);
  EXPECT_TRUE(scan(rules, "write to jane@example.org").empty());
  EXPECT_FALSE(scan(builtins(), "write to jane@example.org").empty());
}

TEST(ScrubRules, AddedRuleWithAndWithoutGroup) {
  const RuleSet rules({tracemill::parse_rule_option("employee=EMP-[0-9]{6}"),
                       tracemill::parse_rule_option("ticket=ticket #([0-9]+)")},
                      3.0);
  const auto found = scan(rules, "EMP-123456 filed ticket #42");
  ASSERT_EQ(found.size(), 2U);
  EXPECT_EQ(found[0], std::make_pair(std::string("employee"), std::string("EMP-123456")));
  EXPECT_EQ(found[1], std::make_pair(std::string("ticket"), std::string("42")));
  EXPECT_THROW(tracemill::parse_rule_option("no-equals"), std::invalid_argument);
  EXPECT_THROW(tracemill::parse_rule_option("bad name=x"), std::invalid_argument);
  EXPECT_THROW(RuleSet({tracemill::parse_rule_option("broken=(unclosed")}, 3.0), std::invalid_argument);
}

TEST(ScrubRules, EarlierRuleWinsOverlaps) {
  // The token is also a generic assignment and the URL's password sits before an e-mail-like tail.
  const std::string token = "ghp_" + fake(kAlnum, 36);
  auto found = scan(builtins(), "api_key=" + token);
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].first, "github_token");
  found = scan(builtins(), "mysql://root:Zr8vKq2pW@db.example.com/x");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0], std::make_pair(std::string("url_password"), std::string("Zr8vKq2pW")));
}

TEST(ScrubRules, EntropyThresholdIsSettable) {
  EXPECT_NEAR(tracemill::shannon_entropy("aaaa"), 0.0, 1e-12);
  EXPECT_NEAR(tracemill::shannon_entropy("abcd"), 2.0, 1e-12);
  EXPECT_NEAR(tracemill::shannon_entropy("abcdefgh"), 3.0, 1e-12);
  const RuleSet strict(builtin_rules(), 4.0);
  EXPECT_TRUE(scan(strict, "password=Xk9#mQ2$vL7p").empty());  // 12 distinct bytes: log2(12) < 4
  EXPECT_FALSE(scan(builtins(), "password=Xk9#mQ2$vL7p").empty());
}

TEST(ScrubRules, MatchesEndOnWholeUtf8Characters) {
  // Rules match bytes: this one stops after the first byte of the two-byte U+00E9, and the
  // finding is widened to the whole character so that no broken UTF-8 is left behind.
  const RuleSet rules({tracemill::parse_rule_option("blob=x[^ ]{0,10}")}, 3.0);
  const auto found = scan(rules, "xabcdefghi\xC3\xA9 end");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_EQ(found[0].second, "xabcdefghi\xC3\xA9");
}

TEST(ScrubRules, HostileTextEnds) {
  // Inputs that make backtracking engines take exponential or quadratic time: RE2 stays linear.
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "-----BEGIN PRIVATE KEY-----aaaa@a.a password=";
  text += std::string(100000, 'a') + "@" + std::string(100000, '1') + "." + std::string(1000, ':');
  const auto found = scan(builtins(), text);
  EXPECT_FALSE(found.empty());
  EXPECT_EQ(found[0].first, "private_key");
}

// Record level ------------------------------------------------------------------------

std::string scrub(const std::string& json, Scrubber::Outcome expected, const std::string& key = "") {
  Scrubber scrubber(builtins(), key);
  std::string out;
  libstream::JsonError error;
  const Scrubber::Outcome outcome = scrubber.scrub(json, out, error);
  EXPECT_EQ(static_cast<int>(outcome), static_cast<int>(expected)) << json << " " << error.describe();
  return outcome == Scrubber::Outcome::scrubbed ? out : json;
}

TEST(ScrubRecord, NothingToScrubIsUnchanged) {
  scrub(R"({"a" : "plain text \/ with \u0041 escapes", "n": 1.50e3, "b": [true, null, {}]})", Scrubber::Outcome::unchanged);
  scrub(R"("just a string")", Scrubber::Outcome::unchanged);
  scrub("12", Scrubber::Outcome::unchanged);
}

TEST(ScrubRecord, OnlyChangedStringsAreReencoded) {
  const std::string in =
      R"({"keep":"a\/b \u00e9","n":1.50,"mail":"to jane@example.org \/ \u0041","list":[ "x" , 2 ]})";
  const std::string out = scrub(in, Scrubber::Outcome::scrubbed);
  Scrubber scrubber(builtins(), "");
  const std::string placeholder = scrubber.placeholder(index_of("email"), "jane@example.org");
  EXPECT_EQ(placeholder.rfind("<PII:email:", 0), 0U);
  EXPECT_EQ(out, R"({"keep":"a\/b \u00e9","n":1.50,"mail":"to )" + placeholder + R"( / A","list":[ "x" , 2 ]})");
}

TEST(ScrubRecord, EscapedSecretsAreFound) {
  // \u0041 is A and \/ is /: the decoded strings are scanned, not the raw bytes.
  const std::string out = scrub(R"({"t":"\u0041KIA)" + fake(kUpper27, 16) + R"(","u":"https:\/\/u:Zr8vKq2pW@h.io"})",
                                Scrubber::Outcome::scrubbed);
  EXPECT_EQ(out.find("KIA"), std::string::npos) << out;
  EXPECT_EQ(out.find("Zr8vKq2pW"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("u":"https://u:<SECRET:url_password:)"), std::string::npos) << out;
}

TEST(ScrubRecord, KeysAreScrubbedToo) {
  const std::string out = scrub(R"({"jane@example.org":{"role":"admin"}})", Scrubber::Outcome::scrubbed);
  EXPECT_EQ(out.rfind(R"({"<PII:email:)", 0), 0U) << out;
  EXPECT_NE(out.find(R"(>":{"role":"admin"}})"), std::string::npos) << out;
}

TEST(ScrubRecord, SameValueSamePlaceholderAndKeyChangesIt) {
  const std::string out = scrub(R"(["jane@example.org","x jane@example.org y","bob@example.org"])", Scrubber::Outcome::scrubbed);
  Scrubber plain(builtins(), "");
  Scrubber keyed(builtins(), "a secret key");
  const std::string jane = plain.placeholder(index_of("email"), "jane@example.org");
  EXPECT_EQ(out, "[\"" + jane + "\",\"x " + jane + " y\",\"" + plain.placeholder(index_of("email"), "bob@example.org") + "\"]");
  EXPECT_NE(jane, plain.placeholder(index_of("email"), "bob@example.org"));
  EXPECT_NE(jane, keyed.placeholder(index_of("email"), "jane@example.org"));
  EXPECT_EQ(jane.size(), std::string("<PII:email:12345678>").size());
}

TEST(ScrubRecord, InvalidJsonIsReported) {
  Scrubber scrubber(builtins(), "");
  std::string out;
  libstream::JsonError error;
  EXPECT_EQ(scrubber.scrub(R"({"a":"jane@example.org")", out, error), Scrubber::Outcome::invalid);
  EXPECT_EQ(scrubber.scrub(std::string("{\"a\":1}\0x", 9), out, error), Scrubber::Outcome::invalid);
  EXPECT_EQ(error.message, "unexpected NUL byte");
  EXPECT_EQ(scrubber.scrub("{\"a\":\"x\"} {}", out, error), Scrubber::Outcome::invalid);
}

TEST(ScrubRecord, EveryPositiveIsFoundInsideARecord) {
  // The one-pass rule set runs over all strings of a record at once: each positive, between
  // other strings and escaped as JSON, is still found, and only its string changes.
  for (const Case& c : positives()) {
    SCOPED_TRACE(c.rule + ": " + c.text);
    std::string encoded;
    ASSERT_TRUE(libstream::append_json_value(encoded, rapidjson::Value(rapidjson::StringRef(c.text.data(), c.text.size()))));
    const std::string before = R"({"k":"noise 1.2 :: x","n":[1,2],"t":)";
    const std::string after = R"(,"z":"tail"})";
    Scrubber scrubber(builtins(), "");
    std::string out;
    libstream::JsonError error;
    ASSERT_EQ(scrubber.scrub(before + encoded + after, out, error), Scrubber::Outcome::scrubbed);
    std::string expected_text = c.text;
    expected_text.replace(c.text.find(c.found), c.found.size(), scrubber.placeholder(index_of(c.rule), c.found));
    std::string expected;
    ASSERT_TRUE(libstream::append_json_value(expected, rapidjson::Value(rapidjson::StringRef(expected_text.data(), expected_text.size()))));
    EXPECT_EQ(out, before + expected + after);
  }
}

TEST(ScrubRecord, CountsPerRule) {
  Scrubber scrubber(builtins(), "");
  std::string out;
  libstream::JsonError error;
  ASSERT_EQ(scrubber.scrub(R"({"a":"jane@example.org 10.1.2.3","b":"bob@example.org"})", out, error),
            Scrubber::Outcome::scrubbed);
  ASSERT_EQ(scrubber.scrub(R"({"a":"nothing"})", out, error), Scrubber::Outcome::unchanged);
  EXPECT_EQ(scrubber.counts()[index_of("email")], 2U);  // email
  EXPECT_EQ(scrubber.counts()[index_of("ipv4")], 1U);  // ipv4
  EXPECT_EQ(scrubber.records_with_findings(), 1U);
}

}  // namespace
