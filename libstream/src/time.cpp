#include <libstream/time.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace libstream {

namespace {

// Unix seconds are taken from 0000-01-01T00:00:00Z up to, not including, 10000-01-01: every
// instant read is one RFC 3339 can write (four-digit years), and a number far outside is a
// count of something else (milliseconds, nanoseconds) rather than a time.
constexpr int64_t kFirstMicros = int64_t{-62167219200} * 1000000;
constexpr int64_t kEndMicros = int64_t{253402300800} * 1000000;

// Howard Hinnant's days_from_civil: days since 1970-01-01 of a proleptic Gregorian date.
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool digits(std::string_view s, size_t from, size_t count, int64_t& value) {
  if (from + count > s.size()) return false;
  value = 0;
  for (size_t i = from; i < from + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    value = value * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<int64_t> parse_instant(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  if (s.size() < 10 || s[4] != '-') {  // Unix seconds
    // from_chars: decimal only (strtod would also read hex, "nan", "inf"), whatever the locale.
    double seconds = 0;
    const auto result = std::from_chars(s.data(), s.data() + s.size(), seconds);
    if (result.ec != std::errc{} || result.ptr != s.data() + s.size()) return std::nullopt;
    // Bounded before llround, which overflows past 9.22e12 s.
    if (!std::isfinite(seconds) || std::fabs(seconds) > 1e12) return std::nullopt;
    const auto micros = static_cast<int64_t>(std::llround(seconds * 1e6));
    if (micros < kFirstMicros || micros >= kEndMicros) return std::nullopt;
    return micros;
  }
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, micros = 0;
  if (!digits(s, 0, 4, year) || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' || !digits(s, 8, 2, day) ||
      month < 1 || month > 12 || day < 1 || day > 31) {
    return std::nullopt;
  }
  size_t i = 10;
  int64_t offset_minutes = 0;
  if (i < s.size()) {
    if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return std::nullopt;
    if (!digits(s, i + 1, 2, hour) || s.size() < i + 9 || s[i + 3] != ':' || !digits(s, i + 4, 2, minute) ||
        s[i + 6] != ':' || !digits(s, i + 7, 2, second) || hour > 23 || minute > 59 || second > 60) {
      return std::nullopt;
    }
    i += 9;
    if (i < s.size() && s[i] == '.') {
      ++i;
      int64_t scale = 100000;
      const size_t start = i;
      for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
        if (scale > 0) micros += (s[i] - '0') * scale;
        scale /= 10;
      }
      if (i == start) return std::nullopt;
    }
    if (i < s.size()) {
      if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == s.size()) {
        // UTC
      } else if (s[i] == '+' || s[i] == '-') {
        int64_t oh = 0, om = 0;
        const bool colon = i + 3 < s.size() && s[i + 3] == ':';
        if (!digits(s, i + 1, 2, oh) || !digits(s, i + (colon ? 4 : 3), 2, om) || i + (colon ? 6 : 5) != s.size()) {
          return std::nullopt;
        }
        offset_minutes = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
      } else {
        return std::nullopt;
      }
    }
  }
  const int64_t seconds =
      days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000000 + micros;
}


// Howard Hinnant's civil_from_days, the inverse of days_from_civil.
static void civil_from_days(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp + (mp < 10 ? 3 : -9);
  y = yoe + era * 400 + (m <= 2);
}

std::string format_instant(int64_t micros) {
  int64_t seconds = micros / 1000000;
  int64_t fraction = micros % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    --seconds;
  }
  int64_t days = seconds / 86400;
  int64_t rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  int64_t y = 0, m = 0, d = 0;
  civil_from_days(days, y, m, d);
  if (y >= 0 && y <= 9999) {
    // The common case by hand: snprintf was a tenth of converting a session whose every
    // event carries a time.
    char text[32];
    char* p = text;
    const auto two = [&p](int64_t v) {
      *p++ = static_cast<char>('0' + v / 10);
      *p++ = static_cast<char>('0' + v % 10);
    };
    two(y / 100);
    two(y % 100);
    *p++ = '-';
    two(m);
    *p++ = '-';
    two(d);
    *p++ = 'T';
    two(rest / 3600);
    *p++ = ':';
    two(rest % 3600 / 60);
    *p++ = ':';
    two(rest % 60);
    if (fraction != 0) {
      *p++ = '.';
      for (int64_t unit = 100000; unit > 0; unit /= 10) *p++ = static_cast<char>('0' + fraction / unit % 10);
    }
    *p++ = 'Z';
    return std::string(text, static_cast<size_t>(p - text));
  }
  char text[48];
  int n = std::snprintf(text, sizeof text, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", static_cast<long long>(y),
                        static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(rest / 3600),
                        static_cast<long long>(rest % 3600 / 60), static_cast<long long>(rest % 60));
  if (fraction != 0) n += std::snprintf(text + n, sizeof text - static_cast<size_t>(n), ".%06lld", static_cast<long long>(fraction));
  return std::string(text, static_cast<size_t>(n)) + "Z";
}

}  // namespace libstream
