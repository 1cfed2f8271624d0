#include "operator/cluster/status_builder.h"

#include <algorithm>
#include <map>

namespace curve::op {
namespace {

using Json = nlohmann::json;

// Something the cluster waits for: a reason while it comes up, another once it was Ready at
// this generation and lost it, and what is awaited ("mds 1/3 ready").
struct Awaited {
  const char* waiting_reason;
  const char* lost_reason;
  std::string what;
};

Json Role(const RoleCount& c) {
  return {{"ready", c.ready},
          {"total", c.total},
          {"display", std::to_string(c.ready) + "/" + std::to_string(c.total)}};
}

Json Condition(const std::string& type, bool status, const std::string& reason,
               const std::string& message, int64_t generation, const Json& previous,
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
  return {{"type", type},     {"status", value},    {"observedGeneration", generation},
          {"reason", reason}, {"message", message}, {"lastTransitionTime", transition}};
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

bool Unreachable(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
}

// Problems that make the cluster Degraded whatever else holds: reason of the first, messages.
std::pair<std::string, std::vector<std::string>> Problems(const ObservedState& o) {
  std::string reason;
  std::vector<std::string> messages;
  auto add = [&](const std::string& r, const std::string& message) {
    if (reason.empty()) reason = r;
    messages.push_back(message);
  };
  for (const auto& p : o.placement.problems) add(p.reason, p.message);
  if (!o.mds_status.ok() && !Unreachable(o.mds_status)) {
    add("TopologyRejected", "the MDS at " + o.mds_address + " refused: " + o.mds_status.message());
  }
  if (!o.apply_error.empty()) add("ApplyFailed", o.apply_error);
  return {reason, messages};
}

// What keeps the cluster from Ready besides Problems(), most basic first.
std::vector<Awaited> Awaiting(const ObservedState& o) {
  std::vector<Awaited> out;
  std::string daemons;
  for (const auto& [name, c] :
       {std::pair{"etcd", o.etcd}, std::pair{"mds", o.mds},
        std::pair{"chunkservers", o.chunkservers}, std::pair{"snapshotclone", o.snapshotclone}}) {
    if (c.ready < c.total) {
      daemons += (daemons.empty() ? "" : ", ") + std::string(name) + " " + std::to_string(c.ready) +
                 "/" + std::to_string(c.total);
    }
  }
  if (!daemons.empty()) out.push_back({"WaitingForDaemons", "DaemonsNotReady", daemons + " ready"});
  if (o.chunkservers.total == 0) {
    out.push_back({"WaitingForDisks", "NoChunkservers", "a disk to place (no chunkserver)"});
  }
  if (!o.mds_status.ok()) {
    if (Unreachable(o.mds_status)) {
      out.push_back({"WaitingForMds", "MdsUnreachable",
                     "MDS at " + o.mds_address + ": " + o.mds_status.message()});
    }
    return out;  // nothing known about topology or health
  }
  if (!o.topology_registered || !o.health) {
    out.push_back({"WaitingForTopology", "TopologyNotRegistered",
                   "the topology to be registered with the MDS at " + o.mds_address});
    return out;
  }
  std::map<std::string, const mds::PoolsetHealth*> health;
  for (const auto& h : o.health->poolsets()) health[h.poolset()] = &h;
  auto check = [&](const std::string& poolset, const mds::PoolsetHealth& h, uint32_t placed) {
    uint32_t total = std::max(h.chunkservers_total(), placed);
    if (h.chunkservers_online() < total) {
      out.push_back({"WaitingForChunkservers", "ChunkserversOffline",
                     "chunkservers of poolset " + poolset + ": " +
                         std::to_string(h.chunkservers_online()) + "/" + std::to_string(total) +
                         " online in the MDS"});
    }
    if (placed > 0 && h.copysets_total() == 0) {
      out.push_back({"WaitingForCopysets", "CopysetsUnhealthy",
                     "copysets of poolset " + poolset +
                         ": none yet (the MDS creates them once its chunkservers registered)"});
    } else if (h.copysets_healthy() < h.copysets_total()) {
      out.push_back({"WaitingForCopysets", "CopysetsUnhealthy",
                     "copysets of poolset " + poolset + ": " +
                         std::to_string(h.copysets_healthy()) + "/" +
                         std::to_string(h.copysets_total()) + " healthy"});
    }
  };
  for (const auto& p : o.placement.poolsets) {
    if (p.chunkservers == 0) continue;
    auto it = health.find(p.name);
    if (it == health.end()) {
      out.push_back({"WaitingForTopology", "TopologyNotRegistered",
                     "poolset " + p.name + " in the MDS health summary"});
      continue;
    }
    check(p.name, *it->second, static_cast<uint32_t>(p.chunkservers));
    health.erase(it);
  }
  for (const auto& [name, h] : health) check(name, *h, 0);  // poolsets this CR places nothing in
  if (out.empty() && !o.health->healthy()) {
    out.push_back(
        {"WaitingForClusterHealth", "ClusterUnhealthy", "the MDS to report the cluster healthy"});
  }
  return out;
}

// The generation the cluster was last Ready at: status.readyGeneration, else (a status an
// operator without readyGeneration wrote) observedGeneration when the phase was Ready.
std::optional<int64_t> ReadyGeneration(const Json& previous) {
  if (!previous.is_object()) return std::nullopt;
  auto it = previous.find("readyGeneration");
  if (it != previous.end() && it->is_number_integer()) return it->get<int64_t>();
  auto observed = previous.find("observedGeneration");
  if (previous.value("phase", "") == "Ready" && observed != previous.end() &&
      observed->is_number_integer()) {
    return observed->get<int64_t>();
  }
  return std::nullopt;
}

}  // namespace

Json BuildStatus(const ObservedState& o, const Json& previous, const std::string& now) {
  const auto [problem_reason, problems] = Problems(o);
  const std::vector<Awaited> awaited = Awaiting(o);
  const bool ready = problems.empty() && awaited.empty();
  const std::optional<int64_t> ready_generation = ReadyGeneration(previous);
  // Ready at this generation before: nothing is rolled out, so what is missing was lost.
  const bool lost = !ready && !awaited.empty() && ready_generation == o.generation;
  const bool degraded = !problems.empty() || lost;
  const int any_ready = o.etcd.ready + o.mds.ready + o.chunkservers.ready + o.snapshotclone.ready;

  std::vector<std::string> whats;
  for (const auto& a : awaited) whats.push_back(a.what);
  std::string degraded_reason = problem_reason, degraded_message = Join(problems);
  if (lost) {
    if (degraded_reason.empty()) degraded_reason = awaited.front().lost_reason;
    degraded_message += (degraded_message.empty() ? "" : "; ") + Join(whats);
  }
  std::string ready_reason = "ClusterReady";
  std::string ready_message;
  if (ready) {
    uint32_t copysets = 0;
    for (const auto& h : o.health->poolsets()) copysets += h.copysets_total();
    ready_message = "every daemon ready, topology registered, " + std::to_string(copysets) +
                    " copysets healthy";
  } else if (!awaited.empty()) {
    ready_reason = lost ? awaited.front().lost_reason : awaited.front().waiting_reason;
    ready_message = (lost ? "" : "waiting for ") + Join(whats);
  } else {
    ready_reason = problem_reason;
    ready_message = "degraded: " + Join(problems);
  }
  // Still coming up: the generation is being rolled out (Progressing), or a ready cluster lost
  // something (not progressing, Degraded), or nothing left to do but problems to fix.
  const bool progressing = !ready && !lost && !awaited.empty();
  const std::string phase = !problems.empty() ? "Degraded"
                            : ready           ? "Ready"
                            : lost            ? "Degraded"
                            : any_ready       ? "Progressing"
                                              : "Creating";
  const std::string applied = "generation " + std::to_string(o.generation) + " applied";
  Json conditions = Json::array(
      {Condition("Progressing", progressing, progressing ? ready_reason : "Reconciled",
                 progressing ? ready_message : applied, o.generation, previous, now),
       Condition("Ready", ready, ready_reason, ready_message, o.generation, previous, now),
       Condition("Degraded", degraded, degraded ? degraded_reason : "AsExpected",
                 degraded ? degraded_message : "placement and topology as declared", o.generation,
                 previous, now)});

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
  Json status = {{"phase", phase},
                 {"observedGeneration", o.generation},
                 {"version", o.version},
                 {"message", degraded ? degraded_message : ready_message},
                 {"conditions", conditions},
                 {"etcd", Role(o.etcd)},
                 {"mds", Role(o.mds)},
                 {"chunkservers", Role(o.chunkservers)},
                 {"snapshotclone", Role(o.snapshotclone)},
                 {"poolsets", poolsets}};
  if (ready) {
    status["readyGeneration"] = o.generation;
  } else if (ready_generation) {
    status["readyGeneration"] = *ready_generation;
  }
  return status;
}

Json BuildApplyingStatus(const Json& previous, int64_t generation, const std::string& now) {
  const std::string of = "generation " + std::to_string(generation);
  Json status = previous.is_object() ? previous : Json::object();
  const std::string phase = status.value("phase", "");
  status["phase"] = phase.empty() || phase == "Creating" ? "Creating" : "Progressing";
  status["observedGeneration"] = generation;
  status["message"] = "applying " + of;
  Json degraded = Condition("Degraded", false, "Applying", "not yet known for " + of, generation,
                            previous, now);
  degraded["status"] = "Unknown";
  status["conditions"] = Json::array(
      {Condition("Progressing", true, "Applying", "applying " + of, generation, previous, now),
       Condition("Ready", false, "Applying", "not yet known for " + of, generation, previous, now),
       degraded});
  return status;
}

}  // namespace curve::op
