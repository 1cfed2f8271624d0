#pragma once

// LocalCluster: a whole CurveBS cluster on loopback for tests, benchmarks and the playground:
// one etcd, 3 curve-mds, and N curve-chunkservers spread over 3 zones (zone z's server is host
// 127.0.0.<z+1>, so each zone is its own "machine"), each on its own formatted data dir under a
// temp dir and on free ports. Start() applies the topology (1+ poolsets) and returns once the
// MDS health summary says healthy (every chunkserver online, every copyset with a leader).
// The destructor kills everything and removes the dirs.
//
// Chunk and segment sizes are small by default (1 MiB / 8 MiB) so tests cross boundaries cheaply;
// the bench uses the product defaults.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/testing/etcd_process.h"
#include "common/testing/subprocess.h"
#include "proto/mds/topology.pb.h"

namespace curve::mds::testing {
class MdsProcess;
}  // namespace curve::mds::testing

namespace curve::testing {

struct LocalClusterOptions {
  std::string bin_dir;  // where curve-mds and curve-chunkserver are; empty: beside this binary
  int chunkservers = 3;
  std::vector<std::string> poolsets{"ssd"};  // each gets 3 zones of chunkservers / poolsets
  int copysets_per_chunkserver = 4;
  uint64_t chunk_size = 1 << 20;
  uint64_t segment_size = 8 << 20;
  uint64_t chunks_per_disk = 96;  // pre-allocated chunk files per chunkserver
  bool raft_sync = true;
  std::chrono::milliseconds heartbeat{300};
  std::chrono::milliseconds offline_timeout{3000};
  std::chrono::milliseconds replace_after{1000000};  // scheduler replacement of dead members
  int max_concurrent_changes = 4;                    // scheduler membership changes in flight
  std::string base_dir;                              // empty: a fresh temp dir removed at the end
  bool keep_dir = false;
  // The chunkservers' raft clock. Tests default to a fast one (50 ms ticks, elections after
  // 20-40 ticks); the chunkserver's own defaults are 100 ms and 10 (ChunkServerOptions).
  std::chrono::milliseconds raft_tick{50};
  int election_tick = 20;
  // More curve-chunkserver flags ("--key=value"), e.g. for benchmarks comparing settings.
  std::vector<std::string> chunkserver_flags;
};

class LocalCluster {
 public:
  static Result<std::unique_ptr<LocalCluster>> Start(const LocalClusterOptions& options);
  ~LocalCluster();

  // "a:1,b:2,c:3".
  std::string mds_addresses() const;
  std::vector<std::string> mds_list() const { return mds_addresses_; }
  const std::string& dir() const { return dir_; }
  int chunkserver_count() const { return static_cast<int>(chunkservers_.size()); }
  // The chunkserver's address (host:port) and id.
  const std::string& chunkserver_address(int i) const { return chunkservers_[i].address; }
  uint32_t chunkserver_id(int i) const { return chunkservers_[i].id; }
  const std::string& chunkserver_data_dir(int i) const { return chunkservers_[i].data_dir; }
  // The chunkserver's process id; -1 while it is killed.
  pid_t chunkserver_pid(int i) const;
  // Files in the chunkserver's chunk file pool (clean or dirty): chunks not in use.
  size_t PoolFileCount(int i) const;
  // The chunks in the chunkserver's data dir (chunk id -> contents), read from its files
  // offline: stop the chunkserver first or accept a view racing its writes.
  Result<std::map<uint64_t, std::string>> ReadChunkFiles(int i) const;
  int IndexOf(const std::string& address) const;

  // Formats and starts one more chunkserver of the first poolset in `zone` (on that zone's
  // server); returns its index.
  Result<int> AddChunkServer(int zone);
  // kill -9 / restart on the same dir and port.
  void KillChunkServer(int i);
  Status RestartChunkServer(int i);

  // Creates a volume through the MDS.
  Status CreateVolume(const std::string& user, const std::string& path, uint64_t size,
                      const std::string& poolset = "");
  // Deletes a volume through the MDS: into the recycle bin, or purged at once.
  Status DeleteVolume(const std::string& user, const std::string& path, bool purge);
  // Purges the volume deleted from `path` out of the recycle bin.
  Status PurgeRecycled(const std::string& user, const std::string& path);
  // Waits until the MDS reports the cluster healthy.
  Status WaitHealthy(std::chrono::milliseconds timeout);
  // The MDS's topology (chunkserver states from heartbeats) and health summary.
  Result<mds::Topology> GetTopology() const;
  Result<mds::GetClusterHealthResponse> GetHealth() const;

 private:
  struct ChunkServerProcess {
    std::string data_dir;
    std::string address;
    std::string poolset;
    uint32_t id = 0;
    std::unique_ptr<Subprocess> process;
  };

  explicit LocalCluster(LocalClusterOptions options);
  Status Init();
  // Adds a formatted data dir for a chunkserver of poolset `group % poolsets` in `zone`.
  Status FormatChunkServer(int zone, size_t group);
  Status LaunchChunkServer(int i);
  Status ApplyTopology();

  const LocalClusterOptions options_;
  std::unique_ptr<TempDir> temp_;
  std::string dir_;
  std::string bin_dir_;
  std::unique_ptr<EtcdProcess> etcd_;
  std::vector<std::unique_ptr<mds::testing::MdsProcess>> mds_;
  std::vector<std::string> mds_addresses_;
  std::vector<ChunkServerProcess> chunkservers_;
};

}  // namespace curve::testing
