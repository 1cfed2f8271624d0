#pragma once

#include <mutex>
#include <string>

#include "csi/node/attacher.h"

namespace curve::csi {

// TEST/DEV BACKEND ONLY: stands in for `curve map` until the CurveBS attach exists. Each volume
// is a sparse file <dir>/<volume id>.img (created at the size hint) attached to a loop device
// with direct IO (`losetup --direct-io=on`). Data lives in the file, not in CurveBS, so two
// nodes never see the same data and DeleteVolume does not remove the file. Loop devices outlive
// the plugin process, like the real attach daemons, so restart safety can be tested with it.
// Thread-safe.
class LoopFileAttacher : public Attacher {
 public:
  explicit LoopFileAttacher(std::string dir);

  Result<std::string> Attach(const AttachRequest& request) override;
  Status Detach(const std::string& volume_id) override;
  Result<std::map<std::string, std::string>> ListAttached() override;
  Result<int64_t> Refresh(const std::string& volume_id, int64_t size_bytes) override;
  Status Check(const std::string& volume_id) override;

  // The backing file of a volume.
  std::string FileOf(const std::string& volume_id) const;

 private:
  // The loop device backed by `file`, or "" when none.
  Result<std::string> FindLoop(const std::string& file);

  std::string dir_;
  std::mutex mu_;
};

// Every loop device (/dev/loopN) whose backing file lies under `dir`, with that file.
std::map<std::string, std::string> LoopDevicesUnder(const std::string& dir);

}  // namespace curve::csi
