#pragma once

// libcurve: a CurveBS volume opened by a client.
//
//   VolumeOptions options;
//   options.mds_addresses = {"10.0.0.1:6700", ...};
//   auto volume = Volume::Open(options, "alice", "/vol1");
//   (*volume)->Write(0, data.size(), data.data());
//   (*volume)->AsyncRead(4096, 4096, buffer, [](Status s) { ... });
//
// Open takes an MDS session (a second writer is refused by the MDS) and keeps it refreshed.
// IO is split at chunk boundaries and at `max_rpc_bytes`; each piece goes to the leader of the
// chunk's copyset (chunk → copyset from the MDS segment, allocated on first write; copyset →
// members from the MDS topology; the leader cached, learned from redirects). A write piece whose
// segment and leader are known goes out at once on gRPC's callback API in a WriteChunks call;
// while two such calls to a chunkserver are in flight, later pieces for it queue and leave
// together in the next (each still answered on its own). Other pieces, and any piece that failed
// so, run in parallel on `io_threads`, retried with backoff on another member,
// following redirects, until `io_timeout`. A range never written reads as zeros.
//
// Snapshots: every write carries the volume's sequence (from Open). Each session refresh (every
// `session_refresh`, default lease/3) reports the sequence the client writes with and learns the
// volume's; after a snapshot raised it, new writes carry the new one, and the client reports it
// once every write with the older one completed (at once, not at the next period), which makes the
// snapshot READY. A write a chunk refuses as older than the chunk's sequence refreshes at once and
// is retried.
//
// Errors: INVALID_ARGUMENT for misaligned IO (writes: 4096 bytes, reads: 512), OUT_OF_RANGE
// beyond the volume size, NOT_FOUND for an unknown volume, DATA_LOSS for a damaged chunk,
// RESOURCE_EXHAUSTED for a full pool or disk, UNAVAILABLE / DEADLINE_EXCEEDED when no leader
// answered in time. Every message names the volume.
//
// Thread-safety: all methods are thread-safe.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace curve::client {

struct VolumeOptions {
  std::vector<std::string> mds_addresses;
  std::string client_name = "libcurve";
  uint32_t max_rpc_bytes = 1 << 20;
  int io_threads = 32;
  std::chrono::milliseconds rpc_timeout{3000};
  std::chrono::milliseconds io_timeout{60000};  // one piece gives up after this
  // How often the MDS session is refreshed (and a raised volume sequence learned); 0: a third
  // of the lease the MDS grants. Longer than the lease loses the session.
  std::chrono::milliseconds session_refresh{0};
};

struct VolumeInfo {
  std::string path;
  std::string user;
  uint64_t id = 0;
  uint64_t size = 0;
  uint64_t chunk_size = 0;
  uint64_t segment_size = 0;
  uint32_t block_size = 4096;
};

using IoCallback = std::function<void(Status)>;

// Counters since Open, for tests and benchmarks.
struct VolumeStats {
  uint64_t direct_writes = 0;  // write pieces sent straight to a known leader
  uint64_t write_calls = 0;    // WriteChunks calls that carried them (fewer under load)
};

class Volume {
 public:
  static Result<std::unique_ptr<Volume>> Open(const VolumeOptions& options, const std::string& user,
                                              const std::string& path);
  ~Volume();  // Close

  // The volume as opened; info().size stays the size at Open (see size()).
  const VolumeInfo& info() const;
  // The size IO is checked against: the size at Open, raised by RefreshSize. Thread-safe.
  uint64_t size() const;
  // Re-reads the file's size from the MDS (StatFile) after it was extended; IO up to the new
  // size is served afterwards. A volume never shrinks. Returns size(). Thread-safe.
  Result<uint64_t> RefreshSize();

  Status Read(uint64_t offset, size_t length, char* out);
  Status Write(uint64_t offset, size_t length, const char* data);
  // The same, completing through `done` on an IO thread or a gRPC completion thread (keep it
  // short); buffers must live until then.
  void AsyncRead(uint64_t offset, size_t length, char* out, IoCallback done);
  void AsyncWrite(uint64_t offset, size_t length, const char* data, IoCallback done);
  // Writes are durable when acknowledged (replicated through the raft log), so Flush only waits
  // for nothing; kept for the block-device contract.
  Status Flush() { return Status::Ok(); }

  VolumeStats stats() const;
  // The volume sequence new writes carry. Thread-safe.
  uint64_t sequence() const;

  // Ends the session. Idempotent.
  Status Close();

  class Impl;

 private:
  explicit Volume(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace curve::client
