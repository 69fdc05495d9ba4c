// Inspect AI `.json` logs read sample by sample (inspect_log.hpp): a first scan keeps the
// top-level members but the samples (Inspect writes "reductions" after "samples", so the header
// is only known at the end), a second one gives each sample with them. Nothing but one sample
// and the header members is held, whatever the number of samples.
#include <libstream/document.hpp>
#include <libstream/error.hpp>
#include <libstream/inspect_log.hpp>
#include <libstream/json.hpp>

#include "inspect_reductions.hpp"

#include <vector>

namespace libstream {

namespace {

/// The elements of a JSON array's compact text (as append_compact_json writes it).
void array_elements(std::string_view json, std::vector<std::string_view>& out) {
  out.clear();
  if (json.size() <= 2 || json.front() != '[') return;
  size_t start = 1;
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (size_t i = 1; i + 1 < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 0) {
      out.push_back(json.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(json.substr(start, json.size() - 1 - start));
}

/// A sample id as text: a string decoded, a number as written.
std::string id_text(std::string_view json) {
  if (json.empty() || json.front() != '"') return std::string(json);
  if (json.find('\\') == std::string_view::npos) return std::string(json.substr(1, json.size() - 2));
  rapidjson::Document decoded;
  return parse_embedded_json(json, decoded) && decoded.IsString() ? std::string(string_of(decoded)) : std::string(json);
}

}  // namespace

std::string reductions_scoring(std::string_view reductions, const std::string& id) {
  // Text spans all the way, never a DOM: numbers stay as written.
  std::string kept;
  std::vector<std::string_view> items;
  std::vector<std::string_view> scores;
  std::vector<std::pair<std::string_view, std::string_view>> members;
  std::vector<std::pair<std::string_view, std::string_view>> score_members;
  array_elements(reductions, items);
  for (const std::string_view item : items) {
    if (!top_level_members(item, members)) continue;
    std::string mine;
    for (const auto& [key, value] : members) {
      if (key != "samples") continue;
      array_elements(value, scores);
      for (const std::string_view score : scores) {
        if (!top_level_members(score, score_members)) continue;
        for (const auto& [score_key, named] : score_members) {
          // Ids are compared as text: 7 and "7" name the same sample, as in .eval entry names.
          if (score_key != "sample_id" || named.empty() || named.front() == '{' || named.front() == '[') continue;
          if (id_text(named) != id) continue;
          if (!mine.empty()) mine += ',';
          mine.append(score);
          break;
        }
      }
      break;
    }
    if (mine.empty()) continue;
    kept += kept.empty() ? "[{" : ",{";
    for (const auto& [key, value] : members) {
      if (key == "samples") continue;
      kept += '"';
      kept.append(key);
      kept += "\":";
      kept.append(value);
      kept += ',';
    }
    kept += "\"samples\":[" + mine + "]}";
  }
  return kept.empty() ? kept : kept + "]";
}

namespace {

constexpr size_t kChunk = size_t{1} << 20;

/// One top-level member of the log: its name as JSON and its compact value. The "samples"
/// array is a placeholder: each record puts its one sample there.
struct Member {
  std::string name_json;
  std::string value;
  bool samples = false;
  bool reductions = false;  // an array: filtered for each sample
};

class InspectJsonLog final : public RecordSource {
 public:
  InspectJsonLog(std::unique_ptr<ByteSource> source, std::vector<Member> members, uint64_t samples,
                 FramingOptions options)
      : source_(std::move(source)),
        members_(std::move(members)),
        samples_(samples),
        options_(options),
        scanner_(source_->name(), false, true, options.max_record_size, options.kept_prefix),
        chunk_(kChunk) {}

  bool next(RawRecord& record) override {
    if (samples_ == 0) {
      // No sample to split on: the log is one record, as written.
      if (whole_done_) return false;
      whole_done_ = true;
      record_ = "{";
      for (const Member& member : members_) append_member(member, member.samples ? std::string_view("[]") : member.value);
      record_ += '}';
      point_at(record, record_, 1);
      return true;
    }
    for (;;) {
      if (pos_ == size_) {
        size_ = source_->read(chunk_.data(), chunk_.size());
        pos_ = 0;
        if (size_ == 0) {
          scanner_.finish();
          return false;
        }
      }
      const InspectLogScanner::Event event = scanner_.scan(chunk_.data(), size_, pos_);
      if (event == InspectLogScanner::Event::sample) break;
      if (event == InspectLogScanner::Event::trailing) return false;  // seen by the first scan: the file changed
    }
    emit(record);
    return true;
  }
  const std::string& name() const override { return source_->name(); }
  uint64_t position() const override { return source_->position(); }
  uint64_t size_hint() const override { return source_->size_hint(); }
  bool framed_by_structure() const override { return true; }
  const std::string& note() const override { return note_; }

 private:
  void append_member(const Member& member, std::string_view value) {
    if (record_.size() > 1) record_ += ',';
    record_ += member.name_json;
    record_ += ':';
    record_.append(value);
  }

  void emit(RawRecord& record) {
    const std::string& sample = scanner_.value();
    const std::string where = "samples[" + std::to_string(scanner_.sample_count() - 1) + "]: ";
    std::string problem;
    std::string id;
    bool found = false;
    JsonError error;
    if (scanner_.oversized()) {
      problem = where + "record of " + std::to_string(scanner_.value_size()) +
                " bytes is longer than the maximum record size (" + std::to_string(options_.max_record_size) +
                " bytes; see --max-record-size)";
    } else if (!checker_.check_capture(sample.data(), sample.size(), "id", id, found, &error)) {
      problem = where + error.describe();
    }
    if (!problem.empty()) {
      record_.assign(sample, 0, std::min(sample.size(), options_.kept_prefix));
      point_at(record, record_, scanner_.value_line());
      record.full_size = scanner_.value_size();
      record.problem = problem;
    } else {
      record_ = "{";
      for (const Member& member : members_) {
        if (member.samples) {
          append_member(member, "[" + sample + "]");
        } else if (member.reductions) {
          const std::string mine = found ? reductions_scoring(member.value, id) : std::string();
          if (!mine.empty()) append_member(member, mine);
        } else {
          append_member(member, member.value);
        }
      }
      record_ += '}';
      point_at(record, record_, scanner_.value_line());
    }
    record.offset = scanner_.value_offset();
  }

  std::unique_ptr<ByteSource> source_;
  std::vector<Member> members_;
  uint64_t samples_;
  FramingOptions options_;
  InspectLogScanner scanner_;
  std::vector<char> chunk_;
  size_t pos_ = 0;
  size_t size_ = 0;
  JsonChecker checker_;
  std::string record_;
  bool whole_done_ = false;
  std::string note_;
};

}  // namespace

bool starts_like_inspect_log(const std::function<std::unique_ptr<ByteSource>()>& open) {
  constexpr int kMembers = 8;
  constexpr uint64_t kBytes = uint64_t{4} << 20;
  try {
    std::unique_ptr<ByteSource> source = open();
    InspectLogScanner scanner(source->name(), false, false);
    std::vector<char> chunk(size_t{1} << 16);
    bool version = false;
    bool eval = false;
    int keys = 0;
    uint64_t read = 0;
    while (read < kBytes) {
      const size_t size = source->read(chunk.data(), chunk.size());
      if (size == 0) return false;
      read += size;
      size_t pos = 0;
      for (;;) {
        const InspectLogScanner::Event event = scanner.scan(chunk.data(), size, pos);
        if (event == InspectLogScanner::Event::need_more) break;
        if (event == InspectLogScanner::Event::key) {
          version = version || scanner.key() == "version";
          eval = eval || scanner.key() == "eval";
          if (version && eval) return true;
          if (++keys >= kMembers) return false;
        } else if (event != InspectLogScanner::Event::member) {
          return false;  // a sample, or the end of the object, before both names
        }
      }
    }
  } catch (const Error&) {
    // Not an object, broken, or unreadable: the ordinary framing reports it.
  }
  return false;
}

std::unique_ptr<RecordSource> open_inspect_log(const std::function<std::unique_ptr<ByteSource>()>& open,
                                               FramingOptions options) {
  std::unique_ptr<ByteSource> source = open();
  const std::string name = source->name();
  InspectLogScanner scanner(name, true, false, options.max_record_size, options.kept_prefix);
  std::vector<Member> members;
  uint64_t samples = 0;
  uint64_t header_size = 0;
  bool has_samples = false;
  std::vector<char> chunk(kChunk);
  for (;;) {
    const size_t size = source->read(chunk.data(), chunk.size());
    if (size == 0) break;
    size_t pos = 0;
    for (;;) {
      const InspectLogScanner::Event event = scanner.scan(chunk.data(), size, pos);
      if (event == InspectLogScanner::Event::need_more) break;
      if (event == InspectLogScanner::Event::trailing) return nullptr;
      if (event != InspectLogScanner::Event::member) continue;
      Member member;
      append_json_string(member.name_json, scanner.key());
      const std::string where = name + ":" + std::to_string(scanner.value_line());
      if (scanner.samples_array()) {
        if (has_samples) throw Error(ErrorKind::data, where, "a second \"samples\" member");
        has_samples = member.samples = true;
        samples = scanner.sample_count();
      } else {
        if (scanner.oversized()) {
          throw Error(ErrorKind::data, where,
                      "the member \"" + scanner.key() + "\" is longer than the maximum record size (" +
                          std::to_string(options.max_record_size) + " bytes; see --max-record-size)");
        }
        JsonError error;
        if (!append_compact_json(scanner.value().data(), scanner.value().size(), member.value, &error)) {
          throw Error(ErrorKind::data, where, "the member \"" + scanner.key() + "\": " + error.describe());
        }
        member.reductions = scanner.key() == "reductions" && member.value.front() == '[';
      }
      header_size += member.name_json.size() + member.value.size() + 2;
      if (header_size > options.max_record_size) {
        throw Error(ErrorKind::data, where,
                    "the log's members but its samples are longer than the maximum record size (" +
                        std::to_string(options.max_record_size) + " bytes; see --max-record-size)");
      }
      members.push_back(std::move(member));
    }
  }
  scanner.finish();
  // Each record keeps only its sample's reductions; a log split into none keeps them all.
  if (samples == 0) {
    for (Member& member : members) member.reductions = false;
  }
  return std::make_unique<InspectJsonLog>(open(), std::move(members), samples, options);
}

}  // namespace libstream
