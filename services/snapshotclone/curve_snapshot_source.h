#pragma once

// CurveSnapshotSource: VolumeSnapshotSource over a real cluster: the MDS namespace service
// (through MdsClient: leader failover), chunk snapshot RPCs at copyset leaders (through
// ChunkRouter: redirects, retries) and libcurve volumes for writes. Thread-safe.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "services/snapshotclone/volume_snapshot_source.h"

namespace curve::mds {
class MdsClient;
}  // namespace curve::mds
namespace curve::client {
class ChunkRouter;
}  // namespace curve::client

namespace curve::snapshotclone {

struct CurveSourceOptions {
  std::vector<std::string> mds_addresses;
  std::chrono::milliseconds rpc_timeout{std::chrono::seconds(3)};
  // One chunk RPC (with its retries across members and redirects) gives up after this.
  std::chrono::milliseconds chunk_timeout{std::chrono::seconds(60)};
  std::string client_name = "curve-snapshotclone";
};

class CurveSnapshotSource : public VolumeSnapshotSource {
 public:
  static Result<std::unique_ptr<CurveSnapshotSource>> Create(CurveSourceOptions options);
  ~CurveSnapshotSource() override;

  Result<VolumeDescription> StatVolume(const std::string& user, const std::string& path) override;
  Status CreateVolume(const std::string& user, const std::string& path, uint64_t size,
                      const std::string& poolset) override;
  Status DeleteVolume(const std::string& user, const std::string& path) override;
  Result<MdsSnapshot> CreateSnapshot(const std::string& user, const std::string& path) override;
  Result<std::vector<MdsSnapshot>> ListSnapshots(const std::string& user,
                                                 const std::string& path) override;
  Status DeleteSnapshot(const std::string& user, const std::string& path,
                        uint64_t sequence) override;
  Result<std::optional<SegmentChunks>> GetSegment(const std::string& user, const std::string& path,
                                                  uint64_t offset) override;
  Result<ChunkRead> ReadChunkSnapshot(const ChunkLocation& chunk, uint64_t sequence,
                                      uint64_t offset, uint32_t length) override;
  Status DeleteChunkSnapshot(const ChunkLocation& chunk, uint64_t sequence) override;
  Result<std::unique_ptr<VolumeWriter>> OpenForWrite(const std::string& user,
                                                     const std::string& path) override;

 private:
  CurveSnapshotSource(CurveSourceOptions options, std::unique_ptr<mds::MdsClient> mds);

  const CurveSourceOptions options_;
  std::unique_ptr<mds::MdsClient> mds_;
  std::unique_ptr<client::ChunkRouter> router_;
};

}  // namespace curve::snapshotclone
