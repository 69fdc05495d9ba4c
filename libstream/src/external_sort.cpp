#include <libstream/document.hpp>
#include <libstream/error.hpp>
#include <libstream/external_sort.hpp>
#include <libstream/record_reader.hpp>
#include <libstream/sink.hpp>
#include <libstream/source.hpp>
#include <libstream/stream_buffer.hpp>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <queue>

namespace libstream {
namespace {

constexpr size_t kItemOverhead = sizeof(uint64_t) + sizeof(std::string) + 16;
constexpr char kHex[] = "0123456789abcdef";

// A run line is the key as 16 hex digits, a space, then the record.
uint64_t key_of(std::string_view line) {
  uint64_t key = 0;
  for (size_t i = 0; i < 16 && i < line.size(); ++i) {
    const char c = line[i];
    key = (key << 4) | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return key;
}

// Doubles as unsigned integers in ascending order: negative ones have every bit flipped,
// others their sign bit set.
uint64_t ascending_bits(double score) {
  if (score == 0) score = 0;  // -0.0 and 0.0 are one score
  uint64_t bits = 0;
  std::memcpy(&bits, &score, sizeof bits);
  return (bits >> 63) != 0 ? ~bits : bits | (uint64_t{1} << 63);
}

}  // namespace

std::string descending_score_key(double score) {
  const uint64_t key = ~ascending_bits(score);
  std::string text(16, '0');
  for (size_t i = 0; i < 16; ++i) text[15 - i] = kHex[(key >> (4 * i)) & 0xF];
  return text;
}

double score_of_descending_key(std::string_view hex) {
  const uint64_t ascending = ~key_of(hex);
  const uint64_t bits = (ascending >> 63) != 0 ? ascending & ~(uint64_t{1} << 63) : ~ascending;
  double score = 0;
  std::memcpy(&score, &bits, sizeof score);
  return score;
}

bool group_key(const rapidjson::Value& root, const std::vector<std::string>& paths, std::string& out) {
  out.assign("[");
  for (size_t k = 0; k < paths.size(); ++k) {
    const rapidjson::Value* value = find_path(root, paths[k]);
    if (value == nullptr || value->IsNull()) return false;
    if (k > 0) out += ',';
    static_cast<void>(append_json_value(out, *value));  // false only on NaN, which no parsed record holds
  }
  out += ']';
  return true;
}

ExternalSorter::ExternalSorter(size_t memory_budget) : budget_(memory_budget) {}

ExternalSorter::~ExternalSorter() {
  for (const int fd : runs_) ::close(fd);
}

void ExternalSorter::add(uint64_t key, std::string_view record) {
  items_.push_back({key, std::string(record)});
  held_ += record.size() + kItemOverhead;
  if (held_ > budget_) spill();
}

void ExternalSorter::spill() {
  std::sort(items_.begin(), items_.end(),
            [](const Item& a, const Item& b) { return a.key != b.key ? a.key < b.key : a.record < b.record; });
  const char* dir = std::getenv("TMPDIR");
  std::string name = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/tracemill-sort-XXXXXX";
  const int fd = ::mkstemp(name.data());
  if (fd < 0) throw_system_error(name, "cannot create a temporary file for sorting", errno);
  ::unlink(name.c_str());  // gone from the folder now; the data lives until the descriptor closes
  runs_.push_back(fd);
  BufferedSink sink(std::make_unique<FdSink>(fd, name));
  char key[17];
  key[16] = ' ';
  for (const Item& item : items_) {
    for (int i = 15, shift = 0; i >= 0; --i, shift += 4) key[i] = kHex[(item.key >> shift) & 0xF];
    sink.write(key, sizeof key);
    sink.write(item.record.data(), item.record.size());
    sink.put('\n');
  }
  sink.flush();
  items_.clear();
  items_.shrink_to_fit();
  held_ = 0;
}

void ExternalSorter::finish(const std::function<bool(std::string_view)>& emit) {
  finish_keyed([&emit](uint64_t, std::string_view record) { return emit(record); });
}

void ExternalSorter::finish_keyed(const std::function<bool(uint64_t, std::string_view)>& emit) {
  if (runs_.empty()) {  // everything fit in memory
    std::sort(items_.begin(), items_.end(),
              [](const Item& a, const Item& b) { return a.key != b.key ? a.key < b.key : a.record < b.record; });
    for (const Item& item : items_) {
      if (!emit(item.key, item.record)) return;
    }
    return;
  }
  if (!items_.empty()) spill();
  struct Run {
    std::unique_ptr<FdSource> source;
    std::unique_ptr<StreamBuffer> buffer;
    std::unique_ptr<LineReader> lines;
    RawRecord line;
  };
  std::vector<Run> runs(runs_.size());
  FramingOptions framing;
  framing.max_record_size = std::max<size_t>(budget_, size_t{1} << 30);  // runs hold records we already accepted
  for (size_t r = 0; r < runs_.size(); ++r) {
    if (::lseek(runs_[r], 0, SEEK_SET) != 0) throw_system_error("<sort run>", "cannot rewind a temporary file", errno);
    runs[r].source = std::make_unique<FdSource>(runs_[r], "<sort run>", false);
    runs[r].buffer = std::make_unique<StreamBuffer>(*runs[r].source, size_t{1} << 16);
    runs[r].lines = std::make_unique<LineReader>(*runs[r].buffer, framing);
  }
  // Each run's current line is copied out, so advancing one run cannot move another's bytes.
  // Their keys are parsed once: the heap compares them about log2(runs) times per line.
  std::vector<std::string> heads(runs.size());
  std::vector<uint64_t> keys(runs.size());
  const auto advance = [&](size_t r) {
    if (!runs[r].lines->next(runs[r].line)) return false;
    heads[r].assign(runs[r].line.data, runs[r].line.size);
    keys[r] = key_of(heads[r]);
    return true;
  };
  const auto later = [&](size_t a, size_t b) {
    if (keys[a] != keys[b]) return keys[a] > keys[b];
    return heads[a].compare(17, std::string::npos, heads[b], 17, std::string::npos) > 0;
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> queue(later);
  for (size_t r = 0; r < runs.size(); ++r) {
    if (advance(r)) queue.push(r);
  }
  while (!queue.empty()) {
    const size_t r = queue.top();
    queue.pop();
    if (!emit(keys[r], std::string_view(heads[r]).substr(17))) return;
    if (advance(r)) queue.push(r);
  }
}

FixedRecordFile::FixedRecordFile(size_t record_size) : size_(record_size) {
  const char* dir = std::getenv("TMPDIR");
  std::string name = std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/tracemill-records-XXXXXX";
  fd_ = ::mkstemp(name.data());
  if (fd_ < 0) throw_system_error(name, "cannot create a temporary file", errno);
  ::unlink(name.c_str());  // nothing is left behind, whatever happens to the process
}

FixedRecordFile::~FixedRecordFile() { ::close(fd_); }

void FixedRecordFile::write(uint64_t index, const void* data) {
  const auto* bytes = static_cast<const char*>(data);
  size_t done = 0;
  while (done < size_) {
    const ssize_t n = ::pwrite(fd_, bytes + done, size_ - done, static_cast<off_t>(index * size_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw_system_error("<temporary file>", "cannot write a temporary file", n < 0 ? errno : ENOSPC);
    done += static_cast<size_t>(n);
  }
}

void FixedRecordFile::read(uint64_t index, void* data) const {
  auto* bytes = static_cast<char*>(data);
  size_t done = 0;
  while (done < size_) {
    const ssize_t n = ::pread(fd_, bytes + done, size_ - done, static_cast<off_t>(index * size_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_system_error("<temporary file>", "cannot read a temporary file", errno);
    if (n == 0) {  // past the end: never written
      std::memset(bytes + done, 0, size_ - done);
      return;
    }
    done += static_cast<size_t>(n);
  }
}

}  // namespace libstream
