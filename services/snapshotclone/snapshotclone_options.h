#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/etcd/types.h"
#include "common/s3/object_store.h"
#include "services/snapshotclone/snapshot_worker.h"
#include "services/snapshotclone/task_runner.h"

namespace curve::snapshotclone {

// Everything curve-snapshotclone is configured with: one YAML file (--config) with dotted keys,
// as the operator writes it, plus flags overriding keys (--listen=127.0.0.1:5555). S3
// credentials come from the environment (S3_ACCESS_KEY, S3_SECRET_KEY), never from the file.
struct SnapshotCloneOptions {
  std::string listen;  // host:port of the HTTP API; empty: 0.0.0.0:<server.port>
  int port = 5555;
  int dummy_port = 8081;  // /metrics, on listen's host
  int proxy_port = 8080;  // accepted for upstream compatibility; nothing listens on it
  std::vector<std::string> mds_addresses;
  etcd::EtcdOptions etcd;
  std::string prefix = "/curve/snapshotclone/";  // etcd key prefix of all state
  std::chrono::milliseconds election_ttl{std::chrono::seconds(5)};
  s3::S3Options s3;
  WorkerOptions worker;
  RunnerOptions runner;

  // Keys: listen, server.port, server.dummy_port, server.proxy_port, mds.listen.addr (comma
  // list, required), etcd.{endpoints, requestTimeout, retryTimeout}, prefix, electionTtl,
  // s3.nos_address (required), s3.snapshot_bucket_name (required), s3.region, s3.objectPrefix,
  // snapshot.readyTimeout, worker.maxTasks, worker.scanInterval.
  Status Load(config::ConfigSource& source);
  // Reads S3_ACCESS_KEY and S3_SECRET_KEY; FAILED_PRECONDITION naming the missing variable.
  Status LoadCredentials();

  // listen's host with the port: where /metrics is served.
  std::string MetricsAddress() const;
};

}  // namespace curve::snapshotclone
