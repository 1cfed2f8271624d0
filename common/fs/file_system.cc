#include "common/fs/file_system.h"

namespace curve::fs {

Status ReadExactly(const File& file, uint64_t offset, size_t n, char* buf) {
  CURVE_ASSIGN_OR_RETURN(size_t got, file.Read(offset, n, buf));
  if (got != n) {
    return OutOfRangeError("read " + file.path() + ": file ends before offset " +
                           std::to_string(offset + n));
  }
  return Status::Ok();
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

}  // namespace curve::fs
