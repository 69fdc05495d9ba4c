// The table of dialects. Detection tries them in this order and takes the first that
// recognises a record, so a dialect identified by fewer members comes after those it could
// be mistaken for. Adding a dialect: its file in this folder, and one line here.
#include "dialect.hpp"

#include <libstream/json.hpp>

#include <cstring>

#define TRACE_DIALECTS(X)                                     \
  X(kTraceV1)        /* trace/v1: passed through */          \
  X(kSynthV2Duckdb)  /* store: duckdb-v2 */                   \
  X(kOtlpJson)       /* resourceSpans: OTLP/JSON */            \
  X(kSynthQueue)     /* record_type */                        \
  X(kSynthV3)        /* session_id + v3 tables */             \
  X(kSynthV2Json)    /* event_history / message_history */    \
  X(kSynthV3Summary) /* session_id + counts */                \
  X(kClaudeCode)     /* type + sessionId, one event per line */ \
  X(kCodex)          /* Codex CLI {timestamp, type, payload} */ \
  X(kGeminiCliJsonl) /* Gemini CLI JSONL header line */      \
  X(kGeminiCli)      /* sessionId + projectHash + messages */ \
  X(kLangfuse)       /* trace + observations */             \
  X(kLangSmith)      /* post/patch runs, or run_type */     \
  X(kOpenAIAgentsState) /* $schemaVersion + generated_items */ \
  X(kOpenAIAgentsSpans) /* spans of object trace.span */  \
  X(kAtof)           /* NVIDIA ATOF: kind + atof_version, one event per line */ \
  X(kHarborAtif)     /* schema_version + steps (+ agent) */   \
  X(kInspectAi)      /* eval object + version + samples */    \
  X(kTau2Bench)      /* simulations, or one simulation */     \
  X(kTauBench)       /* traj + task_id */                     \
  X(kTauBenchDisplay) /* messages_display */                  \
  X(kVerifiers)      /* prompt + completion */                \
  X(kVerifiersMetadata) /* vf-eval metadata.json */           \
  X(kSweAgent)       /* history of {role, agent} items */     \
  X(kMiniSweAgent)   /* trajectory_format mini-swe-agent-* */ \
  X(kOpenHandsEval)  /* history of action/observation events */ \
  X(kOpenHandsLlmLog) /* messages + response + kwargs */      \
  X(kOpenHandsEvents) /* one V0 event per record */           \
  X(kOpenHandsSdk)   /* one V1 event per record (kind) */     \
  X(kShareGpt)       /* conversations of {from, value} */     \
  X(kAlpaca)         /* instruction + output|chosen */        \
  X(kPreference)     /* chosen/rejected message lists */      \
  X(kAdp)            /* id + content of class_ items */       \
  X(kMtBenchAnswer)  /* question_id + choices */              \
  X(kMtBenchQuestion) /* question_id + turns */               \
  X(kAnyAgent)       /* spans + final_output */                \
  X(kOtelSpan)       /* one span per record */                 \
  X(kSpanAttributes) /* one span's attributes, no envelope */ \
  X(kMessageArray)   /* one {role, content} per record */     \
  X(kChatSft)        /* a messages array: the loosest, last */ \
  X(kMapped)         /* never detected: --map */

namespace tracemill::normalize {

#define TRACE_DECLARE(spec) extern const DialectSpec spec;
TRACE_DIALECTS(TRACE_DECLARE)
#undef TRACE_DECLARE

const std::vector<const DialectSpec*>& all_dialects() {
#define TRACE_ENTRY(spec) &spec,
  static const std::vector<const DialectSpec*> table = {TRACE_DIALECTS(TRACE_ENTRY)};
#undef TRACE_ENTRY
  return table;
}

const DialectSpec* find_dialect(std::string_view name) {
  for (const DialectSpec* dialect : all_dialects()) {
    if (name == dialect->name) return dialect;
  }
  return nullptr;
}

namespace {

// Each member's raw text from where its key lies: the DOM was parsed in place from a copy of
// `raw`, so a key's decoded text starts at its offset in `raw`, and a member's value is what
// lies between its key's colon and the comma before the next key (the last one's, the closing
// brace). Only the keys are scanned, not the values between them (a Claude Code line's
// `message`): finding members by scanning the whole line again was 7% of converting one.
// False when a key does not lie in the buffer (then the line is scanned).
bool spans_from_keys(const SessionLine& line, std::vector<std::pair<std::string_view, std::string_view>>& spans) {
  const std::string_view raw = line.raw;
  const char* const base = line.parsed_in_place;
  spans.clear();
  thread_local std::vector<size_t> quotes;  // each key's opening quote; kept: no allocation per line
  quotes.clear();
  for (const auto& member : line.value->GetObject()) {
    const char* key = member.name.GetString();
    if (key <= base || key >= base + raw.size()) return false;
    const auto at = static_cast<size_t>(key - base) - 1;
    if (raw[at] != '"' || (!quotes.empty() && at <= quotes.back())) return false;
    quotes.push_back(at);
  }
  for (size_t i = 0; i < quotes.size(); ++i) {
    size_t p = quotes[i] + 1;  // the key's closing quote: after an even run of backslashes
    while (p < raw.size() && raw[p] != '"') p += raw[p] == '\\' ? size_t{2} : size_t{1};
    if (p >= raw.size()) return false;
    const std::string_view key = raw.substr(quotes[i] + 1, p - quotes[i] - 1);
    for (++p; p < raw.size() && libstream::is_json_space(raw[p]); ++p) {
    }
    if (p >= raw.size() || raw[p] != ':') return false;
    for (++p; p < raw.size() && libstream::is_json_space(raw[p]); ++p) {
    }
    size_t end = i + 1 < quotes.size() ? quotes[i + 1] : raw.size();
    while (end > p && libstream::is_json_space(raw[end - 1])) --end;
    if (end <= p || raw[end - 1] != (i + 1 < quotes.size() ? ',' : '}')) return false;
    for (--end; end > p && libstream::is_json_space(raw[end - 1]); --end) {
    }
    if (end <= p) return false;
    spans.emplace_back(key, raw.substr(p, end - p));
  }
  return true;
}

}  // namespace

std::vector<std::optional<std::string_view>> raw_members(const SessionLine& line) {
  std::vector<std::optional<std::string_view>> out;
  if (!line.value->IsObject()) return out;
  out.resize(line.value->MemberCount());
  thread_local std::vector<std::pair<std::string_view, std::string_view>> spans;  // kept, as above
  if (line.raw.empty()) return out;
  const bool found = (line.parsed_in_place != nullptr && spans_from_keys(line, spans)) || libstream::top_level_members(line.raw, spans);
  if (!found || spans.size() != out.size()) return out;
  size_t i = 0;
  for (const auto& member : line.value->GetObject()) {
    const auto& [key, value] = spans[i];
    // Raw keys keep their quotes' content as written: equal to the decoded key only when unescaped.
    if (key == string_of(member.name) && std::memchr(value.data(), '\t', value.size()) == nullptr) out[i] = value;
    ++i;
  }
  return out;
}

const DialectSpec* detect_dialect(const rapidjson::Value& record) {
  if (!record.IsObject()) return nullptr;
  for (const DialectSpec* dialect : all_dialects()) {
    if (dialect->recognise != nullptr && dialect->recognise(record)) return dialect;
  }
  return nullptr;
}

}  // namespace tracemill::normalize
