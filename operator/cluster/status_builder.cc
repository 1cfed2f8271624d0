#include "operator/cluster/status_builder.h"

namespace curve::op {
namespace {

using Json = nlohmann::json;

Json Role(const RoleCount& c) {
  return {{"ready", c.ready},
          {"total", c.total},
          {"display", std::to_string(c.ready) + "/" + std::to_string(c.total)}};
}

Json Condition(const std::string& type, bool status, const std::string& reason,
               const std::string& message, const ObservedState& o, const Json& previous,
               const std::string& now) {
  std::string value = status ? "True" : "False";
  std::string transition = now;
  if (previous.is_object() && previous.contains("conditions")) {
    for (const auto& c : previous["conditions"]) {
      if (c.value("type", "") == type && c.value("status", "") == value) {
        transition = c.value("lastTransitionTime", now);
      }
    }
  }
  return {{"type", type},     {"status", value},    {"observedGeneration", o.generation},
          {"reason", reason}, {"message", message}, {"lastTransitionTime", transition}};
}

}  // namespace

Json BuildStatus(const ObservedState& o, const Json& previous, const std::string& now) {
  std::string degraded_reason, degraded_message;
  for (const auto& p : o.placement.problems) {
    if (degraded_reason.empty()) degraded_reason = p.reason;
    degraded_message += (degraded_message.empty() ? "" : "; ") + p.message;
  }
  if (!o.topology_error.empty()) {
    if (degraded_reason.empty()) degraded_reason = "TopologyNotRegistered";
    degraded_message += (degraded_message.empty() ? "" : "; ") + o.topology_error;
  }
  if (!o.apply_error.empty()) {
    if (degraded_reason.empty()) degraded_reason = "ApplyFailed";
    degraded_message += (degraded_message.empty() ? "" : "; ") + o.apply_error;
  }
  bool degraded = !degraded_reason.empty();
  auto full = [](const RoleCount& c) { return c.ready == c.total; };
  bool roles_ready = full(o.etcd) && full(o.mds) && full(o.chunkservers) && full(o.snapshotclone) &&
                     o.chunkservers.total > 0;
  bool healthy = o.health.has_value() && o.health->healthy();
  bool ready = roles_ready && healthy && !degraded;
  int any_ready = o.etcd.ready + o.mds.ready + o.chunkservers.ready + o.snapshotclone.ready;

  std::string phase = degraded    ? "Degraded"
                      : ready     ? "Ready"
                      : any_ready ? "Progressing"
                                  : "Creating";
  std::string waiting;
  for (const auto& [name, c] :
       {std::pair{"etcd", o.etcd}, std::pair{"mds", o.mds},
        std::pair{"chunkservers", o.chunkservers}, std::pair{"snapshotclone", o.snapshotclone}}) {
    if (c.ready < c.total) {
      waiting += (waiting.empty() ? "" : ", ") + std::string(name) + " " + std::to_string(c.ready) +
                 "/" + std::to_string(c.total);
    }
  }
  if (!healthy) waiting += (waiting.empty() ? "" : ", ") + std::string("MDS health");
  Json conditions = Json::array(
      {Condition("Progressing", !ready, ready ? "Reconciled" : "WaitingForDaemons",
                 ready ? "all daemons ready" : "waiting for " + waiting, o, previous, now),
       Condition("Ready", ready, ready ? "ClusterReady" : "NotReady",
                 ready ? "every daemon ready and the MDS reports the cluster healthy"
                       : "waiting for " + waiting,
                 o, previous, now),
       Condition("Degraded", degraded, degraded ? degraded_reason : "AsExpected",
                 degraded ? degraded_message : "placement and topology as declared", o, previous,
                 now)});

  Json poolsets = Json::array();
  for (const auto& p : o.placement.poolsets) {
    Json entry = {{"name", p.name},
                  {"type", p.type},
                  {"chunkservers", p.chunkservers},
                  {"failureDomains", p.failure_domains}};
    if (o.health) {
      for (const auto& h : o.health->poolsets()) {
        if (h.poolset() != p.name) continue;
        entry["chunkserversOnline"] = h.chunkservers_online();
        entry["copysetsHealthy"] = h.copysets_healthy();
        entry["copysetsTotal"] = h.copysets_total();
        entry["capacityBytes"] = h.capacity_bytes();
        entry["usedBytes"] = h.used_bytes();
      }
    }
    poolsets.push_back(std::move(entry));
  }
  return {{"phase", phase},
          {"observedGeneration", o.generation},
          {"version", o.version},
          {"message", degraded ? degraded_message : conditions[1]["message"].get<std::string>()},
          {"conditions", conditions},
          {"etcd", Role(o.etcd)},
          {"mds", Role(o.mds)},
          {"chunkservers", Role(o.chunkservers)},
          {"snapshotclone", Role(o.snapshotclone)},
          {"poolsets", poolsets}};
}

Json BuildApplyingStatus(const Json& previous, int64_t generation, const std::string& now) {
  ObservedState o;
  o.generation = generation;
  const std::string of = "generation " + std::to_string(generation);
  Json status = previous.is_object() ? previous : Json::object();
  const std::string phase = status.value("phase", "");
  status["phase"] = phase.empty() || phase == "Creating" ? "Creating" : "Progressing";
  status["observedGeneration"] = generation;
  status["message"] = "applying " + of;
  Json degraded =
      Condition("Degraded", false, "Applying", "not yet known for " + of, o, previous, now);
  degraded["status"] = "Unknown";
  status["conditions"] = Json::array(
      {Condition("Progressing", true, "Applying", "applying " + of, o, previous, now),
       Condition("Ready", false, "Applying", "not yet known for " + of, o, previous, now),
       degraded});
  return status;
}

}  // namespace curve::op
