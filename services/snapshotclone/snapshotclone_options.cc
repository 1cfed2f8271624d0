#include "services/snapshotclone/snapshotclone_options.h"

#include <cstdlib>

namespace curve::snapshotclone {

Status SnapshotCloneOptions::Load(config::ConfigSource& source) {
  using std::chrono::milliseconds;
  CURVE_RETURN_IF_ERROR(source.Read("listen", &listen));
  CURVE_RETURN_IF_ERROR(source.Read("server.port", &port, 0, 65535));
  CURVE_RETURN_IF_ERROR(source.Read("server.dummy_port", &dummy_port, 0, 65535));
  CURVE_RETURN_IF_ERROR(source.Read("server.proxy_port", &proxy_port, 0, 65535));
  if (listen.empty()) listen = "0.0.0.0:" + std::to_string(port);
  if (listen.rfind(':') == std::string::npos || listen.rfind(':') + 1 == listen.size()) {
    return source.Invalid("listen", "host:port");
  }
  CURVE_RETURN_IF_ERROR(source.Read("mds.listen.addr", &mds_addresses));
  if (mds_addresses.empty()) {
    return InvalidArgumentError(
        "key mds.listen.addr is missing: expected the MDS addresses, e.g. a:6700,b:6700");
  }
  CURVE_RETURN_IF_ERROR(etcd.Load(source, "etcd"));
  CURVE_RETURN_IF_ERROR(source.Read("prefix", &prefix));
  if (prefix.empty() || prefix.back() != '/')
    return source.Invalid("prefix", "a path ending with /");
  CURVE_RETURN_IF_ERROR(
      source.Read("electionTtl", &election_ttl, milliseconds(1000), milliseconds(60000)));
  CURVE_RETURN_IF_ERROR(source.Read("s3.nos_address", &s3.endpoint));
  CURVE_RETURN_IF_ERROR(source.Read("s3.snapshot_bucket_name", &s3.bucket));
  CURVE_RETURN_IF_ERROR(source.Read("s3.region", &s3.region));
  if (s3.endpoint.empty()) {
    return InvalidArgumentError(
        "key s3.nos_address is missing: expected the S3 endpoint, e.g. http://minio:9000");
  }
  if (s3.bucket.empty()) {
    return InvalidArgumentError(
        "key s3.snapshot_bucket_name is missing: expected the bucket snapshots are stored in");
  }
  CURVE_RETURN_IF_ERROR(source.Read("s3.objectPrefix", &worker.object_prefix));
  if (worker.object_prefix.empty() || worker.object_prefix.back() == '/') {
    return source.Invalid("s3.objectPrefix", "a non-empty key prefix without a trailing /");
  }
  CURVE_RETURN_IF_ERROR(source.Read("snapshot.readyTimeout", &worker.ready_timeout,
                                    milliseconds(100), std::chrono::hours(24)));
  CURVE_RETURN_IF_ERROR(source.Read("worker.maxTasks", &runner.max_tasks, 1, 64));
  CURVE_RETURN_IF_ERROR(source.Read("worker.scanInterval", &runner.scan_interval, milliseconds(10),
                                    milliseconds(60000)));
  return Status::Ok();
}

Status SnapshotCloneOptions::LoadCredentials() {
  const char* access = std::getenv("S3_ACCESS_KEY");
  const char* secret = std::getenv("S3_SECRET_KEY");
  if (access == nullptr || *access == '\0') {
    return FailedPreconditionError(
        "environment variable S3_ACCESS_KEY is not set: expected the "
        "S3 access key");
  }
  if (secret == nullptr || *secret == '\0') {
    return FailedPreconditionError(
        "environment variable S3_SECRET_KEY is not set: expected the "
        "S3 secret key");
  }
  s3.access_key = access;
  s3.secret_key = secret;
  return Status::Ok();
}

std::string SnapshotCloneOptions::MetricsAddress() const {
  return listen.substr(0, listen.rfind(':')) + ":" + std::to_string(dummy_port);
}

}  // namespace curve::snapshotclone
