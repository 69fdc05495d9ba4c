// The chat-dataset dialects on hand-written rows: ShareGPT role tags and function calls with
// made-up ids, observations paired by order, alpaca prompts and history, LLaMA-Factory typed
// parts, KTO labels, preference rows as two sessions, ADP trajectories, MT-bench pairing.
#include "normalize_evals.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

using evals_test::normalize;
using evals_test::run;
using evals_test::str;

TEST(NormalizeChatDatasets, ShareGptFunctionCallsGetMadeUpIdsAndResultsAnswerThemInOrder) {
  const auto r = normalize(
      R"({"id":"x","system":"S","tools":"[{\"name\":\"add\"}]","conversations":[{"from":"human","value":"q"},)"
      R"({"from":"function_call","value":"[{\"name\":\"add\",\"arguments\":{\"a\":1}},{\"name\":\"mul\",\"arguments\":{\"b\":2.50}}]"},)"
      R"({"from":"observation","value":"1"},{"from":"observation","value":"5"},{"from":"gpt","value":"done"}]})");
  ASSERT_EQ(r.dialect, "sharegpt");
  ASSERT_EQ(r.sessions.size(), 1u);
  const auto& s = r.sessions[0];
  EXPECT_EQ(str(s["session_id"]), "x");
  const auto& m = s["messages"];
  ASSERT_EQ(m.Size(), 6u);
  EXPECT_EQ(str(m[0]["role"]), "system");
  EXPECT_EQ(str(m[1]["original_role"]), "human");
  const auto& calls = m[2]["tool_calls"];
  ASSERT_EQ(calls.Size(), 2u);
  EXPECT_EQ(str(calls[0]["id"]), "call_2_0");
  EXPECT_EQ(str(calls[1]["id"]), "call_2_1");
  EXPECT_EQ(str(calls[1]["function"]["arguments"]), R"({"b":2.5})");  // a list of calls: same values, re-serialised
  EXPECT_TRUE(m[2]["content"].IsNull());
  EXPECT_EQ(str(m[3]["tool_call_id"]), "call_2_0");
  EXPECT_EQ(str(m[3]["name"]), "add");
  EXPECT_EQ(str(m[4]["tool_call_id"]), "call_2_1");
  EXPECT_EQ(str(m[4]["name"]), "mul");
  EXPECT_EQ(s["extra"]["made_up_tool_call_ids"].GetInt(), 2);
  EXPECT_TRUE(s["extra"]["tools"].IsArray());  // JSON text parsed
  const auto one = normalize(
      R"({"conversations":[{"from":"function_call","value":"{\"name\": \"f\", \"arguments\": {\"b\": 2.50}}"}]})");
  EXPECT_EQ(str(one.sessions[0]["messages"][0]["tool_calls"][0]["function"]["arguments"]), R"({"b":2.50})");  // as written
}

TEST(NormalizeChatDatasets, AnObservationNoCallAskedForIsAUserTurnAndBadRowsAreRejected) {
  auto r = normalize(R"({"conversations":[{"from":"human","value":"q"},{"from":"observation","value":"o"}]})");
  ASSERT_EQ(r.sessions.size(), 1u);
  EXPECT_EQ(str(r.sessions[0]["messages"][1]["role"]), "user");
  EXPECT_EQ(str(r.sessions[0]["messages"][1]["original_role"]), "observation");
  r = normalize(R"({"conversations":[{"from":"function_call","value":"nope"}]})");
  EXPECT_NE(r.error.find("conversations[0]: a function call that is not JSON"), std::string::npos) << r.error;
  r = normalize(R"({"conversations":[{"from":"narrator","value":"x"}]})");
  EXPECT_NE(r.error.find("role \"narrator\""), std::string::npos) << r.error;
  r = normalize(R"({"conversations":[7]})");
  EXPECT_FALSE(r.error.empty());  // not recognised or rejected, never a crash
}

TEST(NormalizeChatDatasets, AlpacaJoinsInstructionAndInputAfterSystemAndHistory) {
  const auto r = normalize(
      R"({"instruction":"Translate","input":"chat","output":"cat","system":"S","history":[["hi","hello"]]})");
  ASSERT_EQ(r.dialect, "alpaca");
  const auto& m = r.sessions[0]["messages"];
  ASSERT_EQ(m.Size(), 5u);
  EXPECT_EQ(str(m[0]["role"]), "system");
  EXPECT_EQ(str(m[1]["content"]), "hi");
  EXPECT_EQ(str(m[2]["content"]), "hello");
  EXPECT_EQ(str(m[3]["content"]), "Translate\nchat");
  EXPECT_EQ(str(m[4]["content"]), "cat");
  EXPECT_EQ(normalize(R"({"instruction":"x","output":"y","history":[["only one"]]})").error,
            "history[0]: not a [query, response] pair");
}

TEST(NormalizeChatDatasets, TypedPartsBecomeTextReasoningAndCalls) {
  const auto r = normalize(
      R"({"messages":[{"role":"user","content":[{"type":"text","value":"q"}],"loss_weight":0.0},)"
      R"({"role":"assistant","content":[{"type":"reasoning","value":"think"},{"type":"tool_call","value":"{\"name\": \"f\", \"arguments\": {\"x\": 1}}"}]},)"
      R"({"role":"tool","content":[{"type":"text","value":"r"}]},)"
      R"({"role":"assistant","content":[{"type":"text","value":"a"},{"type":"text","value":"b"},{"type":"odd","value":1}]}],"tools":"[]","label":true})");
  ASSERT_EQ(r.dialect, "sft");
  const auto& s = r.sessions[0];
  const auto& m = s["messages"];
  EXPECT_EQ(str(m[0]["content"]), "q");
  EXPECT_EQ(m[0]["extra"]["loss_weight"].GetDouble(), 0.0);
  EXPECT_EQ(str(m[1]["reasoning"][0]["text"]), "think");
  EXPECT_EQ(str(m[1]["tool_calls"][0]["id"]), "call_1_0");
  EXPECT_EQ(str(m[2]["tool_call_id"]), "call_1_0");
  ASSERT_TRUE(m[3]["content"].IsArray());
  EXPECT_EQ(str(m[3]["content"][0]["type"]), "text");
  EXPECT_EQ(str(m[3]["content"][1]["text"]), "b");
  EXPECT_EQ(str(m[3]["content"][2]["text"]), R"({"type":"odd","value":1})");
  EXPECT_EQ(s["reward"].GetInt(), 1);
  EXPECT_EQ(str(s["reward_source"]), "kto:label");
}

