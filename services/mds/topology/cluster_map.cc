#include "services/mds/topology/cluster_map.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace curve::mds {

Status ValidateName(std::string_view field, std::string_view name) {
  if (name.empty()) return InvalidArgumentError(std::string(field) + " is empty");
  if (name.size() > 64) {
    return InvalidArgumentError(std::string(field) + " '" + std::string(name) +
                                "' is longer than 64 characters");
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return InvalidArgumentError(std::string(field) + " '" + std::string(name) +
                                  "' has a character outside [A-Za-z0-9._-]");
    }
  }
  return Status::Ok();
}

std::string NormalizeType(std::string_view type) {
  std::string out(type);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool EnsureDefaultPoolset(Topology* topology) {
  if (FindPoolset(*topology, kDefaultPoolset) != nullptr) return false;
  Poolset* poolset = topology->add_poolsets();
  poolset->set_name(std::string(kDefaultPoolset));
  return true;
}

const Poolset* FindPoolset(const Topology& topology, std::string_view name) {
  for (const auto& p : topology.poolsets()) {
    if (p.name() == name) return &p;
  }
  return nullptr;
}

const PhysicalPool* FindPhysicalPool(const Topology& topology, std::string_view name) {
  for (const auto& p : topology.physical_pools()) {
    if (p.name() == name) return &p;
  }
  return nullptr;
}

const Server* FindServer(const Topology& topology, std::string_view name) {
  for (const auto& s : topology.servers()) {
    if (s.name() == name) return &s;
  }
  return nullptr;
}

const Server* FindServerByHost(const Topology& topology, std::string_view host) {
  for (const auto& s : topology.servers()) {
    if (s.host() == host) return &s;
  }
  return nullptr;
}

ChunkServer* FindChunkServer(Topology* topology, uint32_t id) {
  for (auto& cs : *topology->mutable_chunkservers()) {
    if (cs.id() == id) return &cs;
  }
  return nullptr;
}

const ChunkServer* FindChunkServer(const Topology& topology, uint32_t id) {
  for (const auto& cs : topology.chunkservers()) {
    if (cs.id() == id) return &cs;
  }
  return nullptr;
}

namespace {

Status ValidateMap(const ApplyTopologyRequest& map) {
  std::set<std::string> names;
  for (int i = 0; i < map.poolsets_size(); ++i) {
    const auto& p = map.poolsets(i);
    std::string field = "poolsets[" + std::to_string(i) + "]";
    CURVE_RETURN_IF_ERROR(ValidateName(field + ".name", p.name()));
    if (!p.type().empty()) CURVE_RETURN_IF_ERROR(ValidateName(field + ".type", p.type()));
    if (!names.insert(p.name()).second) {
      return InvalidArgumentError(field + ".name: poolset " + p.name() + " is declared twice");
    }
  }
  names.clear();
  for (int i = 0; i < map.physical_pools_size(); ++i) {
    const auto& p = map.physical_pools(i);
    std::string field = "pools[" + std::to_string(i) + "]";
    CURVE_RETURN_IF_ERROR(ValidateName(field + ".name", p.name()));
    if (!p.poolset().empty()) CURVE_RETURN_IF_ERROR(ValidateName(field + ".poolset", p.poolset()));
    if (p.copysets_per_chunkserver() > 10000) {
      return InvalidArgumentError(field + ".copysetsPerChunkserver " +
                                  std::to_string(p.copysets_per_chunkserver()) +
                                  " is out of range [1, 10000]");
    }
    if (!names.insert(p.name()).second) {
      return InvalidArgumentError(field + ".name: pool " + p.name() + " is declared twice");
    }
  }
  names.clear();
  std::set<std::string> hosts;
  for (int i = 0; i < map.servers_size(); ++i) {
    const auto& s = map.servers(i);
    std::string field = "servers[" + std::to_string(i) + "]";
    CURVE_RETURN_IF_ERROR(ValidateName(field + ".name", s.name()));
    CURVE_RETURN_IF_ERROR(ValidateName(field + ".zone", s.zone()));
    CURVE_RETURN_IF_ERROR(ValidateName(field + ".pool", s.physical_pool()));
    if (s.host().empty()) return InvalidArgumentError(field + ".host is empty");
    if (!names.insert(s.name()).second) {
      return InvalidArgumentError(field + ".name: server " + s.name() + " is declared twice");
    }
    if (!hosts.insert(s.host()).second) {
      return InvalidArgumentError(field + ".host: host " + s.host() +
                                  " is declared by two servers");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ApplyClusterMap(const ApplyTopologyRequest& map, uint32_t default_copysets_per_chunkserver,
                       Topology* topology, std::vector<std::string>* changes) {
  CURVE_RETURN_IF_ERROR(ValidateMap(map));
  Topology next = *topology;
  std::vector<std::string> local;
  EnsureDefaultPoolset(&next);
  for (const auto& p : map.poolsets()) {
    std::string type = NormalizeType(p.type());
    if (const Poolset* existing = FindPoolset(next, p.name())) {
      if (existing->type() != type) {
        return FailedPreconditionError("poolset " + p.name() + ": type '" + type +
                                       "' conflicts with the existing type '" + existing->type() +
                                       "'");
      }
      continue;
    }
    Poolset* added = next.add_poolsets();
    added->set_name(p.name());
    added->set_type(type);
    local.push_back("created poolset " + p.name() + " (type " + (type.empty() ? "any" : type) +
                    ")");
  }
  for (const auto& p : map.physical_pools()) {
    std::string poolset = p.poolset().empty() ? std::string(kDefaultPoolset) : p.poolset();
    if (FindPoolset(next, poolset) == nullptr) {
      return NotFoundError("pool " + p.name() + ": poolset " + poolset + " does not exist");
    }
    uint32_t copysets = p.copysets_per_chunkserver() == 0 ? default_copysets_per_chunkserver
                                                          : p.copysets_per_chunkserver();
    if (const PhysicalPool* existing = FindPhysicalPool(next, p.name())) {
      if (existing->poolset() != poolset) {
        return FailedPreconditionError("pool " + p.name() + ": poolset " + poolset +
                                       " conflicts with the existing poolset " +
                                       existing->poolset());
      }
      if (p.copysets_per_chunkserver() != 0 && existing->copysets_per_chunkserver() != copysets) {
        return FailedPreconditionError("pool " + p.name() + ": copysetsPerChunkserver " +
                                       std::to_string(copysets) + " conflicts with the existing " +
                                       std::to_string(existing->copysets_per_chunkserver()));
      }
      continue;
    }
    PhysicalPool* added = next.add_physical_pools();
    added->set_name(p.name());
    added->set_poolset(poolset);
    added->set_copysets_per_chunkserver(copysets);
    local.push_back("created pool " + p.name() + " in poolset " + poolset);
  }
  for (const auto& s : map.servers()) {
    if (FindPhysicalPool(next, s.physical_pool()) == nullptr) {
      return NotFoundError("server " + s.name() + ": pool " + s.physical_pool() +
                           " does not exist");
    }
    if (const Server* existing = FindServer(next, s.name())) {
      auto conflict = [&](const std::string& what, const std::string& want,
                          const std::string& have) {
        return FailedPreconditionError("server " + s.name() + ": " + what + " " + want +
                                       " conflicts with the existing " + what + " " + have);
      };
      if (existing->host() != s.host()) return conflict("host", s.host(), existing->host());
      if (existing->zone() != s.zone()) return conflict("zone", s.zone(), existing->zone());
      if (existing->physical_pool() != s.physical_pool()) {
        return conflict("pool", s.physical_pool(), existing->physical_pool());
      }
      continue;
    }
    if (const Server* other = FindServerByHost(next, s.host())) {
      return FailedPreconditionError("server " + s.name() + ": host " + s.host() +
                                     " already belongs to server " + other->name());
    }
    *next.add_servers() = s;
    local.push_back("created server " + s.name() + " (host " + s.host() + ", zone " + s.zone() +
                    ", pool " + s.physical_pool() + ")");
  }
  *topology = std::move(next);
  changes->insert(changes->end(), local.begin(), local.end());
  return Status::Ok();
}

}  // namespace curve::mds
