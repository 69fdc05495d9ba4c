#include "session_lines.hpp"

#include "normalize.hpp"

#include <libstream/document.hpp>
#include <rapidjson/error/en.h>

namespace tracemill::normalize {

struct SessionLines::Slot {
  // A line's values go first into the slot's own buffer, which every parse starts again from
  // the top (pool.Clear() keeps it and frees only the chunks a larger line needed): a slot
  // touches only the memory its largest line needs, and most lines cost no malloc at all.
  // (Values written after the previous line's instead walked each slot through a whole 64 KiB
  // chunk: a run touched 64 KiB per line of its longest session.)
  static constexpr size_t kBufferSize = size_t{16} << 10;
  uint64_t number = 0, offset = 0, full_size = 0;
  std::string text;                   // the line as read, for rejects and byte-for-byte copies
  std::string decoded;                // a copy parsed in situ: the document's strings live here
  std::unique_ptr<char[]> buffer{new char[kBufferSize]};
  rapidjson::MemoryPoolAllocator<> pool{buffer.get(), kBufferSize};
  rapidjson::Document document{&pool};
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
  slot.pool.Clear();
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
