#include "prompt_learning.hpp"

#include <libstream/document.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace tracemill::stats {

using libstream::find_member;
using libstream::find_present;
using libstream::string_of;
using rapidjson::Value;

bool PromptLearning::claims(const Value& r) {
  const Value* type = find_present(r, "record_type");
  const std::string_view kind = type != nullptr && type->IsString() ? string_of(*type) : "";
  return kind == "job" || kind == "trial" || kind == "experiment" ||
         (kind.empty() && find_present(r, "payload") != nullptr && find_member(r, "score") != nullptr);
}

bool PromptLearning::add(const Value& r, uint64_t ordinal) {
  if (!claims(r)) return false;
  const Value* type = find_present(r, "record_type");
  const std::string kind = type != nullptr && type->IsString() ? std::string(string_of(*type)) : "";
  if (kind == "job") {
    Job& j = jobs_[text(r, "job_id")];
    j.ordinal = ordinal;
    j.experiment = text(r, "experiment_id");
    j.type = text(r, "job_type");
    j.status = text(r, "status");
    const Value* overrides = embedded(find_present(r, "config_overrides"));
    const Value* status = embedded(find_present(r, "status_json"));
    const Value* result = embedded(find_present(r, "result"));
    // Effective model (docs/synth-ai-sources.md, "Model precedence"): override > config file > status_json (W25).
    const Value* over = overrides != nullptr ? find_present(*overrides, "prompt_learning.policy.model") : nullptr;
    if (over != nullptr && over->IsString()) {
      j.model = std::string(string_of(*over));
      j.model_source = "config_overrides";
      j.model_ordinal = ordinal;
    } else if (const std::string file_model = toml_model(text(r, "config_path")); !file_model.empty()) {
      j.model = file_model;
      j.model_source = "config file";
      j.model_ordinal = ordinal;
    } else if (const Value* policy = status != nullptr ? find_present(*status, "policy") : nullptr; policy != nullptr && policy->IsString()) {
      j.model = std::string(string_of(*policy));
      j.model_source = "status_json (config model; may be stale, W23/W25)";
      j.model_ordinal = ordinal;
    }
    const auto pick = [&](const char* key) {  // result first: status_json may be stale (W23)
      double x = result != nullptr ? number_of(find_present(*result, key)) : kNaN;
      if (std::isnan(x) && status != nullptr) x = number_of(find_present(*status, key));
      return x;
    };
    j.best = pick("best_score");
    j.baseline = pick("baseline_score");
    j.rollouts = pick("total_rollouts");
    j.trials_tried = status != nullptr ? number_of(find_present(*status, "trials_tried")) : kNaN;
    j.tokens = status != nullptr ? number_of(find_present(*status, "total_tokens")) : kNaN;
    if (std::isnan(j.tokens) && status != nullptr) j.tokens = number_of(find_present(*status, "rollout_tokens_used"));
    return true;
  }
  if (kind == "trial") {
    Trial t;
    t.ordinal = ordinal;
    t.job = text(r, "job_id");
    t.id = text(r, "trial_id");
    t.name = text(r, "system_name");
    t.prompt = text(r, "prompt_id");
    t.score = number_of(find_present(r, "aggregate_score"));
    if (std::isnan(t.score)) t.score = number_of(find_present(r, "reward"));
    const Value* metadata = embedded(find_present(r, "metadata"));
    const Value* phase = metadata != nullptr ? find_present(*metadata, "phase") : nullptr;
    t.phase = phase != nullptr && phase->IsString() ? std::string(string_of(*phase)) : "(no phase recorded)";  // W21
    t.tokens = metadata != nullptr ? number_of(find_present(*metadata, "tokens")) : kNaN;
    trials_.push_back(t);
    return true;
  }
  if (kind == "experiment") {
    ++experiments_;
    return true;
  }
  if (kind.empty() && find_present(r, "payload") != nullptr && find_member(r, "score") != nullptr) {  // backend snapshot
    Trial t;
    t.ordinal = ordinal;
    t.job = text(r, "job_id");
    t.id = text(r, "id");
    t.name = "snapshot";
    t.score = number_of(find_present(r, "score"));
    t.phase = "snapshot";
    t.tokens = kNaN;
    const Value* payload = find_present(r, "payload");
    const Value* messages = payload != nullptr ? find_present(*payload, "messages") : nullptr;
    if (messages != nullptr && messages->IsArray()) {
      for (const Value& m : messages->GetArray()) {
        const Value* content = find_present(m, "content");
        if (content != nullptr && content->IsString()) {
          t.prompt += (t.prompt.empty() ? "" : " | ") + std::string(string_of(*content));
        }
      }
    } else {
      t.prompt = "(no messages in the snapshot, W26)";
    }
    trials_.push_back(t);
    return true;
  }
  return false;
}

