#include <libstream/error.hpp>

#include <cerrno>
#include <cstring>

namespace libstream {

void throw_system_error(const std::string& where, const std::string& what, int errnum) {
  const ErrorKind kind = errnum == EPIPE ? ErrorKind::broken_pipe : ErrorKind::io;
  throw Error(kind, where, what + ": " + std::strerror(errnum));
}

}  // namespace libstream
