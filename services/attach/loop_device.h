#pragma once

// Loop devices over a file, through the kernel's loop ioctls (no losetup binary needed).
// All functions are thread-safe; they only touch the devices they are given.

#include <cstdint>
#include <string>

#include "common/result.h"

namespace curve::attach {

struct LoopAttachment {
  std::string device;      // "/dev/loop3"
  bool direct_io = false;  // whether the kernel accepted direct IO to the backing file
};

// Binds a free loop device to `file` (LOOP_CONFIGURE) with the given logical block size, asking
// for direct IO (the backing file opened O_DIRECT and LO_FLAGS_DIRECT_IO) when `direct_io` is set;
// falls back to buffered IO when the kernel refuses and says so in the result.
Result<LoopAttachment> AttachLoop(const std::string& file, uint32_t block_size, bool direct_io);

// Unbinds `device` (LOOP_CLR_FD) and waits until the kernel has released the backing file. OK when
// it was not bound; NOT_FOUND when no such device exists. With `wait` false it returns at once: a
// device still in use (e.g. mounted) is then released by the kernel when its last user closes it.
Status DetachLoop(const std::string& device, bool wait = true);

// The backing file of `device` as the kernel reports it; NOT_FOUND when the device is unbound.
Result<std::string> LoopBackingFile(const std::string& device);

// Makes `device` re-read its backing file's size (LOOP_SET_CAPACITY) and returns the device's
// size in bytes afterwards.
Result<uint64_t> RefreshLoopCapacity(const std::string& device);

// Whether the device is open exclusively elsewhere (mounted, or held by another O_EXCL opener).
bool LoopDeviceBusy(const std::string& device);

}  // namespace curve::attach
