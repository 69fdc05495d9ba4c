#include "session_lines.hpp"

#include "normalize.hpp"

#include <libstream/document.hpp>
#include <rapidjson/error/en.h>

namespace tracemill::normalize {

struct SessionLines::Slot {
  uint64_t number = 0, offset = 0, full_size = 0;
  std::string text;                   // the line as read, for rejects and byte-for-byte copies
  std::string decoded;                // a copy parsed in situ: the document's strings live here
  rapidjson::Document document;
};

SessionLines::SessionLines() = default;
SessionLines::~SessionLines() = default;

const rapidjson::Value* SessionLines::parse(const libstream::RawRecord& record, libstream::JsonError& error) {
  if (slots_.size() <= kept_) slots_.push_back(std::make_unique<Slot>());
  Slot& slot = *slots_[kept_];
  slot.number = record.line;
  slot.offset = record.offset;
  slot.full_size = record.full_size;
  slot.text.assign(record.data, record.size);
  slot.document.SetNull();
  // The slot's pool keeps its chunk while one chunk holds it: this line's values are written
  // after the last line's (no longer used), so most lines cost no malloc and free of a chunk.
  // Once it has grown past one chunk it is emptied, so a slot holds about one line's worth.
  rapidjson::MemoryPoolAllocator<>& pool = slot.document.GetAllocator();
  constexpr size_t kOneChunk = 64 * 1024;  // rapidjson's default chunk capacity
  if (pool.Capacity() > kOneChunk) pool.Clear();
  slot.decoded.assign(record.data, record.size);
  // libstream's rules (exact numbers, depth limit, no NUL byte), as every other record is parsed.
  if (!libstream::parse_json_in_place(slot.decoded, slot.document, &error)) return nullptr;
  return &slot.document;
}

const rapidjson::Value& SessionLines::last() const { return slots_[kept_]->document; }

bool SessionLines::continues(const std::string& file) const {
  if (dialect_ == nullptr || file != file_ || !dialect_->lines->belongs(last())) return false;
  const std::string key = dialect_->lines->session_key(last());
  if (key == kStartsSession) return false;
  if (key_.empty()) return true;
  if (key.empty() || key == key_) return true;
  return dialect_->lines->adopts != nullptr && kept_ > 0 && dialect_->lines->adopts(slots_[kept_ - 1]->document, last());
}

void SessionLines::keep() {
  if (key_.empty()) key_ = dialect_->lines->session_key(last());
  ++kept_;
}

void SessionLines::start(const DialectSpec* dialect, const std::string& file) {
  dialect_ = dialect;
  file_ = file;
  key_.clear();
  keep();
}

void SessionLines::flush(Normalizer& normalizer, libstream::ToolContext& context, std::string& out) {
  if (dialect_ == nullptr) return;
  std::vector<SessionLine> lines;
  lines.reserve(kept_);
  for (size_t i = 0; i < kept_; ++i) lines.push_back(SessionLine{&slots_[i]->document, slots_[i]->number, slots_[i]->text, slots_[i]->decoded.data()});
  const std::string where = file_ + ":" + std::to_string(slots_[0]->number);
  try {
    normalizer.normalize_session(*dialect_, lines, file_, out,
                                 [&](const std::string& message) { context.warning(where, message); });
    context.write_line(out);
    context.counters().written += kept_ - 1;  // every line was written, inside its session
  } catch (const MappingError& e) {
    for (size_t i = 0; i < kept_; ++i) {
      const Slot& slot = *slots_[i];
      context.reject(file_, slot.number, slot.offset, e.reason, slot.text, slot.full_size);
    }
  }
  // The line parsed last (not part of this session) moves to the first slot.
  if (kept_ < slots_.size()) std::swap(slots_[0], slots_[kept_]);
  kept_ = 0;
  dialect_ = nullptr;
  key_.clear();
}

}  // namespace tracemill::normalize