void PromptLearning::merge(const PromptLearning& other) {
  for (const auto& [id, theirs] : other.jobs_) {
    const auto it = jobs_.find(id);
    if (it == jobs_.end()) {
      jobs_.emplace(id, theirs);
      continue;
    }
    Job& mine = it->second;
    const Job earlier = mine;
    if (theirs.ordinal > mine.ordinal) mine = theirs;  // every field but the model is the last record's
    const Job& model_from = theirs.model_ordinal > earlier.model_ordinal ? theirs : earlier;  // the model: the last that named one
    mine.model = model_from.model;
    mine.model_source = model_from.model_source;
    mine.model_ordinal = model_from.model_ordinal;
  }
  trials_.insert(trials_.end(), other.trials_.begin(), other.trials_.end());
  std::stable_sort(trials_.begin(), trials_.end(), [](const Trial& a, const Trial& b) { return a.ordinal < b.ordinal; });
  experiments_ += other.experiments_;
}

std::string PromptLearning::state() const {
  std::string out = "{\"experiments\":" + std::to_string(experiments_) + ",\"jobs\":{";
  bool first = true;
  for (const auto& [id, j] : jobs_) {
    out += (first ? "" : ",") + quote(id) + ":{\"experiment\":" + quote(j.experiment) + ",\"type\":" + quote(j.type) +
           ",\"status\":" + quote(j.status) + ",\"model\":" + quote(j.model) + ",\"model_source\":" + quote(j.model_source) +
           ",\"best\":" + json_number(j.best) + ",\"baseline\":" + json_number(j.baseline) + ",\"rollouts\":" +
           json_number(j.rollouts) + ",\"trials_tried\":" + json_number(j.trials_tried) + ",\"tokens\":" + json_number(j.tokens) + "}";
    first = false;
  }
  out += "},\"trials\":[";
  for (size_t i = 0; i < trials_.size(); ++i) {
    const Trial& t = trials_[i];
    out += (i > 0 ? ",{" : "{") + std::string("\"job\":") + quote(t.job) + ",\"id\":" + quote(t.id) + ",\"name\":" + quote(t.name) +
           ",\"prompt\":" + quote(t.prompt) + ",\"phase\":" + quote(t.phase) + ",\"score\":" + json_number(t.score) +
           ",\"tokens\":" + json_number(t.tokens) + "}";
  }
  return out + "]}";
}

void PromptLearning::merge_state(const Value& s) {
  PromptLearning theirs;
  const uint64_t base = last_ordinal() + 1;
  uint64_t next = base;
  theirs.experiments_ = s["experiments"].GetUint64();
  for (const auto& m : s["jobs"].GetObject()) {
    Job& j = theirs.jobs_[std::string(string_of(m.name))];
    const Value& v = m.value;
    j.experiment = v["experiment"].GetString();
    j.type = v["type"].GetString();
    j.status = v["status"].GetString();
    j.model = v["model"].GetString();
    j.model_source = v["model_source"].GetString();
    j.best = number_of(&v["best"]);
    j.baseline = number_of(&v["baseline"]);
    j.rollouts = number_of(&v["rollouts"]);
    j.trials_tried = number_of(&v["trials_tried"]);
    j.tokens = number_of(&v["tokens"]);
    j.ordinal = next++;
    j.model_ordinal = j.model.empty() ? 0 : j.ordinal;
  }
  for (const Value& v : s["trials"].GetArray()) {
    Trial t;
    t.job = v["job"].GetString();
    t.id = v["id"].GetString();
    t.name = v["name"].GetString();
    t.prompt = v["prompt"].GetString();
    t.phase = v["phase"].GetString();
    t.score = number_of(&v["score"]);
    t.tokens = number_of(&v["tokens"]);
    t.ordinal = next++;
    theirs.trials_.push_back(std::move(t));
  }
  merge(theirs);
}

