#pragma once

#include <memory>
#include <string>
#include <vector>

#include "csi/node/attacher.h"
#include "services/attach/attacher.h"

namespace curve::csi {

struct CurveAttacherOptions {
  std::vector<std::string> mds;     // MDS addresses the attach daemons open volumes through
  std::string volume_dir = "/k8s";  // the MDS directory holding the driver's volumes
  std::string runtime_dir = "/run/curve/attach";  // shared with `curve map` / `curve list-mapped`
  std::string attachd_path;                       // empty: curve-attachd beside this binary
  // Cgroup directories the daemons join (attach::PrepareCgroups); empty: the caller's cgroups.
  std::vector<std::string> cgroups;
};

// The production Attacher: a CSI volume is mapped as a block device by services/attach (one
// detached curve-attachd per volume serving it from CurveBS through libcurve, as a FUSE file
// behind a loop device). The mapping is named by the CSI volume id; its backend is the spec
// "curve:<volume_dir>/<file name>?user=<user>&mds=<addresses>". The daemons run in their own
// session and outlive the node plugin (and its container with options.cgroups); Attach of a volume
// whose daemon died maps it again. Thread-safe (services/attach serializes per volume across
// processes).
class CurveAttacher : public Attacher {
 public:
  // Uses a FuseLoopAttacher built from `options`.
  explicit CurveAttacher(CurveAttacherOptions options);
  // Uses `attacher` (tests may pass any attach::Attacher).
  CurveAttacher(CurveAttacherOptions options, std::unique_ptr<attach::Attacher> attacher);

  Result<std::string> Attach(const AttachRequest& request) override;
  Status Detach(const std::string& volume_id) override;
  // Mappings whose name is a CSI volume id (mappings made by `curve map` are left out).
  Result<std::map<std::string, std::string>> ListAttached() override;
  // Makes the daemon re-read the volume size and the loop device take it; FAILED_PRECONDITION
  // when the volume is still smaller than `size_bytes` (not expanded by the controller).
  Result<int64_t> Refresh(const std::string& volume_id, int64_t size_bytes) override;
  // UNAVAILABLE naming the cause when the daemon is dead or the loop device lost its file.
  Status Check(const std::string& volume_id) override;

  // Moves every running daemon into options.cgroups (those started before the option was set or
  // by another plugin); returns how many were moved, logging failures.
  int AdoptDaemons();

  // The backend spec a volume is mapped with.
  std::string SpecOf(const AttachRequest& request) const;

 private:
  const CurveAttacherOptions options_;
  std::unique_ptr<attach::Attacher> attacher_;
};

}  // namespace curve::csi
