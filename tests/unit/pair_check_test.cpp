// trace-pair's example check (pair.cpp): each message is checked once on its own and an
// example is read again whole only when that quick verdict is not a sure pass. Property: on
// sessions drawn from valid and faulty messages, every example written passes trace-validate's
// openai-chat rules and every example set aside fails them, in every mode and weighting.
#include "pair.hpp"
#include "validate.hpp"

#include <libstream/document.hpp>
#include <libstream/sink.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

// Messages that pass alone, and ones that break a rule alone or across messages.
const std::vector<std::string> kPool{
    R"({"role":"system","content":"be brief"})",
    R"({"role":"user","content":"go"})",
    R"({"role":"user","content":[{"type":"text","text":"look"}],"name":"bob"})",
    R"({"role":"assistant","content":"ok"})",
    R"({"role":"assistant","content":"ok","name":"helper"})",
    R"({"role":"assistant","content":null,"tool_calls":[{"id":"a","type":"function","function":{"name":"f","arguments":"{}"}}]})",
    R"({"role":"assistant","content":"both","tool_calls":[{"id":"b","type":"function","function":{"name":"g","arguments":"[1]"}},{"id":"c","type":"function","function":{"name":"h","arguments":"{\"k\":2}"}}]})",
    R"({"role":"tool","tool_call_id":"a","content":"1"})",
    R"({"role":"tool","tool_call_id":"b","content":""})",
    R"({"role":"tool","tool_call_id":"c","content":"3"})",
    R"({"role":"tool","name":"f","content":"by name"})",
    R"({"role":"tool","tool_call_id":"nobody","content":"orphan"})",
    R"({"role":"user","content":""})",
    R"({"role":"assistant","content":null})",
    R"({"role":"assistant","content":null,"tool_calls":[{"id":"d","type":"function","function":{"name":"","arguments":"{"}}]})",
    R"({"role":"assistant","content":[{"type":"image_url","image_url":{"url":"u"}}]})",
    R"({"role":"assistant","content":null,"tool_calls":[{"id":7,"type":"fn","function":{"name":"f"}}]})",
    R"({"role":"assistant","content":"short memory","context_messages":1})",
};

std::string random_session(std::mt19937& random, int index) {
  std::uniform_int_distribution<size_t> length(1, 9);
  std::uniform_int_distribution<size_t> pick(0, kPool.size() - 1);
  std::string session = R"({"schema":"trace/v1","session_id":"s)" + std::to_string(index) + R"(","messages":[)";
  const size_t n = length(random);
  for (size_t k = 0; k < n; ++k) session += (k > 0 ? "," : "") + kPool[pick(random)];
  return session + "]}";
}

bool passes_openai_chat(const std::string& example) {
  rapidjson::Document document;
  document.Parse(example.c_str());
  if (document.HasParseError()) return false;
  tracemill::RecordCheck check;
  tracemill::ValidateOptions rules;
  rules.count_tokens = false;
  tracemill::check_openai_chat(document, rules, check);
  return check.errors.empty();
}

struct Outcome {
  size_t written = 0;
  size_t set_aside = 0;
};

Outcome pair_and_check(tracemill::PairMode mode, tracemill::WeightPolicy weights, unsigned seed) {
  tracemill::PairOptions options;
  options.mode = mode;
  options.weights = weights;
  options.metadata = false;
  tracemill::Pairer pairer(options);
  Outcome outcome;
  pairer.on_invalid = [&](std::string_view example, const std::string& reason) {
    ++outcome.set_aside;
    EXPECT_FALSE(reason.empty());
    EXPECT_FALSE(passes_openai_chat(std::string(example))) << "set aside, yet valid: " << example;
  };
  std::mt19937 random(seed);
  for (int s = 0; s < 400; ++s) {
    const std::string text = random_session(random, s);
    rapidjson::Document session;
    session.Parse(text.c_str());
    std::string written;
    {
      libstream::BufferedSink out(std::make_unique<libstream::StringSink>(written));
      const tracemill::PairResult result = pairer.pair(session, out);
      out.flush();
      EXPECT_TRUE(result.problem.empty()) << result.problem;
    }
    size_t start = 0;
    while (start < written.size()) {
      const size_t end = written.find('\n', start);
      const std::string line = written.substr(start, end - start);
      ++outcome.written;
      EXPECT_TRUE(passes_openai_chat(line)) << "written, yet invalid: " << line << "\nsession: " << text;
      start = end + 1;
    }
  }
  return outcome;
}

TEST(PairExampleCheck, WrittenExamplesPassAndSetAsideOnesFailTheRules) {
  using tracemill::PairMode;
  using tracemill::WeightPolicy;
  for (const PairMode mode : {PairMode::turn, PairMode::trajectory, PairMode::pairs}) {
    for (const WeightPolicy weights : {WeightPolicy::last, WeightPolicy::all}) {
      const Outcome outcome = pair_and_check(mode, weights, 20261203U + static_cast<unsigned>(mode));
      // Both verdicts occur: the property is tested on either side.
      EXPECT_GT(outcome.written, 20U);
      EXPECT_GT(outcome.set_aside, 20U);
    }
  }
}

}  // namespace
