// append_json_value: a rapidjson value as compact JSON, byte for byte what rapidjson's Writer
// writes, built in one per-thread buffer (json.hpp says what and why).
#include <libstream/json.hpp>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace libstream {

namespace {

// Where append_json_value writes a value's text before one append to the caller's string:
// kept per thread, written through a pointer. The walk produces pieces of a few bytes
// (quotes, colons, commas, the runs between escapes), and std::string::append, an out-of-line
// call with its checks per piece, was a tenth of trace-normalize on the eval formats.
class JsonBuffer {
 public:
  void clear() noexcept { size_ = 0; }
  [[nodiscard]] std::string_view view() const noexcept { return {data_.get(), size_}; }
  // A buffer that once held a huge value gives its memory back: memory stays flat.
  void trim() {
    if (capacity_ > kKeep) *this = JsonBuffer();
  }

  void append(const char* bytes, size_t size) {
    reserve(size);
    std::memcpy(data_.get() + size_, bytes, size);
    size_ += size;
  }
  void append(char c) {
    reserve(1);
    data_[size_++] = c;
  }

  // `text` as rapidjson's Writer writes a string: \" \\ \b \f \n \r \t, other bytes below
  // 0x20 as \u00XX (upper-case hex), every other byte as it is; quotes included.
  void append_string(const char* p, size_t n) {
    append('"');
    const char* const end = p + n;
    while (p < end) {
      // Room for a chunk's worst case (every byte six) and a 16-byte block's overrun, so the
      // loop below writes without checks; chunks keep that room small for a huge string.
      const char* const stop = end - p > kChunk ? p + kChunk : end;
      reserve(static_cast<size_t>(stop - p) * 6 + 16);
      char* d = data_.get() + size_;
      while (p < stop) {
#if defined(__SSE2__)
        // Copy 16 bytes blindly, then keep only those before the first one to escape.
        while (stop - p >= 16) {
          const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
          _mm_storeu_si128(reinterpret_cast<__m128i*>(d), x);
          const __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
                                           _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x));  // x <= 0x1F
          const auto mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
          if (mask == 0) {
            p += 16;
            d += 16;
            continue;
          }
          const auto plain = static_cast<unsigned>(__builtin_ctz(mask));
          p += plain;
          d += plain;
          break;
        }
        if (p == stop) break;
#endif
        // Short strings (keys, most values) and tails: byte by byte, plain bytes first.
        const auto c = static_cast<unsigned char>(*p++);
        if (c >= 0x20 && c != '"' && c != '\\') {
          *d++ = static_cast<char>(c);
        } else {
          d = escape(c, d);
        }
      }
      size_ = static_cast<size_t>(d - data_.get());
    }
    append('"');
  }

 private:
  static constexpr size_t kKeep = size_t{4} << 20;
  static constexpr ptrdiff_t kChunk = 64 * 1024;

  static char* escape(unsigned char c, char* d) {
    static const char kHex[] = "0123456789ABCDEF";
    char second = 0;
    switch (c) {
      case '"': second = '"'; break;
      case '\\': second = '\\'; break;
      case '\b': second = 'b'; break;
      case '\f': second = 'f'; break;
      case '\n': second = 'n'; break;
      case '\r': second = 'r'; break;
      case '\t': second = 't'; break;
      default: {
        const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        std::memcpy(d, escaped, sizeof escaped);
        return d + sizeof escaped;
      }
    }
    d[0] = '\\';
    d[1] = second;
    return d + 2;
  }

  void reserve(size_t more) {
    if (more <= capacity_ - size_) return;
    const size_t capacity = std::max({capacity_ * 2, size_ + more, size_t{4096}});
    std::unique_ptr<char[]> data(new char[capacity]);
    if (size_ > 0) std::memcpy(data.get(), data_.get(), size_);
    data_ = std::move(data);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// Numbers, true, false, null: as rapidjson's Writer prints them (integers in decimal, doubles
// by its own shortest form, through the Writer itself).
bool write_scalar(const rapidjson::Value& value, JsonBuffer& out) {
  switch (value.GetType()) {
    case rapidjson::kNullType: out.append("null", 4); return true;
    case rapidjson::kFalseType: out.append("false", 5); return true;
    case rapidjson::kTrueType: out.append("true", 4); return true;
    default: break;
  }
  if (!value.IsDouble() && (value.IsInt64() || value.IsUint64())) {
    char digits[24];
    const auto printed = value.IsInt64() ? std::to_chars(digits, digits + sizeof digits, value.GetInt64())
                                         : std::to_chars(digits, digits + sizeof digits, value.GetUint64());
    out.append(digits, static_cast<size_t>(printed.ptr - digits));
    return true;
  }
  thread_local rapidjson::StringBuffer buffer;  // one for every call: a number costs no allocation
  buffer.Clear();
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  if (!value.Accept(writer)) return false;
  out.append(buffer.GetString(), buffer.GetSize());
  return true;
}

// Writes the compact JSON text of `root` into `out`; false on a NaN. Iterative, with the open
// containers on a heap stack: a value nested 100,000 deep (built by a caller, since the
// parsers refuse such nesting) cannot overflow the stack.
bool write_json_value(const rapidjson::Value& root, JsonBuffer& out) {
  struct Open {
    const rapidjson::Value* container;
    rapidjson::SizeType next;  // index of the next member or element to write
  };
  // Kept across calls (cleared here): most values written are objects, and a fresh stack
  // cost a malloc and free each. Nothing called here writes a value, so no call nests.
  thread_local std::vector<Open> open;
  open.clear();
  const auto key = [&out](const rapidjson::Value& name) {
    out.append_string(name.GetString(), name.GetStringLength());
    out.append(':');
  };
  const rapidjson::Value* value = &root;
  for (;;) {
    // Write `value`, or open it and go down to its first member or element.
    switch (value->GetType()) {
      case rapidjson::kStringType:
        out.append_string(value->GetString(), value->GetStringLength());
        break;
      case rapidjson::kObjectType:
        if (value->MemberCount() > 0) {
          out.append('{');
          open.push_back({value, 1});
          const auto& member = *value->MemberBegin();
          key(member.name);
          value = &member.value;
          continue;
        }
        out.append("{}", 2);
        break;
      case rapidjson::kArrayType:
        if (value->Size() > 0) {
          out.append('[');
          open.push_back({value, 1});
          value = &(*value)[0];
          continue;
        }
        out.append("[]", 2);
        break;
      default:
        if (!write_scalar(*value, out)) return false;
    }
    // Then close what is finished, or move to the next member or element.
    for (;;) {
      if (open.empty()) return true;
      Open& top = open.back();
      if (top.container->IsObject()) {
        if (top.next < top.container->MemberCount()) {
          const auto& member = *(top.container->MemberBegin() + top.next++);
          out.append(',');
          key(member.name);
          value = &member.value;
          break;
        }
        out.append('}');
      } else {
        if (top.next < top.container->Size()) {
          out.append(',');
          value = &(*top.container)[top.next++];
          break;
        }
        out.append(']');
      }
      open.pop_back();
    }
  }
}

}  // namespace

bool append_json_value(std::string& out, const rapidjson::Value& root) {
  thread_local JsonBuffer buffer;
  buffer.clear();
  const bool written = write_json_value(root, buffer);
  if (written) out.append(buffer.view());
  buffer.trim();
  return written;
}

}  // namespace libstream
