#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "services/snapshotclone/snapshotclone_options.h"

namespace curve::snapshotclone {

// The composition root of curve-snapshotclone: etcd client and task store, the cluster source
// (MDS, chunkservers, libcurve), the S3 store, the workers and their scheduler, the HTTP API,
// /metrics and leader election. Every replica serves the HTTP API (reading and writing etcd);
// only the elected leader runs the workers, resuming unfinished tasks when it takes over.
// Stop() or destruction shuts everything down.
class SnapshotCloneServer {
 public:
  static Result<std::unique_ptr<SnapshotCloneServer>> Start(const SnapshotCloneOptions& options);
  ~SnapshotCloneServer();

  const std::string& address() const;
  int metrics_port() const;
  bool leading() const;
  // Waits for SIGTERM/SIGINT (blocked beforehand), then shuts down. Returns the signal.
  int RunUntilSignal();
  void Stop();

 private:
  struct Impl;
  explicit SnapshotCloneServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace curve::snapshotclone