TEST(NormalizeChatDatasets, PreferenceRowsAreTwoSessionsOfOneTask) {
  for (const char* row : {R"({"conversations":[{"from":"human","value":"q"}],"chosen":{"from":"gpt","value":"good"},"rejected":{"from":"gpt","value":"bad"}})",
                          R"({"instruction":"q","chosen":"good","rejected":"bad"})",
                          R"({"prompt":[{"role":"user","content":"q"}],"chosen":[{"role":"assistant","content":"good"}],"rejected":[{"role":"assistant","content":"bad"}]})"}) {
    const auto r = normalize(row);
    ASSERT_EQ(r.sessions.size(), 2u) << row;
    EXPECT_EQ(r.count, 2u);
    const auto& chosen = r.sessions[0];
    const auto& rejected = r.sessions[1];
    EXPECT_EQ(str(chosen["task_id"]), str(rejected["task_id"]));
    EXPECT_EQ(str(chosen["session_id"]), str(chosen["task_id"]) + ":chosen");
    EXPECT_EQ(chosen["reward"].GetInt(), 1);
    EXPECT_EQ(rejected["reward"].GetInt(), 0);
    const auto& last = chosen["messages"][chosen["messages"].Size() - 1];
    EXPECT_EQ(str(last["content"]), "good");
    EXPECT_EQ(str(rejected["messages"][rejected["messages"].Size() - 1]["content"]), "bad");
  }
}

TEST(NormalizeChatDatasets, AdpActionsAreCallsAndTheNextObservationsTheirResults) {
  const auto r = normalize(
      R"({"id":"t1","content":[{"class_":"text_observation","content":"count files","source":"user","name":null},)"
      R"({"class_":"code_action","language":"bash","content":"ls","description":"look"},)"
      R"({"class_":"text_observation","content":"a b","source":"environment","name":null},)"
      R"({"class_":"api_action","function":"f","kwargs":{"q":1},"description":null,"tool_call_id":"c9"},)"
      R"({"class_":"api_action","function":"g","kwargs":{},"description":null},)"
      R"({"class_":"text_observation","content":"g says","source":"environment","tool_call_id":"call_3_0"},)"
      R"({"class_":"text_observation","content":"f says","source":"environment","tool_call_id":"c9"},)"
      R"({"class_":"message_action","content":"2","description":"counted"}],"details":{"model_name":"m"}})");
  ASSERT_EQ(r.dialect, "adp");
  const auto& s = r.sessions[0];
  const auto& m = s["messages"];
  ASSERT_EQ(m.Size(), 7u);
  EXPECT_EQ(str(m[1]["tool_calls"][0]["function"]["name"]), "bash");
  EXPECT_EQ(str(m[1]["tool_calls"][0]["function"]["arguments"]), R"({"code":"ls"})");
  EXPECT_EQ(str(m[1]["content"]), "look");
  EXPECT_EQ(str(m[2]["role"]), "tool");
  EXPECT_EQ(m[3]["tool_calls"].Size(), 2u);
  EXPECT_EQ(str(m[3]["tool_calls"][0]["id"]), "c9");
  EXPECT_EQ(str(m[4]["tool_call_id"]), "call_3_0");  // named: answers g, not the oldest
  EXPECT_EQ(str(m[5]["tool_call_id"]), "c9");
  EXPECT_EQ(str(m[6]["content"][0]["text"]), "counted");
  EXPECT_EQ(str(s["model"]), "m");
}

TEST(NormalizeChatDatasets, MtBenchAnswersTakeTheirQuestionsTurns) {
  tracemill::Normalizer normalizer(tracemill::NormalizeOptions{});
  const auto q = run(normalizer, R"({"question_id":81,"category":"writing","turns":["Q1","Q2"]})");
  ASSERT_EQ(q.dialect, "mt-bench-question");
  EXPECT_EQ(str(q.sessions[0]["session_id"]), "mt-bench-q81");
  const auto a = run(normalizer,
                     R"({"question_id":81,"answer_id":"a1","model_id":"m","choices":[{"index":0,"turns":["A1","A2"]}],"tstamp":1687221890.5})");
  ASSERT_EQ(a.dialect, "mt-bench-answer");
  const auto& m = a.sessions[0]["messages"];
  ASSERT_EQ(m.Size(), 4u);
  EXPECT_EQ(str(m[0]["content"]), "Q1");
  EXPECT_EQ(str(m[3]["content"]), "A2");
  EXPECT_EQ(str(a.sessions[0]["model"]), "m");
  EXPECT_TRUE(a.warnings.empty());
  const auto lone = run(normalizer, R"({"question_id":5,"model_id":"m","choices":[{"turns":["A"]}]})");
  EXPECT_EQ(lone.sessions[0]["messages"].Size(), 1u);
  EXPECT_EQ(lone.warnings.size(), 1u);
}

}  // namespace
