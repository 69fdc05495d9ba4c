// Timestamps as instants: synth-ai columns mix "2025-09-26 22:06:25.611865" (naive = UTC),
// "2025-10-22T23:55:25.533188+00:00" and Unix seconds; raw strings must never be compared.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace libstream {

/// Microseconds since 1970-01-01T00:00:00Z. Accepts YYYY-MM-DD, a 'T' or ' ' then
/// HH:MM:SS, an optional fraction (digits beyond microseconds are truncated), an optional
/// Z or +HH:MM / +HHMM offset (none means UTC), or a decimal number of Unix seconds from
/// year 0000 to 9999 (-62167219200 <= s < 253402300800: a number past it, such as a count of
/// milliseconds, is no time). nullopt when the text is none of these.
[[nodiscard]] std::optional<int64_t> parse_instant(std::string_view text);

/// RFC 3339 in UTC: "2025-09-26T22:06:25Z", with ".ffffff" when the fraction is not zero.
[[nodiscard]] std::string format_instant(int64_t micros);

}  // namespace libstream
