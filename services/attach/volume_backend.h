#pragma once

// VolumeBackend: the block storage behind an attached volume. FileVolumeBackend (a local file)
// serves tests and development; libcurve implements it for Curve volumes.
//
// Contract: Read and Write take any offset and length inside [0, Size()); a range beyond the end
// is OUT_OF_RANGE. Write data is durable once a later Flush returns OK. Implementations must be
// thread-safe: the FUSE server calls them from several threads at once.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"

namespace curve::attach {

class VolumeBackend {
 public:
  virtual ~VolumeBackend() = default;

  // The volume size in bytes; changes only through Refresh.
  virtual uint64_t Size() const = 0;

  // Re-reads the size from where the volume lives (after it was grown) and returns it; Size()
  // answers the new size afterwards. A volume never shrinks while attached. The default: the
  // size is fixed.
  virtual Result<uint64_t> Refresh() { return Size(); }

  // Reads exactly `length` bytes at `offset` into `out`.
  virtual Status Read(uint64_t offset, size_t length, char* out) = 0;

  // Writes `length` bytes from `data` at `offset`.
  virtual Status Write(uint64_t offset, size_t length, const char* data) = 0;

  // Makes every completed Write durable.
  virtual Status Flush() = 0;

  // "file:/path" (or later "curve:/volume"), for logs and the state record.
  virtual std::string Describe() const = 0;
};

// Opens the backend named by `spec`: "file:/abs/path" opens a FileVolumeBackend; a registered
// scheme ("curve:...") calls its factory with the whole spec. INVALID_ARGUMENT names the accepted
// forms for anything else.
Result<std::unique_ptr<VolumeBackend>> OpenVolumeBackend(const std::string& spec);

// Makes OpenVolumeBackend open specs starting with "<scheme>:" through `factory` (e.g. libcurve
// registers "curve" in binaries that link it). Call before any Open; not thread-safe with it.
using VolumeBackendFactory =
    std::function<Result<std::unique_ptr<VolumeBackend>>(const std::string& spec)>;
void RegisterVolumeBackendScheme(const std::string& scheme, VolumeBackendFactory factory);

}  // namespace curve::attach
