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

std::string reductions_scoring(const rapidjson::Value& reductions, const std::string& id) {
  std::string kept;
  for (const rapidjson::Value& reduction : reductions.GetArray()) {
    const rapidjson::Value* samples = find_member(reduction, "samples");
    if (samples == nullptr || !samples->IsArray()) continue;
    std::string mine;
    for (const rapidjson::Value& score : samples->GetArray()) {
      const rapidjson::Value* named = find_member(score, "sample_id");
      if (named == nullptr) continue;
      // Ids are compared as text: 7 and "7" name the same sample, as in .eval entry names.
      std::string named_text;
      if (named->IsString()) named_text.assign(string_of(*named));
      else if (named->IsNumber() && !append_json_value(named_text, *named)) continue;
      if (named_text != id) continue;
      if (!mine.empty()) mine += ',';
      if (!append_json_value(mine, score)) mine.pop_back();
    }
    if (mine.empty()) continue;
    kept += kept.empty() ? "[{" : ",{";
    bool first = true;
    for (const auto& member : reduction.GetObject()) {
      if (string_of(member.name) == "samples") continue;
      if (!first) kept += ',';
      first = false;
      append_json_string(kept, string_of(member.name));
      kept += ':';
      if (!append_json_value(kept, member.value)) kept += "null";
    }
    kept += first ? "\"samples\":[" : ",\"samples\":[";
    kept += mine + "]}";
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
        chunk_(kChunk) {
    for (const Member& member : members_) {
      if (member.reductions && !parse_embedded_json(member.value, reductions_)) {
        throw Error(ErrorKind::data, source_->name(), "\"reductions\": not JSON");
      }
    }
  }

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
          const std::string mine = found ? reductions_scoring(reductions_, id) : std::string();
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
  rapidjson::Document reductions_;
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
