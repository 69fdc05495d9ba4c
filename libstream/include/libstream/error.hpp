// Errors of libstream. Fatal conditions throw libstream::Error; problems with one record are
// values (RecordError) so a tool can reject the record and go on. The library never prints.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace libstream {

enum class ErrorKind {
  io,          ///< a system call failed (open, read, write, rename)
  broken_pipe, ///< the reader of our output went away (EPIPE): end quietly
  compression, ///< a zstd or gzip stream is corrupt or truncated
  data,        ///< the input is not what the tool can read (e.g. a Git LFS pointer)
  usage,       ///< the caller asked for something impossible (e.g. zstd to a terminal)
};

/// A fatal error. `where()` is "FILE" or "FILE:LINE" (empty when there is no file);
/// `what()` is the message without the location, so the CLI layer can format it once.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string where, const std::string& message)
      : std::runtime_error(message), kind_(kind), where_(std::move(where)) {}
  [[nodiscard]] ErrorKind kind() const noexcept { return kind_; }
  [[nodiscard]] const std::string& where() const noexcept { return where_; }

 private:
  ErrorKind kind_;
  std::string where_;
};

/// Throws an io Error whose message is `what` followed by strerror(errnum).
[[noreturn]] void throw_system_error(const std::string& where, const std::string& what, int errnum);

}  // namespace libstream
