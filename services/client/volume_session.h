#pragma once

// VolumeSession: the MDS session of an open volume and the volume sequence its writes carry.
//
// Open takes the session (OpenFile); a thread refreshes it periodically (by default every third
// of the lease the MDS grants); Close ends it. Each refresh reports the sequence the client writes
// with (WriteSequence::reportable) and switches to the volume's sequence the MDS answers, raised by
// snapshots. The moment the last write with an older sequence completes, the new one is reported
// without waiting for the period, so a pending snapshot becomes READY within one refresh
// interval of being taken (plus the time its older writes take). Thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "common/result.h"
#include "proto/mds/namespace.pb.h"
#include "services/client/write_sequence.h"

namespace curve::mds {
class MdsClient;
}  // namespace curve::mds

namespace curve::client {

class VolumeSession {
 public:
  // `mds` must outlive the session. `refresh`: the refresh period; 0: a third of the lease.
  VolumeSession(mds::MdsClient* mds, std::string user, std::string path,
                std::chrono::milliseconds refresh);
  ~VolumeSession();  // Close

  // Opens the volume as `client`; returns the file as opened (its sequence is the one writes
  // start with). Starts the refresher.
  Result<mds::FileInfo> Open(const std::string& client);
  // Stops the refresher and ends the session. Idempotent.
  Status Close();

  // Writes: Begin when one is issued (the sequence it carries), Renew before each retry (the
  // sequence it carries from now on), End when it completed.
  uint64_t Begin() { return sequence_.Begin(); }
  uint64_t Renew(uint64_t sequence);
  void End(uint64_t sequence);
  // The sequence new writes carry.
  uint64_t sequence() const { return sequence_.current(); }

  // One refresh now, serialized with the periodic ones (a chunk refused a write as older than
  // its own sequence: the volume's was raised).
  Status Refresh();

 private:
  void RefreshLoop();
  void RequestReport();

  mds::MdsClient* const mds_;
  const std::string user_;
  const std::string path_;
  std::string session_id_;             // set by Open
  std::chrono::milliseconds refresh_;  // set by Open when 0
  WriteSequence sequence_{1};
  std::mutex refresh_mu_;  // one refresh at a time
  std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false;      // guarded by mu_
  bool report_now_ = false;  // a newer sequence became reportable; guarded by mu_
  std::thread refresher_;
};

}  // namespace curve::client
