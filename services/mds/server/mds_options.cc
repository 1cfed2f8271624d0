#include "services/mds/server/mds_options.h"

namespace curve::mds {

Status MdsOptions::Load(config::ConfigSource& source) {
  using std::chrono::milliseconds;
  CURVE_RETURN_IF_ERROR(source.Read("listen", &listen));
  CURVE_RETURN_IF_ERROR(source.Read("advertise", &advertise));
  CURVE_RETURN_IF_ERROR(source.Read("metricsListen", &metrics_listen));
  CURVE_RETURN_IF_ERROR(source.Read("prefix", &prefix));
  CURVE_RETURN_IF_ERROR(
      source.Read("electionTtl", &election_ttl, milliseconds(1000), milliseconds(60000)));
  CURVE_RETURN_IF_ERROR(
      source.Read("tickInterval", &tick_interval, milliseconds(10), milliseconds(60000)));
  CURVE_RETURN_IF_ERROR(etcd.Load(source, "etcd"));
  CURVE_RETURN_IF_ERROR(
      source.Read("topology.offlineTimeout", &topology.offline_timeout, milliseconds(100)));
  int copysets = static_cast<int>(topology.default_copysets_per_chunkserver);
  CURVE_RETURN_IF_ERROR(source.Read("topology.copysetsPerChunkserver", &copysets, 1, 10000));
  topology.default_copysets_per_chunkserver = static_cast<uint32_t>(copysets);
  CURVE_RETURN_IF_ERROR(source.Read("topology.poolSettle", &topology.pool_settle));
  CURVE_RETURN_IF_ERROR(
      source.Read("topology.replaceAfter", &topology.scheduler.replace_after, milliseconds(100)));
  CURVE_RETURN_IF_ERROR(
      source.Read("topology.orderTimeout", &topology.scheduler.order_timeout, milliseconds(100)));
  CURVE_RETURN_IF_ERROR(source.Read("topology.maxConcurrentChanges",
                                    &topology.scheduler.max_concurrent_changes, 0, 1000));
  CURVE_RETURN_IF_ERROR(source.Read("topology.maxRebalanceChanges",
                                    &topology.scheduler.max_rebalance_changes, 0, 1000));
  CURVE_RETURN_IF_ERROR(
      source.Read("topology.copysetImbalance", &topology.scheduler.copyset_imbalance));
  if (topology.scheduler.copyset_imbalance <= 0 || topology.scheduler.copyset_imbalance >= 1) {
    return source.Invalid("topology.copysetImbalance", "a ratio in (0, 1)");
  }
  int64_t value = static_cast<int64_t>(names.min_volume_size);
  CURVE_RETURN_IF_ERROR(source.Read("namespace.minVolumeSize", &value, 1, int64_t{1} << 50));
  names.min_volume_size = static_cast<uint64_t>(value);
  value = static_cast<int64_t>(names.max_volume_size);
  CURVE_RETURN_IF_ERROR(source.Read("namespace.maxVolumeSize", &value, 1, int64_t{1} << 56));
  names.max_volume_size = static_cast<uint64_t>(value);
  value = static_cast<int64_t>(names.segment_size);
  CURVE_RETURN_IF_ERROR(source.Read("namespace.segmentSize", &value, 1 << 20, int64_t{1} << 36));
  names.segment_size = static_cast<uint64_t>(value);
  int chunk = static_cast<int>(names.chunk_size);
  CURVE_RETURN_IF_ERROR(source.Read("namespace.chunkSize", &chunk, 1 << 16, 1 << 30));
  names.chunk_size = static_cast<uint32_t>(chunk);
  CURVE_RETURN_IF_ERROR(source.Read("namespace.poolUsageLimit", &names.pool_usage_limit));
  milliseconds ttl = names.session_ttl;
  CURVE_RETURN_IF_ERROR(source.Read("namespace.sessionTtl", &ttl, milliseconds(1000)));
  names.session_ttl = std::chrono::duration_cast<std::chrono::seconds>(ttl);
  CURVE_RETURN_IF_ERROR(
      source.Read("namespace.recycleRetention", &names.recycle_retention, milliseconds(0)));
  if (names.segment_size % names.chunk_size != 0) {
    return source.Invalid("namespace.chunkSize", "a divisor of namespace.segmentSize");
  }
  if (names.pool_usage_limit <= 0 || names.pool_usage_limit > 1) {
    return source.Invalid("namespace.poolUsageLimit", "a ratio in (0, 1]");
  }
  if (names.min_volume_size > names.max_volume_size) {
    return source.Invalid("namespace.minVolumeSize", "at most namespace.maxVolumeSize");
  }
  return Status::Ok();
}

}  // namespace curve::mds
