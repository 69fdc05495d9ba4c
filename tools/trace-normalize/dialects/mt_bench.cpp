// MT-bench (lm-sys/FastChat llm_judge): question files {question_id, category, turns: [str],
// reference?: [str]} and model answer files {question_id, answer_id, model_id, choices:
// [{index, turns: [str]}], tstamp}. A question is a session of its user turns; read before
// the answers (trace-normalize question.jsonl model_answer/*.jsonl), it gives each answer
// its user turns, so an answer is the whole multi-turn chat the model had.
#include "chat_common.hpp"

#include "agent_common.hpp"

#include <libstream/document.hpp>

namespace tracemill::normalize {
namespace {

std::string question_key(const Value& id) { return "mt-bench-question-" + text_or_json(id); }

bool recognise_question(const Value& r) {
  const Value* turns = find_member(r, "turns");
  return find_member(r, "question_id") != nullptr && turns != nullptr && turns->IsArray() && find_member(r, "choices") == nullptr;
}

bool recognise_answer(const Value& r) {
  const Value* choices = find_member(r, "choices");
  return find_member(r, "question_id") != nullptr && choices != nullptr && choices->IsArray() &&
         (find_member(r, "model_id") != nullptr || find_member(r, "answer_id") != nullptr);
}

Message turn(const char* role, const Value& text_value) {
  Message message;
  message.role = role;
  message.content = string_or_quoted_json(text_value);
  return message;
}

void map_question(const Value& r, const MapContext& context, Record& out) {
  const Value& id = *find_member(r, "question_id");
  const Value& turns = *find_member(r, "turns");
  chat::Conversation conversation;
  for (const Value& t : turns.GetArray()) conversation.add(turn("user", t));
  out.set_text("session_id", "mt-bench-q" + text_or_json(id));
  out.set_text("task_id", text_or_json(id));
  out.set("source", "{\"format\":\"mt-bench-question\"}");
  if (context.carried != nullptr) (*context.carried)[question_key(id)] = json_of(turns);
  chat::finish_conversation(conversation, context, out);
  out.keep_rest(r, {"question_id", "turns"});
}

void map_answer(const Value& r, const MapContext& context, std::vector<std::string>& sessions) {
  const Value& id = *find_member(r, "question_id");
  const Value& choices = *find_member(r, "choices");
  rapidjson::Document question;
  if (context.carried != nullptr) {
    if (const auto it = context.carried->find(question_key(id)); it != context.carried->end()) {
      if (!libstream::parse_embedded_json(it->second, question)) question.SetNull();
    }
  }
  if (!question.IsArray()) {
    context.warn("question " + text_or_json(id) + " was not read before its answers: the user turns are unknown "
                 "(give the question file first)");
  }
  const std::string model(text(find_member(r, "model_id")).value_or(""));
  std::string base(text(find_member(r, "answer_id")).value_or(""));
  if (base.empty()) base = "mt-bench-q" + text_or_json(id) + (model.empty() ? "" : "-" + model);
  for (rapidjson::SizeType c = 0; c < choices.Size(); ++c) {
    const Value& choice = choices[c];
    const Value* turns = choice.IsObject() ? find_member(choice, "turns") : nullptr;
    if (turns == nullptr || !turns->IsArray()) throw MappingError{"choices[" + std::to_string(c) + "]: no turns list"};
    chat::Conversation conversation;
    for (rapidjson::SizeType t = 0; t < turns->Size(); ++t) {
      if (question.IsArray() && t < question.Size()) conversation.add(turn("user", question[t]));
      conversation.add(turn("assistant", (*turns)[t]));
    }
    Record out;
    out.reset(&r, context.raw);
    out.set_text("session_id", choices.Size() == 1 ? base : base + ":" + std::to_string(c));
    out.set_text("task_id", text_or_json(id));
    if (!model.empty()) {
      out.set_text("model", model);
      out.set_text("model_source", "session_metadata");
    }
    out.set_time("created_at", "original_created_at", find_present(r, "tstamp"), context.warn);
    out.set("source", "{\"format\":\"mt-bench-answer\"}");
    chat::finish_conversation(conversation, context, out);
    if (std::string rest = agent::rest_json(choice, {"turns"}); !rest.empty()) out.extra("choice", rest);
    out.keep_rest(r, {"question_id", "choices", "model_id", "answer_id", "tstamp"});
    std::string line;
    out.finish(line);
    sessions.push_back(line);
  }
}

}  // namespace

extern const DialectSpec kMtBenchQuestion{"mt-bench-question", "question_id with a turns list",
                                          "MT-bench questions and answers", recognise_question, map_question, nullptr,
                                          nullptr, nullptr, /*uses_carried=*/true};
extern const DialectSpec kMtBenchAnswer{"mt-bench-answer", "question_id with a choices list (and model_id or answer_id)",
                                        "MT-bench questions and answers", recognise_answer, nullptr, nullptr, map_answer,
                                        nullptr, /*uses_carried=*/true};

}  // namespace tracemill::normalize