PromptLearningSummary PromptLearning::summary() const {
  PromptLearningSummary out;
  out.title = "Prompt learning (" + std::to_string(experiments_) + " experiments, " + std::to_string(jobs_.size()) +
                            " jobs, " + std::to_string(trials_.size()) + " trials and snapshots)";
  Table& jobs = out.jobs;
  jobs.header = {"job", "experiment", "type", "status", "model", "model source", "baseline", "best", "rollouts", "trials tried",
                 "tokens", "trials (optimization / validation / other)", "evaluations"};
  jobs.numeric = {false, false, false, false, false, false, true, true, true, true, true, false, true};
  for (const auto& [id, j] : jobs_) {
    uint64_t optimization = 0, validation = 0, other = 0;
    for (const Trial& t : trials_) {
      if (t.job != id || t.phase == "snapshot") continue;
      (t.phase == "optimization" ? optimization : t.phase == "validation" || t.phase == "validation_baseline" || t.phase == "eval" ? validation : other)++;
    }
    jobs.rows.push_back({id, j.experiment, j.type, j.status, j.model.empty() ? "unknown" : j.model, j.model_source.empty() ? "-" : j.model_source,
                         fmt(j.baseline), fmt(j.best), fmt(j.rollouts), fmt(j.trials_tried), fmt(j.tokens),
                         std::to_string(optimization) + " / " + std::to_string(validation) + " / " + std::to_string(other),
                         validation > 0 ? std::to_string(validation) : "-"});
  }
  std::vector<Trial> ranked = trials_;
  std::stable_sort(ranked.begin(), ranked.end(), [](const Trial& a, const Trial& b) {
    if (std::isnan(a.score) != std::isnan(b.score)) return std::isnan(b.score);
    return a.score > b.score;
  });
  Table& candidates = out.candidates;
  candidates.header = {"rank", "score", "job", "trial / snapshot", "phase", "tokens", "prompt"};
  candidates.numeric = {true, true, false, false, false, true, false};
  for (size_t i = 0; i < ranked.size() && i < 20; ++i) {
    const Trial& t = ranked[i];
    std::string prompt = t.prompt.empty() ? "-" : t.prompt;
    if (prompt.size() > 100) prompt = prompt.substr(0, 97) + "...";
    candidates.rows.push_back({std::to_string(i + 1), fmt(t.score), t.job, t.id + (t.name.empty() ? "" : " (" + t.name + ")"), t.phase,
                               fmt(t.tokens), prompt});
  }
  return out;
}

uint64_t PromptLearning::last_ordinal() const {
  uint64_t last = 0;
  for (const auto& [id, j] : jobs_) last = std::max(last, j.ordinal);
  for (const Trial& t : trials_) last = std::max(last, t.ordinal);
  return last;
}

std::string PromptLearning::toml_model(const std::string& path) {
  if (path.empty()) return "";
  std::ifstream in(path);
  std::string line;
  bool in_policy = false;
  while (std::getline(in, line)) {
    line.erase(0, line.find_first_not_of(" \t"));
    if (!line.empty() && line.front() == '[') {
      in_policy = line.rfind("[prompt_learning.policy]", 0) == 0;
      continue;
    }
    if (!in_policy || line.rfind("model", 0) != 0) continue;
    const size_t open = line.find('"'), close = open == std::string::npos ? open : line.find('"', open + 1);
    const size_t eq = line.find('=');
    if (eq != std::string::npos && close != std::string::npos && line.substr(5, eq - 5).find_first_not_of(" \t") == std::string::npos) {
      return line.substr(open + 1, close - open - 1);
    }
  }
  return "";
}

std::string PromptLearning::text(const Value& r, const char* key) {
  const Value* v = find_present(r, key);
  return v != nullptr && v->IsString() ? std::string(string_of(*v)) : "";
}

const rapidjson::Value* PromptLearning::embedded(const Value* v) {
  if (v == nullptr || !v->IsString()) return v;
  auto& d = documents_.emplace_back();
  return libstream::parse_embedded_json(string_of(*v), d) ? &d : nullptr;
}

}  // namespace tracemill::stats
